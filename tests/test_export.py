"""The export: everything of an alliance the reader may see, and nothing more."""

import json

from alliance.conversations import services as conversations
from alliance.tending import services as tending
from tests.conftest import login
from tests.conversations.factories import first_prompt, plant, share
from tests.factories import propose, ratify_with


def test_the_export_holds_the_readers_view_and_never_anothers_draft(cast):
    propose(cast.coach_party, "We meet weekly.")
    version = ratify_with([cast.coach_party, cast.client_party])
    stake = plant(cast.coach_party)
    prompt = first_prompt(stake)
    share(cast.coach_party, stake, prompt, "Ana shared: calm sessions.")
    conversations.reflection_save(
        party=cast.client_party,
        stake_id=stake.pk,
        prompt_id=prompt.pk,
        text="Ben's private draft about his worries",
        revision=None,
    )
    cast.alliance.refresh_from_db()
    checkin = tending.checkin_start(party=cast.coach_party)
    term_id = version.snapshot["terms"][0]["id"]
    tending.checkin_answer(
        party=cast.client_party,
        checkin_id=checkin.pk,
        ratings={term_id: ("tending", "Too often for me")},
        reflection="Ben's unshared check-in thoughts",
    )

    ben = login(cast.client).get(f"/alliances/{cast.alliance.pk}/export.json")
    assert ben["Content-Disposition"].startswith("attachment;")
    ben_data = json.loads(ben.content)
    assert ben_data["versions"][0]["content_hash"] == version.content_hash
    assert "Ben's private draft about his worries" in ben.content.decode()
    assert "Ben's unshared check-in thoughts" in ben.content.decode()
    assert "Ana shared: calm sessions." not in ben.content.decode()  # not revealed yet

    ana = login(cast.coach).get(f"/alliances/{cast.alliance.pk}/export.json").content.decode()
    assert "Ana shared: calm sessions." in ana
    assert "private draft" not in ana
    assert "unshared check-in thoughts" not in ana
    assert "Too often for me" not in ana
    data = json.loads(ana)
    assert [p["name"] for p in data["parties"]] == ["Ana", "Ben"]
    assert data["draft"][0]["text"] == "We meet weekly."
    assert any(line["what"] == "ratified version" for line in data["history"])
