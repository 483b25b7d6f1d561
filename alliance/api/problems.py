"""Errors as RFC 9457 problem details (`application/problem+json`).

Every refusal of the API reads the same way: `type`, `title` (the status's phrase),
`status`, `detail` (what happened, in the reader's language) and, when fields were wrong,
`errors`: one `{field, message}` per field, with the field named as the request named it.
"""

import json
from http import HTTPStatus
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from alliance.alliances.services import AllianceClosed

PROBLEM_CONTENT_TYPE = "application/problem+json"


class FieldProblem(Schema):
    field: str
    message: str


class Problem(Schema):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None


class ApiProblem(Exception):
    """Raise from an endpoint to answer with a problem: `status`, a `detail` for people,
    and any further members (say, both texts of a conflicting edit)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        type: str = "about:blank",
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.type = type
        self.extra = extra


def problem_response(
    status: int,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    type: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": type,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field_of(location: tuple[Any, ...] | list[Any]) -> str:
    """`("body", "payload", "title")` → `title`; `("query", "limit")` → `limit`: the name the
    client sent, without ninja's internal wrapping."""
    parts = [str(part) for part in location]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in {"payload", "data", "body"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def field_problems(error: DjangoValidationError) -> list[dict[str, str]]:
    """A Django ValidationError as `{field, message}` items (`field` is `non_field` for what
    concerns the request as a whole)."""
    if hasattr(error, "error_dict"):
        return [
            {"field": "non_field" if field == "__all__" else field, "message": message}
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return [{"field": "non_field", "message": message} for message in error.messages]


def install_problem_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ApiProblem)
    def on_problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
        return problem_response(
            exc.status, exc.detail, errors=exc.errors, type=exc.type, **exc.extra
        )

    @api.exception_handler(NinjaValidationError)
    def on_invalid_request(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [
            {"field": _field_of(error.get("loc", ())), "message": str(error.get("msg", ""))}
            for error in exc.errors
        ]
        fields = ", ".join(sorted({error["field"] for error in errors}))
        return problem_response(
            422,
            _("Some of what was sent is not valid: %(fields)s.") % {"fields": fields},
            errors=errors,
        )

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem_response(
            401,
            _(
                "Sign in, or send a personal access token as “Authorization: Bearer …”; "
                "make one on your profile page."
            ),
            headers={"WWW-Authenticate": 'Bearer realm="alliance"'},
        )

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:
            # ninja's own words for a body that is not a JSON object, in the reader's
            # language.
            return problem_response(400, _("The body is not a JSON object: send one."))
        return problem_response(exc.status_code, str(exc.message))

    @api.exception_handler(Http404)
    @api.exception_handler(ObjectDoesNotExist)
    def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem_response(404, _("There is nothing here, or nothing you may see."))

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return problem_response(403, str(exc) or _("You may not do this."))

    @api.exception_handler(AllianceClosed)
    def on_closed(request: HttpRequest, exc: AllianceClosed) -> HttpResponse:
        return problem_response(409, " ".join(exc.messages))

    @api.exception_handler(DjangoValidationError)
    def on_refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        errors = field_problems(exc)
        return problem_response(422, " ".join(e["message"] for e in errors), errors=errors)
