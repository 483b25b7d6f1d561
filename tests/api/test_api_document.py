"""The OpenAPI document teaches every operation, bounds everything a caller sends, and is
what the tests hold every answer to.

(That it is valid OpenAPI 3.1 and names its problems and `x-alliance-access` on every
operation: tests/api/test_foundation.py.)
"""

import json

import pytest
from django.test import Client
from openapi_core.validation.response.exceptions import InvalidData

from tests.api.client import check, token_for
from tests.api.sweep import Operation, document, operations, resolve
from tests.factories import make_alliance, make_user

pytestmark = pytest.mark.django_db

# String formats whose values are bounded by their format.
BOUNDED_FORMATS = {"date", "date-time", "time", "binary", "uuid"}


def test_every_operation_has_a_summary_a_description_and_its_answers_documented():
    failures = []
    for operation in operations():
        spec = operation.spec
        if not spec.get("summary", "").strip():
            failures.append(f"{operation}: no summary= (the docs' one-line title)")
        if not spec.get("description", "").strip():
            failures.append(f"{operation}: no docstring (the docs' description)")
        statuses = set(spec["responses"])
        if not any(s.startswith("2") for s in statuses):
            failures.append(f"{operation}: no 2xx answer documented")
        expected = {"401", "403", "422"} | ({"409"} if not operation.reads else set())
        expected |= {"404"} if operation.slots else set()
        if not expected <= statuses:
            failures.append(f"{operation}: {sorted(expected - statuses)} not documented")
        for status, response in spec["responses"].items():
            if not response.get("description", "").strip():
                failures.append(f"{operation}: its {status} has no description")
    assert not failures, "\n".join(failures)


def _unbounded(schema: dict, where: str) -> list[str]:
    """Every string without a maximum length and every number without bounds in what a
    caller sends: the docs say what fits, and nothing too large reaches a service."""
    schema = resolve(schema)
    found = []
    for choice in ("anyOf", "oneOf", "allOf"):
        for variant in schema.get(choice, []):
            found += _unbounded(variant, where)
    kinds = schema.get("type", [])
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "enum" in schema or "const" in schema:
        return found
    bounded_format = schema.get("format") in BOUNDED_FORMATS
    if "string" in kinds and not bounded_format and "maxLength" not in schema:
        found.append(f"{where}: a string without max_length")
    numbers = {"integer", "number"} & set(kinds)
    if numbers and ("maximum" not in schema or "minimum" not in schema):
        found.append(f"{where}: a number without ge= and le=")
    if "array" in kinds:
        if "maxItems" not in schema:
            found.append(f"{where}: a list without max_length")
        found += _unbounded(schema.get("items", {}), f"{where}[]")
    for name, member in schema.get("properties", {}).items():
        found += _unbounded(member, f"{where}.{name}")
    return found


def _inputs(operation: Operation) -> list[str]:
    found = []
    for parameter in operation.spec.get("parameters", []):
        found += _unbounded(parameter["schema"], f"{operation} {parameter['name']}")
    for media in operation.spec.get("requestBody", {}).get("content", {}).values():
        found += _unbounded(media["schema"], f"{operation} body")
    return found


def test_everything_a_caller_sends_is_bounded():
    failures = [problem for operation in operations() for problem in _inputs(operation)]
    assert not failures, "\n".join(failures)


def test_the_bounds_check_finds_an_unbounded_field():
    """The check above looks where fields are: a string without a length fails it."""
    body = {"type": "object", "properties": {"note": {"type": "string"}}}
    assert _unbounded(body, "body") == ["body.note: a string without max_length"]
    assert document()["components"]["schemas"]  # the check resolves references from here


def test_an_answer_the_document_does_not_describe_fails_the_test_that_got_it():
    """Every answer in the API's tests goes through `check` (tests.api.client.ApiClient
    and the sweeps' calls): an answer that strays from the document fails there."""
    ana = make_user("Ana")
    response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {token_for(ana)}"})
    check(response)
    body = response.json()
    del body["email"]
    response.content = json.dumps(body).encode()
    with pytest.raises(InvalidData):
        check(response)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/no/such/thing"),
        ("PUT", "/api/v1/alliances/%0A%08x/terms"),  # a newline in it
        ("PATCH", "/api/v1/alliances/9223372036854775808"),  # past the largest id
    ],
)
def test_an_address_the_document_does_not_have_is_a_404_problem(method, path):
    """Whatever the method and however odd the address: a problem a client can read, never
    the site's HTML page (nor its page about a missing CSRF token)."""
    response = Client(enforce_csrf_checks=True).generic(method, path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


@pytest.mark.parametrize("body", ["[null, null]", "3", '"title"', "{not json"])
def test_a_body_that_is_not_a_json_object_is_a_400_problem_and_changes_nothing(body):
    ana = make_user("Ana")
    alliance = make_alliance(ana, title="First")
    response = Client().patch(
        f"/api/v1/alliances/{alliance.pk}",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_for(ana)}"},
    )
    check(response)
    assert response.status_code == 400
    assert "JSON object" in response.json()["detail"]
    alliance.refresh_from_db()
    assert (alliance.title, alliance.revision) == ("First", 1)
