"""The conversation page's live poll answers 304 Not Modified while nothing it shows
changed, and the page works out common ground for the prompt it shows."""

from alliance.conversations import services
from tests.conftest import login
from tests.conversations.factories import plant, share
from tests.helpers import page_text


def poll_url(cast, stake, prompt) -> str:  # type: ignore[no-untyped-def]
    return f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/board/?prompt={prompt.pk}"


def test_the_poll_is_not_modified_until_something_it_shows_changes(cast):
    stake = plant(cast.coach_party)
    prompt = cast.alliance.prompts.order_by("position").first()
    ana = login(cast.coach)
    url = poll_url(cast, stake, prompt)
    first = ana.get(url)
    assert first.status_code == 200
    assert "no-cache" in first.headers["Cache-Control"]
    assert "private" in first.headers["Cache-Control"]
    etag = first.headers["ETag"]

    again = ana.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    # Nothing to send but the answer: the poll holds no form, so no CSRF cookie either.
    assert not again.cookies

    # Ben's private draft is nobody's business: the poll does not even change.
    services.reflection_save(
        party=cast.client_party,
        stake_id=stake.pk,
        prompt_id=prompt.pk,
        text="Only mine for now.",
        revision=1,
    )
    assert ana.get(url, headers={"If-None-Match": etag}).status_code == 304

    share(cast.client_party, stake, prompt, "I want calm sessions.")
    changed = ana.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert "Ben: shared" in page_text(changed)


def test_an_outsider_holding_an_etag_still_finds_nothing(cast):
    stake = plant(cast.coach_party)
    prompt = cast.alliance.prompts.order_by("position").first()
    url = poll_url(cast, stake, prompt)
    etag = login(cast.coach).get(url).headers["ETag"]
    assert login(cast.outsider).get(url, headers={"If-None-Match": etag}).status_code == 404


def test_common_ground_is_found_for_the_prompt_shown_only(cast):
    stake = plant(cast.coach_party)
    first, second = list(cast.alliance.prompts.order_by("position")[:2])
    share(cast.coach_party, stake, first, "I hope for calm and honest sessions.")
    share(cast.client_party, stake, first, "Calm sessions matter to me.")
    share(cast.coach_party, stake, second, "Weekly rhythm with clear feedback.")
    share(cast.client_party, stake, second, "Feedback every week, please.")
    ana = login(cast.coach)
    base = f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/"

    on_first = ana.get(base, {"prompt": first.pk}).content.decode()
    assert "<mark>calm</mark>" in on_first
    assert "<mark>feedback</mark>" not in on_first.lower()
    ground = page_text(ana.get(base, {"prompt": first.pk})).split("Common ground on this prompt")
    assert "calm" in ground[1].lower()
    assert "feedback" not in ground[1].lower()
    on_second = ana.get(base, {"prompt": second.pk}).content.decode()
    assert "<mark>feedback</mark>" in on_second.lower()
    assert "<mark>calm</mark>" not in on_second.lower()
