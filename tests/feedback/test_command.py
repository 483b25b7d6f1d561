"""`alliance coach`: the feedback coach on the command line."""

import io
import json

from django.core.management import call_command


def run(*args: str, stdin: str | None = None) -> str:
    out = io.StringIO()
    extra = {"stdin": io.StringIO(stdin)} if stdin is not None else {}
    call_command("coach", *args, stdout=out, **extra)
    return out.getvalue()


def test_prints_each_flag_with_its_words_and_suggestion():
    printed = run("You never listen to me.")
    assert 'blame: "You never listen"' in printed
    assert "I feel unheard when you don't listen to me" in printed
    assert 'absolute: "never"' in printed


def test_json_has_exactly_kind_words_and_suggestion_per_flag():
    data = json.loads(run("--json", "We always fight about money."))
    assert [flag["kind"] for flag in data["flags"]] == ["absolute", "no_first_person"]
    assert data["flags"][0]["words"] == ["always"]
    assert all(set(flag) == {"kind", "words", "suggestion"} for flag in data["flags"])
    assert list(data) == ["flags"]


def test_reads_standard_input_when_text_is_omitted_or_a_dash():
    assert json.loads(run("--json", stdin="You always interrupt me."))["flags"][0]["kind"] == (
        "blame"
    )
    assert 'blame: "You always interrupt"' in run("-", stdin="You always interrupt me.")


def test_says_so_when_there_is_nothing_to_point_out():
    assert "Nothing to point out" in run("I'd like us to meet on Tuesdays.")
    assert json.loads(run("--json", "")) == {"flags": []}
