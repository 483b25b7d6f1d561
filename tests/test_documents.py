"""Markdown and PDF records of an alliance and of a version: what they show, that they
verify untouched and fail where they were changed, and who may download them."""

import importlib.abc
import io
import json
import sys
from pathlib import Path

import pypdfium2
import pytest
from django.core.checks import run_checks
from markdown_it import MarkdownIt
from pypdf import PdfReader, PdfWriter

from alliance.alliances import services as alliance_services
from alliance.alliances.models import ObserverGrant
from alliance.alliances.services import observer_allowance_set
from alliance.record import chain, documents
from alliance.record.documents import verify_markdown, verify_pdf
from alliance.terms.models import Category
from tests.conftest import login
from tests.factories import join, make_user, propose, ratify_with

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def signed(cast):
    """Two ratified versions: terms in three categories, one with a note; then a change."""
    propose(cast.coach_party, "We meet every second Tuesday at 9:00.")
    propose(
        cast.coach_party, "Feedback is given within a week, in writing.", Category.COMMUNICATION
    )
    propose(
        cast.client_party,
        "Cancel 24 hours ahead; a late cancellation counts as a session.",
        Category.TIME,
        note="Illness excepted.",
    )
    first = ratify_with([cast.coach_party, cast.client_party])
    propose(cast.client_party, "Either of us may ask for a pause in the rhythm.", Category.RHYTHM)
    second = ratify_with([cast.coach_party, cast.client_party])
    cast.alliance.refresh_from_db()
    return cast, first, second


def _text_of(markdown: str) -> str:
    """What a Markdown reader shows: the parsed inline text of every block."""
    blocks = []
    for token in MarkdownIt().parse(markdown):
        if token.type == "inline":
            blocks.append(
                "".join(
                    "\n" if child.type in ("softbreak", "hardbreak") else child.content
                    for child in token.children or []
                )
            )
    return "\n".join(blocks)


def _headings(markdown: str) -> list[str]:
    tokens = MarkdownIt().parse(markdown)
    return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]


def test_the_markdown_of_a_version_shows_every_term_signature_and_hash(signed):
    cast, _, second = signed
    response = login(cast.client).get(f"/alliances/{cast.alliance.pk}/versions/2/export.md")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="alliance-{cast.alliance.pk}-version-2.md"'
    )
    text = response.content.decode()
    shown = _text_of(text)
    for term in second.snapshot["terms"]:
        assert term["text"] in shown
    assert "Illness excepted." in shown
    headings = _headings(text)
    assert headings[0] == "Coaching: Ana and Ben, version 2"
    for label in ("Rhythm and touch points", "Communication", "Time and commitment"):
        assert label in headings
    assert "Ana, coach: agreed" in shown
    assert "Ben, client: agreed" in shown
    assert second.content_hash in shown
    assert second.previous_hash in shown
    assert verify_markdown(text).intact


def test_the_markdown_of_the_alliance_shows_the_version_in_force_and_the_chain(signed):
    cast, first, second = signed
    text = login(cast.coach).get(f"/alliances/{cast.alliance.pk}/export.md").content.decode()
    shown = _text_of(text)
    assert "In force: version 2" in _headings(text)
    for term in second.snapshot["terms"]:
        assert term["text"] in shown
    assert first.content_hash in shown
    assert second.content_hash in shown
    report = verify_markdown(text)
    assert report.intact, report.problems
    assert {f.where for f in report.findings} >= {"version 1", "version 2", "text"}
    embedded = json.loads(text.split("```json\n")[1].split("\n```")[0])
    assert [v["number"] for v in embedded["versions"]] == [1, 2]


def test_markdown_escapes_what_would_change_the_reading(cast):
    awkward = "# Not a heading *nor* `code` [link](x) & <b>1. Numbered</b>"
    propose(cast.coach_party, awkward)
    propose(cast.coach_party, "- starts like a list\n2. and another line")
    ratify_with([cast.coach_party, cast.client_party])
    text = login(cast.coach).get(f"/alliances/{cast.alliance.pk}/versions/1/export.md")
    shown = _text_of(text.content.decode())
    assert awkward in shown
    assert "- starts like a list\n2. and another line" in shown
    assert verify_markdown(text.content.decode()).intact


def _markdown(cast, number: int = 2) -> str:
    url = f"/alliances/{cast.alliance.pk}/versions/{number}/export.md"
    return login(cast.coach).get(url).content.decode()


def _problems(report) -> list[str]:
    return [f.where for f in report.problems]


def test_a_changed_term_in_the_text_is_found_at_its_line(signed):
    cast, *_ = signed
    text = _markdown(cast)
    lines = text.splitlines()
    number = next(i for i, line in enumerate(lines, 1) if "every second Tuesday" in line)
    tampered = text.replace("every second Tuesday", "every second Thursday", 1)
    report = verify_markdown(tampered)
    assert not report.intact
    assert _problems(report) == [f"line {number}"]


def test_a_changed_term_in_the_embedded_data_breaks_its_hash(signed):
    cast, *_ = signed
    text = _markdown(cast)
    head, data = text.split("```json\n")
    tampered = head + "```json\n" + data.replace("every second Tuesday", "every Tuesday", 1)
    report = verify_markdown(tampered)
    assert "version 2" in _problems(report)
    # The text above no longer says what the data says either.
    assert any(where.startswith("line ") for where in _problems(report))


def test_a_changed_hash_is_found(signed):
    cast, _, second = signed
    text = _markdown(cast)
    changed = second.content_hash[:-1] + ("0" if second.content_hash[-1] != "0" else "1")
    body, data = text.split("```json\n")
    in_body = verify_markdown(body.replace(second.content_hash, changed) + "```json\n" + data)
    assert _problems(in_body)[0].startswith("line ")
    in_data = verify_markdown(body + "```json\n" + data.replace(second.content_hash, changed))
    assert "version 2" in _problems(in_data)


def test_a_changed_name_fails_its_commitment(signed):
    cast, *_ = signed
    text = _markdown(cast)
    body, data = text.split("```json\n")
    report = verify_markdown(body + "```json\n" + data.replace('"name": "Ben"', '"name": "Bob"'))
    assert any(f.where == "version 2" and "Bob" in f.detail and not f.ok for f in report.findings)


def test_a_broken_chain_in_the_alliance_record_is_found(signed):
    cast, _first, _ = signed
    text = login(cast.coach).get(f"/alliances/{cast.alliance.pk}/export.md").content.decode()
    _body, data = text.split("```json\n")
    document = json.loads(data.split("\n```")[0])
    document["versions"][1]["previous_hash"] = "0" * 64
    report = verify_markdown(documents.markdown(document))
    assert "version 2" in _problems(report)


def test_a_file_without_its_data_or_with_broken_data_is_reported(signed):
    cast, *_ = signed
    text = _markdown(cast)
    assert _problems(verify_markdown(text.split("```json")[0])) == ["file"]
    broken = verify_markdown(text.replace('"scheme": 2', '"scheme": 2,,', 1))
    assert not broken.intact
    assert broken.problems[0].where.startswith("lines ")


def _pdf(cast, url_tail: str = "versions/2/export.pdf", user=None) -> bytes:
    response = login(user or cast.coach).get(f"/alliances/{cast.alliance.pk}/{url_tail}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _squeezed(text: str) -> str:
    return "".join(text.split())


def test_the_pdf_of_a_version_shows_every_term_and_signature_and_verifies(signed):
    cast, _, second = signed
    data = _pdf(cast)
    text = _squeezed(_pdf_text(data))
    for term in second.readable["terms"]:
        assert _squeezed(term["text"]) in text
    for signature in second.readable["signatures"]:
        assert _squeezed(signature["name"]) in text
    assert second.content_hash in text
    assert second.previous_hash in text
    assert "SIGNATURES" in _pdf_text(data)  # a heading, set in capitals
    assert "1/" in text  # page numbers
    reader = PdfReader(io.BytesIO(data))
    attached = json.loads(reader.attachments[documents.ATTACHMENT_NAME][0])
    assert attached["content_hash"] == second.content_hash
    assert json.loads(reader.metadata[documents.METADATA_KEY]) == attached
    report = verify_pdf(data)
    assert report.intact, report.problems


def test_the_pdf_of_the_alliance_verifies(signed):
    cast, *_ = signed
    report = verify_pdf(_pdf(cast, "export.pdf"))
    assert report.intact, report.problems


def _with_attachment(data: bytes, content: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer._root_object["/Names"].pop("/EmbeddedFiles")  # replaced below
    writer.add_attachment(documents.ATTACHMENT_NAME, content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_with_changed_data_or_text_fails(signed):
    cast, _, _second = signed
    data = _pdf(cast)
    attached = PdfReader(io.BytesIO(data)).attachments[documents.ATTACHMENT_NAME][0]
    changed = attached.replace(b"every second Tuesday", b"every Tuesday")
    report = verify_pdf(_with_attachment(data, changed))
    assert "version 2" in _problems(report)
    # Pages that say something else than the attached data: made by our own renderer.
    document = json.loads(attached)
    document["snapshot"]["terms"][0]["text"] = "We meet when Ana says so."
    other_pages = documents.pdf(document)
    report = verify_pdf(_with_attachment(other_pages, attached))
    assert not report.intact
    # Its pages, and the copy of the data in its document information, say otherwise.
    assert _problems(report) == ["file", "metadata", "page 1"]


def test_a_damaged_or_truncated_pdf_is_reported_not_raised(signed):
    cast, *_ = signed
    data = _pdf(cast)
    truncated = verify_pdf(data[: len(data) // 2])
    assert not truncated.intact
    assert _problems(truncated) == ["file", "file"]  # no digest line; not readable
    # One byte changed inside the attached data's (compressed) stream.
    names = PdfReader(io.BytesIO(data)).trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]
    stream = names[1].get_object()["/EF"]["/F"].get_object()._data
    at = data.index(stream) + len(stream) // 2
    flipped = data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]
    problems = _problems(verify_pdf(flipped))
    assert problems[0] == "file"
    assert any(where.startswith("object ") for where in problems), problems
    assert _problems(verify_pdf(b"not a pdf at all")) == ["file", "file"]


def test_any_changed_byte_of_a_pdf_is_found(signed):
    """Wherever one byte changes (text, fonts, structure, the digest line itself), the
    PDF no longer verifies."""
    cast, *_ = signed
    data = _pdf(cast)
    assert verify_pdf(data).intact
    for at in range(0, len(data), max(1, len(data) // 97)):
        flipped = data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]
        assert not verify_pdf(flipped).intact, f"byte {at} of {len(data)}"


def test_a_sample_pdf_and_its_first_page_are_kept_as_artifacts(signed):
    cast, *_ = signed
    data = _pdf(cast)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "sample-version.pdf").write_bytes(data)
    page = pypdfium2.PdfDocument(data)[0]
    image = page.render(scale=2).to_pil()
    image.save(ARTIFACTS / "sample-version-page1.png")
    assert image.size[0] > 1000
    # The page is not blank: it holds dark ink (text) on the white paper.
    assert image.convert("L").getextrema()[0] < 60


VERSION_EXPORTS = ("export.md", "export.pdf", "print/")
ALLIANCE_EXPORTS = ("export.md", "export.pdf", "print/")


def _status(user, alliance, tail: str) -> int:
    return login(user).get(f"/alliances/{alliance.pk}/{tail}").status_code


def test_outsiders_get_404_for_every_record(signed):
    cast, *_ = signed
    for tail in ALLIANCE_EXPORTS:
        assert _status(cast.outsider, cast.alliance, tail) == 404
    for tail in VERSION_EXPORTS:
        assert _status(cast.outsider, cast.alliance, f"versions/1/{tail}") == 404


def test_observers_read_a_versions_record_only_once_every_party_allows_it(signed):
    cast, *_ = signed
    sam = make_user("Sam", "sam@example.org")
    join(cast.alliance, sam, role="sponsor", as_observer=True)
    for tail in VERSION_EXPORTS:
        assert _status(sam, cast.alliance, f"versions/2/{tail}") == 404
    observer_allowance_set(party=cast.coach_party, grant=ObserverGrant.VERSIONS, agreed=True)
    assert _status(sam, cast.alliance, "versions/2/export.md") == 404  # Ben has not agreed
    observer_allowance_set(party=cast.client_party, grant=ObserverGrant.VERSIONS, agreed=True)
    for tail in VERSION_EXPORTS:
        assert _status(sam, cast.alliance, f"versions/2/{tail}") == 200
    # The alliance's record holds more than its versions: parties only.
    for tail in ALLIANCE_EXPORTS:
        assert _status(sam, cast.alliance, tail) == 404


def test_someone_who_left_keeps_the_records_of_the_versions_they_signed_only(cast):
    carla = make_user("Carla", "carla@example.org")
    carla_party = join(cast.alliance, carla, role="mentor")
    propose(cast.coach_party, "We meet monthly.")
    ratify_with([cast.coach_party, cast.client_party, carla_party])
    alliance_services.party_leave(party=carla_party)
    propose(cast.coach_party, "We meet weekly.")
    ratify_with([cast.coach_party, cast.client_party])
    for tail in VERSION_EXPORTS:
        assert _status(carla, cast.alliance, f"versions/1/{tail}") == 200
        assert _status(carla, cast.alliance, f"versions/2/{tail}") == 404
    for tail in ALLIANCE_EXPORTS:
        assert _status(carla, cast.alliance, tail) == 404
    signed_by_her = login(carla).get(f"/alliances/{cast.alliance.pk}/versions/1/export.md")
    assert "Carla" in _text_of(signed_by_her.content.decode())
    assert verify_markdown(signed_by_her.content.decode()).intact


def test_the_version_page_links_its_records_and_prints_without_controls(signed):
    cast, *_ = signed
    page = login(cast.client).get(f"/alliances/{cast.alliance.pk}/versions/2/")
    html = page.content.decode()
    base = f"/alliances/{cast.alliance.pk}/versions/2/"
    for tail in VERSION_EXPORTS:
        assert f'href="{base}{tail}"' in html
    alliance_page = login(cast.client).get(f"/alliances/{cast.alliance.pk}/").content.decode()
    assert f'href="/alliances/{cast.alliance.pk}/export.md"' in alliance_page
    assert f'href="/alliances/{cast.alliance.pk}/export.pdf"' in alliance_page


def test_the_print_view_reads_like_the_pdf(signed):
    cast, _, second = signed
    page = login(cast.coach).get(f"/alliances/{cast.alliance.pk}/versions/2/print/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "record/document" in html  # its own stylesheet, no inline style
    for term in second.snapshot["terms"]:
        assert term["text"] in html
    assert second.content_hash in html
    assert "<form" not in html


class _PangoMissing(importlib.abc.MetaPathFinder):
    """What importing WeasyPrint does on a machine without Pango: cffi cannot open the
    library and the import fails with OSError."""

    def find_spec(self, name, path, target=None):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise OSError("cannot load library 'libpango-1.0-0'")
        return None


@pytest.fixture
def without_pango(monkeypatch):
    for name in [n for n in sys.modules if n == "weasyprint" or n.startswith("weasyprint.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [_PangoMissing(), *sys.meta_path])
    documents.pdf_available.cache_clear()
    yield
    documents.pdf_available.cache_clear()


def test_without_pango_the_check_warns_and_the_pages_offer_the_print_view(signed, without_pango):
    cast, _, second = signed
    assert "alliance.W003" in {m.id for m in run_checks()}
    base = f"/alliances/{cast.alliance.pk}"
    version_page = login(cast.coach).get(f"{base}/versions/2/").content.decode()
    assert f'href="{base}/versions/2/export.pdf"' not in version_page
    assert f'href="{base}/versions/2/print/"' in version_page
    alliance_page = login(cast.coach).get(f"{base}/").content.decode()
    assert f'href="{base}/export.pdf"' not in alliance_page
    assert f'href="{base}/print/"' in alliance_page
    # A PDF link kept from before answers with the print view, not an error.
    response = login(cast.coach).get(f"{base}/versions/2/export.pdf")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert second.content_hash in response.content.decode()


def test_with_pango_there_is_no_warning(db):
    documents.pdf_available.cache_clear()
    assert "alliance.W003" not in {m.id for m in run_checks()}


def _sealed_version(number: int, previous_hash: str, names_inside: bool) -> dict:
    """A version as a record file carries it, sealed here with the chain's own functions
    (no database: pytest-django refuses any query in the tests below)."""
    salt = "5a1t"
    signature = {"party_id": 7, "role": "coach", "agreed_at": "2025-03-01T09:30:00+00:00"}
    if names_inside:
        signature["name"] = "Ana"
    else:
        signature["name_commitment"] = chain.name_commitment(salt, "Ana")
    snapshot = {
        "scheme": 1 if names_inside else 2,
        "alliance": {"id": 3, "title": "Old coaching", "kind": "coaching"},
        "number": number,
        "terms": [
            {
                "id": 1,
                "category": "rhythm",
                "text": "We meet monthly.",
                "note": "",
                "agreements": [{"party_id": 7, "at": "2025-03-01T09:30:00+00:00"}],
            }
        ],
        "signatures": [signature],
    }
    if names_inside:
        snapshot["terms"][0]["agreements"][0]["name"] = "Ana"
    return {
        "format": documents.VERSION_FORMAT,
        "language": "en",
        "scheme": snapshot["scheme"],
        "number": number,
        "snapshot": snapshot,
        "previous_hash": previous_hash,
        "content_hash": chain.seal(previous_hash, snapshot),
        "names": {} if names_inside else {"7": {"name": "Ana", "salt": salt}},
    }


def test_a_version_sealed_with_names_inside_verifies_without_a_database():
    document = _sealed_version(1, "", names_inside=True)
    text = documents.markdown(document)
    assert "**Ana**, coach: agreed 2025-03-01 09:30 UTC" in text
    report = verify_markdown(text)
    assert report.intact, report.problems
    assert any("recomputed the hash of version" in f.detail for f in report.findings)


def test_an_erased_signer_shown_by_a_pseudonym_still_verifies():
    document = _sealed_version(1, "", names_inside=False)
    # As erasing stores it: marked erased, no salt kept.
    document["names"]["7"] = {"name": "Former party 4", "erased": True}
    text = documents.markdown(document)
    assert "Former party 4" in _text_of(text)
    assert "Ana" not in text
    report = verify_markdown(text)
    assert report.intact, report.problems
    assert any("1 name erased" in f.detail for f in report.findings)


def test_a_pdf_verifies_without_a_database():
    document = _sealed_version(2, "ab" * 32, names_inside=False)
    report = verify_pdf(documents.pdf(document))
    assert report.intact, report.problems


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.update(versions="not a list"),
        lambda d: d["versions"][0].update(number="two"),
        lambda d: d["versions"][0]["snapshot"].update(terms=[42]),
        lambda d: d["versions"][0]["snapshot"]["signatures"][0].pop("party_id"),
        lambda d: d.update(parties=None),
        lambda d: d["alliance"].pop("title"),
    ],
)
def test_embedded_data_missing_its_parts_is_reported_not_raised(damage):
    version = _sealed_version(1, "", names_inside=False)
    document = {
        "format": documents.ALLIANCE_FORMAT,
        "language": "en",
        "alliance": {"title": "Old coaching", "kind": "coaching", "purpose": ""},
        "parties": [{"name": "Ana", "role": "coach"}],
        "versions": [{k: v for k, v in version.items() if k not in ("format", "language")}],
    }
    assert verify_markdown(documents.markdown(document)).intact
    damaged = json.loads(json.dumps(document))
    damage(damaged)
    data = json.dumps(damaged, indent=2)
    report = verify_markdown(f"# Old coaching\n\n```json\n{data}\n```\n")
    assert not report.intact
    assert report.problems[0].where.startswith(("lines ", "version ", "line "))


def test_a_pdf_whose_metadata_says_otherwise_fails(signed):
    cast, *_ = signed
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf(cast))))
    writer.add_metadata({documents.METADATA_KEY: '{"format": "alliance-version/1"}'})
    out = io.BytesIO()
    writer.write(out)
    assert _problems(verify_pdf(out.getvalue())) == ["file", "metadata"]
