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
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from alliance.api.auth import AUTH
from alliance.api.problems import PROBLEM_CONTENT_TYPE, install_problem_handlers, problem_response
from alliance.lib.forms import MAX_ID

# Each module holds a `router`, mounted at the API's root: the stages of the practice in
# the order of the journey. A new stage adds its line here.
ROUTERS = [
    "alliance.accounts.api",
    "alliance.alliances.api",
    "alliance.terms.api",
    "alliance.starting.api",
    "alliance.conversations.api",
    "alliance.feedback.api",
    "alliance.record.api",
    "alliance.tending.api",
    "alliance.closing.api",
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
    urls_namespace="api",
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_problem_handlers(api)
for module in ROUTERS:
    api.add_router("/", import_module(module).router)


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /api/v1/: a problem, not the site's HTML page."""
    return problem_response(404, _("There is nothing at this address of the API."))
