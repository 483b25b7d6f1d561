"""The JSON API at /api/v1/: one NinjaAPI, with each stage of the practice adding its own
router from its `api.py`, written on the same services and selectors as its pages.

The OpenAPI 3.1 document (`/api/v1/openapi.json`) and its interactive docs (`/api/v1/docs`,
served from our own static files) come from the routers' types. Every operation documents
the problems it may answer with as `application/problem+json` (see `problems.py`).
"""

from importlib import import_module
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger
from ninja.parser import Parser

from alliance.api.auth import AUTH
from alliance.api.problems import PROBLEM_CONTENT_TYPE, install_problem_handlers, problem_response
from alliance.lib.forms import MAX_ID

# Each module holds a `router`, mounted at the API's root: the stages of the practice in
# the order of the journey. A new stage adds its line here.
ROUTERS = [
    "alliance.accounts.api",
    "alliance.alliances.api",
    "alliance.starting.api",
    "alliance.terms.api",
    "alliance.conversations.api",
    "alliance.feedback.api",
    "alliance.tending.api",
    "alliance.closing.api",
    "alliance.record.api",
    "alliance.webhooks.api",
]

# The problems every operation may answer with, besides its own.
COMMON_PROBLEMS = {
    "401": "Not signed in, or the token is unknown, revoked or expired.",
    "403": "The token may only read, or the CSRF token is missing.",
    "422": "What was sent is not valid; `errors` names each field.",
}
WRITE_PROBLEMS = {
    "409": "The alliance is closed, or changed since the revision sent.",
}
PATH_PROBLEMS = {
    "404": "Nothing here, or nothing the caller may see.",
}
BODY_PROBLEMS = {
    "400": "The body is not a JSON object.",
}


class JsonObjects(Parser):
    """Every body the API takes is a JSON object (`{}` where every member may be left
    out): anything else (`null`, an array, a number, a string) is refused as unreadable,
    a 400, before a schema could read it as an object with every field left out."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("The body is not a JSON object.")
        return data


class AllianceAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        """Operation ids are the endpoint functions' names, unique across routers."""
        return str(operation.view_func.__name__)

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        from alliance.api.problems import FieldProblem, Problem

        components["Problem"] = Problem.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        components["Problem"].pop("$defs", None)
        components["FieldProblem"] = FieldProblem.model_json_schema()
        problem = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                for parameter in operation.get("parameters", []):
                    # Ids in paths are those a database column holds (the `id` converter).
                    if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
                        parameter["schema"].update(minimum=1, maximum=MAX_ID)
                responses = operation.setdefault("responses", {})
                documented = dict(COMMON_PROBLEMS)
                if method != "get":
                    documented.update(WRITE_PROBLEMS)
                if "{" in path:
                    documented.update(PATH_PROBLEMS)
                if "requestBody" in operation:
                    documented.update(BODY_PROBLEMS)
                for status, description in documented.items():
                    if int(status) not in responses:
                        responses[int(status)] = {"description": description}
                for status, response in responses.items():
                    if 400 <= int(status) < 500:
                        response["content"] = problem
                # As JSON has them: status codes as strings, in order.
                operation["responses"] = {str(s): responses[s] for s in sorted(responses, key=int)}
        return schema


api = AllianceAPI(
    title="Alliance",
    version="1",
    description=(
        "The practice of designing alliances, for other tools: the same rules as the pages. "
        "Authenticate with a personal access token from your profile page "
        "(`Authorization: Bearer alliance_pat_…`). Errors are RFC 9457 problem details."
    ),
    auth=AUTH,
    parser=JsonObjects(),
    urls_namespace="api",
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_problem_handlers(api)
for module in ROUTERS:
    api.add_router("/", import_module(module).router)


# Exempt as the API's operations are: a write to no operation is a 404 problem too, not
# the site's HTML page about a missing CSRF token.
@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /api/v1/: a problem, not the site's HTML page."""
    return problem_response(404, _("There is nothing at this address of the API."))
