"""Every word a person reads goes through Django's translation functions.

Two readers keep it so: one walks every template with Django's own template lexer and
an HTML parser, the other walks the package's Python with `ast`. Each names the file,
the line and the text it found, so a failure says what to wrap.
"""

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

PACKAGE = Path(__file__).resolve().parent.parent / "alliance"

# Text that is not prose, so there is nothing to translate; each with its reason.
NOT_PROSE = {
    "Alliance": "the product's name, the same in every language",
    "RRULE": "the name of the RFC 5545 property, shown as such",
    "UTC": "the international abbreviation of the time standard",
}

# Words: two letters or more in a row, in any script.
WORD = re.compile(r"[^\W\d_]{2,}")
# What stands in for a template tag, a variable or a translated block.
HOLE = "\x1a"

TRANSLATE_BLOCKS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans"}
SKIPPED_BLOCKS = {"comment": "endcomment", "verbatim": "endverbatim"}
# Attributes whose values a person reads or hears.
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "aria-description"}
# An <input> button shows its value as its caption.
BUTTON_INPUT_TYPES = {"submit", "button", "reset"}


def shown(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent) if path.is_relative_to(PACKAGE) else path)


def is_prose(text: str) -> bool:
    """Whether the text holds words a person would read, beyond the allowed ones."""
    return any(word not in NOT_PROSE for word in WORD.findall(text.replace(HOLE, " ")))


def untranslated_source(source: str) -> str:
    """The template's text with every tag, variable, comment and translated block
    replaced by HOLE, keeping the line breaks so positions still point at the file."""
    pieces: list[str] = []
    closing: str | None = None  # the tag that ends the block being skipped
    for token in Lexer(source).tokenize():
        if closing is not None:
            if token.token_type == TokenType.BLOCK and token.contents.split()[0] == closing:
                closing = None
            pieces.append("\n" * token.contents.count("\n") + HOLE)
            continue
        if token.token_type == TokenType.TEXT:
            pieces.append(token.contents)
            continue
        if token.token_type == TokenType.BLOCK:
            words = token.contents.split()
            name = words[0] if words else ""
            closing = TRANSLATE_BLOCKS.get(name) or SKIPPED_BLOCKS.get(name)
            if name == "block" and words[-1].endswith("_class"):
                closing = "endblock"  # a block of CSS class names, such as main_class
        pieces.append(HOLE)
    return "".join(pieces)


class ReadableText(HTMLParser):
    """Collects (line, text) of the data and read attributes outside translate tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.skip_depth = 0  # inside <style> or <script>, which nobody reads

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"style", "script"}:
            self.skip_depth += 1
        values = dict(attrs)
        read = set(READ_ATTRIBUTES)
        if tag == "input" and values.get("type") in BUTTON_INPUT_TYPES:
            read.add("value")  # a <button>'s value is sent, never shown
        for name, value in attrs:
            if name in read and value and is_prose(value):
                self.found.append((self.getpos()[0], f'{name}="{value}"'))

    def handle_endtag(self, tag: str) -> None:
        if tag in {"style", "script"} and self.skip_depth:
            self.skip_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip_depth and is_prose(data):
            self.found.append((self.getpos()[0], data))


def untranslated_in_template(path: Path) -> list[str]:
    """Each untranslated piece of text in one template, as `file:line: text`."""
    text = untranslated_source(path.read_text())
    found: list[tuple[int, str]]
    if path.suffix == ".html":
        parser = ReadableText()
        parser.feed(text)
        parser.close()
        found = parser.found
    else:  # plain text mail: every character is read as it stands
        found = [
            (number, line)
            for number, line in enumerate(text.splitlines(), start=1)
            if is_prose(line)
        ]
    name = shown(path)
    return [f"{name}:{line}: {' '.join(piece.replace(HOLE, '…').split())}" for line, piece in found]


def templates() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("templates/**/*") if p.suffix in {".html", ".txt"})


def test_every_template_is_read():
    names = {str(p.relative_to(PACKAGE)) for p in templates()}
    assert "templates/base.html" in names
    assert "templates/emails/invitation_subject.txt" in names
    assert len(names) > 100


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_template_text_is_translatable(path):
    assert untranslated_in_template(path) == []


# -- Python ---------------------------------------------------------------------------

GETTEXT = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}
UNICODE_ESCAPE = re.compile(r"\\[uUN]")
MESSAGE_LEVELS = {"debug", "info", "success", "warning", "error"}
FIELD_TEXTS = {"label", "help_text", "empty_label"}
CHOICE_BASES = {"TextChoices", "IntegerChoices", "Choices"}


def call_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def bare_text(node: ast.expr | None) -> str | None:
    """The untranslated prose this expression puts in front of a person, if any.

    A gettext call is translated; a name or attribute cannot be judged here (its
    value is checked where it is written); a literal, an f-string, or a literal
    formatted with `%` or `.format()` is bare."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if is_prose(node.value) else None
    if isinstance(node, ast.JoinedStr):
        text = "".join(
            part.value
            for part in node.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
        return text if is_prose(text) else None
    if isinstance(node, ast.BinOp):
        return bare_text(node.left) or bare_text(node.right)
    if isinstance(node, ast.IfExp):
        return bare_text(node.body) or bare_text(node.orelse)
    if isinstance(node, ast.Dict):
        return next(filter(None, (bare_text(v) for v in node.values)), None)
    if isinstance(node, ast.List | ast.Tuple):
        return next(filter(None, (bare_text(v) for v in node.elts)), None)
    if isinstance(node, ast.Call):
        name = call_name(node.func)
        if name in GETTEXT:
            return None
        if name == "format" and isinstance(node.func, ast.Attribute):
            return bare_text(node.func.value)
        # format_html, mark_safe, str, ...: what they wrap is what is read
        return bare_text(node.args[0]) if node.args else None
    return None


def choice_labels(node: ast.expr) -> list[ast.expr]:
    """The display texts of a literal list or tuple of (value, label) pairs."""
    if not isinstance(node, ast.List | ast.Tuple):
        return []
    return [
        pair.elts[1]
        for pair in node.elts
        if isinstance(pair, ast.Tuple | ast.List) and len(pair.elts) == 2
    ]


def untranslated_in_python(path: Path) -> list[str]:
    """Each bare text this module shows people, as `file:line: text`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []

    def report(node: ast.expr | None) -> None:
        text = bare_text(node)
        if text is not None and node is not None:
            found.append((node.lineno, text))

    source = path.read_text()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and call_name(node.func) in GETTEXT:
            # xgettext copies "\u201c" into the catalog as six characters, so a message
            # written with such escapes never finds its translation.
            for argument in node.args:
                written = ast.get_source_segment(source, argument) or ""
                if isinstance(argument, ast.Constant) and UNICODE_ESCAPE.search(written):
                    found.append((argument.lineno, f"write the characters, not escapes: {written}"))
        if isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in MESSAGE_LEVELS
                and call_name(func.value) == "messages"
            ):
                report(node.args[1] if len(node.args) > 1 else None)
                for keyword in node.keywords:
                    if keyword.arg == "message":
                        report(keyword.value)
            elif call_name(func) == "ValidationError":
                report(node.args[0] if node.args else None)
                for keyword in node.keywords:
                    if keyword.arg == "message":
                        report(keyword.value)
            for keyword in node.keywords:
                if keyword.arg in FIELD_TEXTS:
                    report(keyword.value)
                elif keyword.arg == "choices":
                    for label in choice_labels(keyword.value):
                        report(label)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if node.value is not None and any(n.endswith("CHOICES") for n in names):
                for label in choice_labels(node.value):
                    report(label)
        elif isinstance(node, ast.ClassDef) and {call_name(b) for b in node.bases} & CHOICE_BASES:
            for statement in node.body:
                if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Tuple):
                    report(statement.value.elts[-1])
    name = shown(path)
    return [f"{name}:{line}: {text}" for line, text in sorted(found)]


def modules() -> list[Path]:
    return sorted(
        p
        for p in PACKAGE.rglob("*.py")
        if "migrations" not in p.parts and "management" not in p.parts
    )


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_python_text_is_translatable(path):
    assert untranslated_in_python(path) == []


# -- the readers themselves ------------------------------------------------------------


def test_template_reader_finds_bare_text_and_spares_translated(tmp_path):
    page = tmp_path / "templates" / "page.html"
    page.parent.mkdir()
    page.write_text(
        "{% load i18n %}<h1>{% translate 'Your alliances' %}</h1>\n"
        "{# a note to ourselves #}<!-- and another -->\n"
        "<p>{% blocktranslate with name=user.name %}Hello {{ name }}{% endblocktranslate %}</p>\n"
        '<button title="Close the panel" value="x">—</button> · {{ user.name }}\n'
        "<p>Waiting for {{ name }}</p>\n"
        '<input type="submit" value="Save draft"><input type="text" value="kept as typed">\n'
    )
    found = [line.split(":", 1)[1] for line in untranslated_in_template(page)]
    assert found == [
        '4: title="Close the panel"',
        "5: Waiting for …",
        '6: value="Save draft"',
    ]


def test_python_reader_finds_bare_text_and_spares_translated(tmp_path):
    module = tmp_path / "views.py"
    module.write_text(
        "from django.utils.translation import gettext as _\n"
        "messages.success(request, _('Saved.'))\n"
        "messages.error(request, f'No version {n}.')\n"
        "raise ValidationError({'title': 'Give it a title.'})\n"
        "field = forms.CharField(label='Term', help_text=_('Be concrete.'))\n"
        "REPEAT_CHOICES = [('weeks', _('Every few weeks')), ('month', 'Monthly')]\n"
        "class Score(models.TextChoices):\n"
        "    GOOD = 'good', _('Working well')\n"
        "    POOR = 'poor', 'Needs tending'\n"
        "messages.info(request, url, extra_tags='invitation-link')\n"
        "label = _('No \\u201cI\\u201d')\n"
    )
    found = [line.split(":", 1)[1] for line in untranslated_in_python(module)]
    assert found == [
        "3: No version .",
        "4: Give it a title.",
        "5: Term",
        "6: Monthly",
        "9: Needs tending",
        "11: write the characters, not escapes: 'No \\u201cI\\u201d'",
    ]
