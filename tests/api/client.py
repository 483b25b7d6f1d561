"""A client for the JSON API that checks every answer against the OpenAPI document, with a
parser we did not write (openapi-core): a response the document does not describe fails
the test that got it."""

import json
from functools import cache
from typing import Any

from django.test import Client
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse

from alliance.accounts.models import TokenScope, User
from alliance.accounts.services import access_token_create


@cache
def openapi() -> OpenAPI:
    from alliance.api.api import api

    # Problem details are JSON too: read them as such, so their schema is checked.
    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    return OpenAPI.from_dict(api.get_openapi_schema(), config=config)


def token_for(user: User, scope: str = TokenScope.WRITE, name: str = "tests") -> str:
    return access_token_create(user=user, name=name, scope=scope)[1]


class ApiClient:
    """`ApiClient(user)` calls as `user` with a fresh write token (or `scope="read"`);
    `ApiClient(token="...")` with a given token; `ApiClient(session=client)` as a signed-in
    browser; `ApiClient()` anonymously. Every response is validated against the document."""

    def __init__(
        self,
        user: User | None = None,
        *,
        scope: str = TokenScope.WRITE,
        token: str | None = None,
        session: Client | None = None,
        validate: bool = True,
    ) -> None:
        self.client = session or Client()
        self.token = token or (token_for(user, scope) if user is not None else None)
        self.validate = validate

    def request(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            kwargs |= {"data": json.dumps(body), "content_type": "application/json"}
        response = getattr(self.client, method.lower())(path, **kwargs)
        if self.validate:
            check(response)
        return response

    def get(self, path: str, **headers: str) -> Any:
        return self.request("GET", path, **headers)

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.request("POST", path, {} if body is None else body, **headers)

    def patch(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.request("PATCH", path, {} if body is None else body, **headers)

    def put(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.request("PUT", path, {} if body is None else body, **headers)

    def delete(self, path: str, **headers: str) -> Any:
        return self.request("DELETE", path, **headers)


def check(response: Any) -> None:
    """Fail unless the OpenAPI document describes this response to this request: its
    status, content type and body."""
    openapi().validate_response(
        DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response)
    )
