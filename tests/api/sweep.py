"""Every operation of the API, read from its OpenAPI document, ready to be called with the
scene's values (tests/scene.py): the persona matrix, the privacy sweep and the query
counts walk these, so an operation added to any router is swept without an edit here.

A write needs a body the operation accepts, or the request would be refused for its body
before the permission check is reached: `example` makes the smallest valid one from the
operation's request schema (required members only), and `BODIES` replaces it where a
minimal body is not enough to reach the check (keep that table small).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any
from urllib.parse import urlencode

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from alliance.lib.clock import now
from tests.api.client import check
from tests.scene import Scene

# Operation id -> the body a party would send, where the generated one is not enough.
BODIES: dict[str, Callable[[Scene], dict[str, Any]]] = {
    "alliance_update": lambda s: {"revision": 1, "title": "Renamed through the API"},
    "rhythm_set": lambda s: {
        "starts_on": (now() + timedelta(days=9)).date().isoformat(),
        "at_time": "09:30",
        "repeat": "weeks",
    },
}

# Operation id -> (body field, tests/routes.py name): operations where a token in the
# body is the permission, as in a URL of the "token" routes: each persona sends the one
# they hold (`Scene.token_for`: Ivy her invitation's), anyone else one that matches nothing.
TOKEN_FIELDS: dict[str, tuple[str, str]] = {
    "invitation_accept": ("token", "invitation_accept"),
}

# The value a sweep puts in a path slot of an "own" operation that names no object of
# the caller's: the built-in template's key is everyone's.
SHARED_SLOTS = frozenset({"key"})
MISSING_ID = 999_999


@cache
def document() -> dict[str, Any]:
    from alliance.api.api import api

    return api.get_openapi_schema()


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = document()["components"]["schemas"][name]
    return schema


def example(schema: dict[str, Any]) -> Any:
    """The smallest value `schema` accepts: required members only, the first choice of
    an enum, the lower bound of a number, a short text within the length bounds, a time
    a week ahead."""
    schema = resolve(schema)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for choice in ("anyOf", "oneOf", "allOf"):
        if choice in schema:
            variants = [resolve(v) for v in schema[choice]]
            usable = [v for v in variants if v.get("type") != "null"] or variants
            return example(usable[0])
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: example(properties[name]) for name in schema.get("required", [])}
    if kind == "array":
        return [example(schema.get("items", {})) for _ in range(schema.get("minItems", 0))]
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
        return max(low, 1) if schema.get("maximum", 1) >= 1 else low
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    formatted = {
        "date-time": (now() + timedelta(days=7)).isoformat(),
        "date": (now() + timedelta(days=7)).date().isoformat(),
        "time": "09:00:00",
        "email": "newcomer@sweep.example",
        "uri": "https://hooks.sweep.example/alliance",
    }
    if schema.get("format") in formatted:
        return formatted[schema["format"]]
    text = "Sweep"
    text = text.ljust(schema.get("minLength", 0), "x")
    return text[: schema.get("maxLength", len(text))]


@dataclass(frozen=True)
class Operation:
    method: str  # GET, POST, ...
    path: str  # as the document has it: /api/v1/alliances/{alliance_id}
    id: str
    access: str  # x-alliance-access
    spec: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def reads(self) -> bool:
        return self.method == "GET"

    @property
    def slots(self) -> list[str]:
        return [p["name"] for p in self.spec.get("parameters", []) if p["in"] == "path"]

    @property
    def of_an_alliance(self) -> bool:
        return "alliance_id" in self.slots

    @property
    def owned_slots(self) -> list[str]:
        """Slots of an "own" operation naming an object of one person's (their template,
        token, webhook endpoint, copy of their data): the scene's are Ana's."""
        if self.of_an_alliance:
            return []
        return [slot for slot in self.slots if slot not in SHARED_SLOTS]

    def url(self, values: dict[str, Any], **query: Any) -> str:
        path = self.path
        for slot in self.slots:
            assert slot in values, (
                f"{self}: the sweeps do not know how to fill {{{slot}}}: add it to the values "
                "of tests/scene.py"
            )
            path = path.replace("{" + slot + "}", str(values[slot]))
        required = {
            p["name"]: example(p["schema"])
            for p in self.spec.get("parameters", [])
            if p["in"] == "query" and p.get("required")
        }
        required.update(query)
        return f"{path}?{urlencode(required, doseq=True)}" if required else path

    def body(self, scene: Scene, persona: str = "party") -> tuple[str, Any] | None:
        """(media type, body) a party could send (with the token `persona` holds, where a
        token is the permission), or None for an operation without one."""
        if "requestBody" not in self.spec:
            return None
        content = self.spec["requestBody"]["content"]
        if self.id in BODIES:
            return "application/json", BODIES[self.id](scene)
        if "application/json" in content:
            body = example(content["application/json"]["schema"])
            if self.id in TOKEN_FIELDS:
                field, route = TOKEN_FIELDS[self.id]
                body[field] = scene.token_for(route, persona)
            return "application/json", body
        media = next(iter(content))
        return media, example(content[media]["schema"])

    def holds_token(self, scene: Scene, persona: str) -> bool | None:
        """For an operation whose permission is a token in the body: whether `persona`
        holds a valid one; None for any other operation."""
        if self.id not in TOKEN_FIELDS:
            return None
        route = TOKEN_FIELDS[self.id][1]
        return scene.token_for(route, persona) != scene.token_for(route, "anonymous")

    def call(self, token: str | None, url: str, body: tuple[str, Any] | None) -> Any:
        """Send it with `token` (None: anonymously); the answer is checked against the
        document like every answer in the API's tests."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = Client(raise_request_exception=False)
        method = self.method.lower()
        if body is None:
            response = getattr(client, method)(url, headers=headers)
        elif body[0] == "application/json":
            response = getattr(client, method)(
                url, data=json.dumps(body[1]), content_type="application/json", headers=headers
            )
        else:
            # A form with files (say, a template to import): each binary field a small file.
            fields = {
                name: SimpleUploadedFile(f"{name}.json", b"{}", "application/json")
                if isinstance(value, str) and self._binary(name)
                else value
                for name, value in body[1].items()
            }
            response = getattr(client, method)(url, data=fields, headers=headers)
        check(response)
        return response

    def _binary(self, field: str) -> bool:
        content = self.spec["requestBody"]["content"]
        schema = resolve(next(iter(content.values()))["schema"])
        return resolve(schema.get("properties", {}).get(field, {})).get("format") == "binary"


def operations() -> list[Operation]:
    found = []
    for path, methods in document()["paths"].items():
        for method, spec in methods.items():
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    id=spec["operationId"],
                    access=spec["x-alliance-access"],
                    spec=spec,
                )
            )
    return found


def lists_items(operation: Operation) -> bool:
    """A list: a GET whose answer is an array or a page of `items`."""
    if not operation.reads:
        return False
    ok = next((r for s, r in operation.spec["responses"].items() if s.startswith("2")), {})
    schema = resolve(ok.get("content", {}).get("application/json", {}).get("schema", {}))
    return schema.get("type") == "array" or "items" in schema.get("properties", {})
