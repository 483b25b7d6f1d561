"""What a template holds, one shape for the built-ins, a person's own and the file format.

The file format, version 1 (`content_as_file` writes it, `content_from_file` reads it):

    {
      "format": "alliance-template",
      "version": 1,
      "name": "Coaching agreement",            # up to 120 characters
      "kind": "coaching",                      # one of alliances.models.Kind
      "purpose": "...",                        # up to 300 characters, may be empty
      "roles": [{"label": "coach", "observer": false}, ...],   # up to 8, 40 characters each
      "terms": [{"category": "rhythm", "text": "..."}, ...],   # up to 40; terms.models.Category
      "prompts": [{"theme": "feel", "category": "other", "text": "..."}, ...],  # up to 30
      "hidden_prompts": ["feel-4", ...],       # keys of built-in prompts left out
      "groundwork": "...",                     # up to 4000 characters, may be empty
      "rhythm": "FREQ=WEEKLY;INTERVAL=6"       # an RRULE of a shape the rhythm form makes, or ""
    }

Reading is strict: an unknown key, a wrong type, a value too long or outside its choices
refuses the whole file with a message that names the place ("terms[3].category").
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from alliance.alliances.models import Kind
from alliance.conversations.library import PROMPTS_BY_KEY, THEME_LABELS
from alliance.tending.rhythms import ORDINALS, WEEKDAYS, rule_build, rule_describe, rule_fields
from alliance.terms.models import Category

FORMAT = "alliance-template"
FORMAT_VERSION = 1
FILE_SIZE_LIMIT = 256 * 1024

NAME_LIMIT = 120
PURPOSE_LIMIT = 300
ROLE_LIMIT = 40
TERM_LIMIT = 2000
PROMPT_LIMIT = 500
GROUNDWORK_LIMIT = 4000
RULE_LIMIT = 200
MAX_ROLES = 8
MAX_TERMS = 40
MAX_PROMPTS = 30

Text = str | Promise


@dataclass(frozen=True)
class Role:
    label: Text
    observer: bool = False


@dataclass(frozen=True)
class TemplateTerm:
    category: str
    text: Text


@dataclass(frozen=True)
class TemplatePrompt:
    theme: str
    category: str
    text: Text


@dataclass(frozen=True)
class TemplateContent:
    """A template's substance. Texts may be lazy (the built-ins translate when read)."""

    name: Text
    kind: str
    purpose: Text = ""
    roles: tuple[Role, ...] = ()
    terms: tuple[TemplateTerm, ...] = ()
    prompts: tuple[TemplatePrompt, ...] = ()
    hidden_prompts: tuple[str, ...] = ()
    groundwork: Text = ""
    rhythm: str = ""
    key: str = field(default="", compare=False)  # how the list and the start page name it

    def terms_by_category(self) -> list[tuple[str, list[str]]]:
        """The terms grouped under their category's label, categories in their usual order."""
        grouped: dict[str, list[str]] = {}
        for term in self.terms:
            grouped.setdefault(term.category, []).append(str(term.text))
        labels = dict(Category.choices)
        return [(str(labels[c]), grouped[c]) for c in Category.values if c in grouped]

    @property
    def rhythm_text(self) -> str:
        return rule_describe(self.rhythm) if self.rhythm else ""

    @property
    def designing_role(self) -> str:
        """The role the person starting an alliance from it most likely holds."""
        return next((str(r.label) for r in self.roles if not r.observer), "")


def content_fields(content: TemplateContent) -> dict[str, Any]:
    """The content as plain data, every text in the language now active: what a
    `models.Template` stores and, with its format and version, what a file holds."""
    return {
        "name": str(content.name),
        "kind": content.kind,
        "purpose": str(content.purpose),
        "roles": [{"label": str(r.label), "observer": r.observer} for r in content.roles],
        "terms": [{"category": t.category, "text": str(t.text)} for t in content.terms],
        "prompts": [
            {"theme": p.theme, "category": p.category, "text": str(p.text)} for p in content.prompts
        ],
        "hidden_prompts": list(content.hidden_prompts),
        "groundwork": str(content.groundwork),
        "rhythm": content.rhythm,
    }


def content_as_file(content: TemplateContent) -> dict[str, Any]:
    return {"format": FORMAT, "version": FORMAT_VERSION, **content_fields(content)}


class _Reader:
    """Reads one untrusted dict, field by field, collecting what is wrong with it."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def text(self, where: str, value: Any, limit: int, required: bool = False) -> str:
        if not isinstance(value, str):
            raise ValidationError(_("%(where)s must be text.") % {"where": where})
        value = value.strip()
        # JSON may spell characters no database column takes: NUL, and halves of a pair.
        if "\x00" in value or _unencodable(value):
            raise ValidationError(
                _("%(where)s holds a character that is not text.") % {"where": where}
            )
        if required and not value:
            raise ValidationError(_("%(where)s is empty.") % {"where": where})
        if len(value) > limit:
            raise ValidationError(
                _("%(where)s is longer than %(limit)d characters.")
                % {"where": where, "limit": limit}
            )
        return value

    def choice(self, where: str, value: Any, choices: Any) -> str:
        if not isinstance(value, str) or value not in choices:
            raise ValidationError(
                _("%(where)s must be one of: %(choices)s.")
                % {"where": where, "choices": ", ".join(choices)}
            )
        return value

    def items(self, where: str, value: Any, limit: int, keys: set[str]) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            raise ValidationError(_("%(where)s must be a list.") % {"where": where})
        if len(value) > limit:
            raise ValidationError(
                _("%(where)s has more than %(limit)d entries.") % {"where": where, "limit": limit}
            )
        for i, item in enumerate(value):
            at = f"{where}[{i}]"
            if not isinstance(item, dict):
                raise ValidationError(_("%(where)s must be an object.") % {"where": at})
            self.keys(at, item, keys, keys)
        return value

    def keys(self, where: str, value: dict[str, Any], required: set[str], known: set[str]) -> None:
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValidationError(
                _("%(where)s has fields this format does not know: %(fields)s.")
                % {"where": where, "fields": ", ".join(unknown)}
            )
        missing = sorted(required - set(value))
        if missing:
            raise ValidationError(
                _("%(where)s lacks the fields %(fields)s.")
                % {"where": where, "fields": ", ".join(missing)}
            )


def content_from_data(data: Any) -> TemplateContent:
    """A template's content from parsed JSON, checked strictly. Raises ValidationError
    with one message that names the first thing wrong."""
    if not isinstance(data, dict):
        raise ValidationError(_("The file must hold one JSON object."))
    if data.get("format") != FORMAT:
        raise ValidationError(
            _("This is not an Alliance template: “format” must be “%(format)s”.")
            % {"format": FORMAT}
        )
    version = data.get("version")
    if version != FORMAT_VERSION:
        raise ValidationError(
            _("This template file is of version %(version)s; this site reads version %(ours)d.")
            % {"version": version, "ours": FORMAT_VERSION}
        )
    read = _Reader(data)
    known = {
        "format",
        "version",
        "name",
        "kind",
        "purpose",
        "roles",
        "terms",
        "prompts",
        "hidden_prompts",
        "groundwork",
        "rhythm",
    }
    read.keys(_("The template"), data, {"format", "version", "name", "kind", "terms"}, known)
    roles = tuple(
        Role(
            read.text(f"roles[{i}].label", r["label"], ROLE_LIMIT, required=True),
            _boolean(f"roles[{i}].observer", r["observer"]),
        )
        for i, r in enumerate(
            read.items("roles", data.get("roles", []), MAX_ROLES, {"label", "observer"})
        )
    )
    terms = tuple(
        TemplateTerm(
            category=read.choice(f"terms[{i}].category", t["category"], Category.values),
            text=read.text(f"terms[{i}].text", t["text"], TERM_LIMIT, required=True),
        )
        for i, t in enumerate(read.items("terms", data["terms"], MAX_TERMS, {"category", "text"}))
    )
    prompts = tuple(
        TemplatePrompt(
            theme=read.choice(f"prompts[{i}].theme", p["theme"], list(THEME_LABELS)),
            category=read.choice(f"prompts[{i}].category", p["category"], Category.values),
            text=read.text(f"prompts[{i}].text", p["text"], PROMPT_LIMIT, required=True),
        )
        for i, p in enumerate(
            read.items(
                "prompts", data.get("prompts", []), MAX_PROMPTS, {"theme", "category", "text"}
            )
        )
    )
    hidden_where = "hidden_prompts"
    hidden = data.get(hidden_where, [])
    if not isinstance(hidden, list):
        raise ValidationError(_("%(where)s must be a list.") % {"where": hidden_where})
    hidden_prompts = tuple(
        read.choice(f"hidden_prompts[{i}]", key, list(PROMPTS_BY_KEY))
        for i, key in enumerate(hidden)
    )
    rhythm = read.text("rhythm", data.get("rhythm", ""), RULE_LIMIT)
    if rhythm and not rhythm_is_offered(rhythm):
        raise ValidationError(
            _("rhythm “%(rule)s” is not a rhythm this site can set (every few weeks, or monthly).")
            % {"rule": rhythm}
        )
    return TemplateContent(
        name=read.text("name", data["name"], NAME_LIMIT, required=True),
        kind=read.choice("kind", data["kind"], Kind.values),
        purpose=read.text("purpose", data.get("purpose", ""), PURPOSE_LIMIT),
        roles=roles,
        terms=terms,
        prompts=prompts,
        hidden_prompts=tuple(dict.fromkeys(hidden_prompts)),
        groundwork=read.text("groundwork", data.get("groundwork", ""), GROUNDWORK_LIMIT),
        rhythm=rhythm,
    )


def rhythm_is_offered(rule: str) -> bool:
    """Whether `rule` is one the rhythm form could have made, within its bounds: the only
    rules a template may bring into an alliance."""
    fields = rule_fields(rule)
    if fields.get("repeat") in (None, "none"):
        return False
    bounded = (
        1 <= int(fields.get("interval", 1)) <= 52  # type: ignore[call-overload]
        and 1 <= int(fields.get("monthday", 1)) <= 31  # type: ignore[call-overload]
        and fields.get("ordinal", 1) in ORDINALS
        and fields.get("weekday", "MO") in WEEKDAYS
    )
    return bounded and rule_build(**fields) == rule  # type: ignore[arg-type]


def _unencodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _boolean(where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(_("%(where)s must be true or false.") % {"where": where})
    return value
