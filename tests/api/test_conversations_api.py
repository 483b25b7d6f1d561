"""Conversations through the API: stakes and their times, groundwork, prompts, reflections
and their reveal, common ground and the feedback coach, under the rules of the pages."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.alliances import services as alliance_services
from alliance.alliances.models import Event
from alliance.conversations import services
from alliance.conversations.models import AlliancePrompt, Reflection, Stake, StakeState
from tests.api.client import ApiClient
from tests.conversations.factories import first_prompt, plant, share, soon
from tests.factories import close_with, join, make_alliance, make_user, party_of

pytestmark = pytest.mark.django_db

SECRET = "my-unshared-zebra-marker"
API = "/api/v1/alliances"


def iso(moment) -> str:
    return moment.isoformat()


def conversation_url(stake: Stake) -> str:
    return f"{API}/{stake.alliance_id}/conversations/{stake.pk}"


def prompt_url(stake: Stake, prompt: AlliancePrompt) -> str:
    return f"{conversation_url(stake)}/prompts/{prompt.pk}"


def reads_of(stake: Stake, prompt: AlliancePrompt) -> list[str]:
    """Every address of this module that reads something about the conversation."""
    base = f"{API}/{stake.alliance_id}"
    return [
        f"{base}/conversations",
        conversation_url(stake),
        f"{conversation_url(stake)}/groundwork",
        f"{base}/prompts",
        f"{base}/prompts/{prompt.pk}",
        f"{prompt_url(stake, prompt)}/reflection",
        f"{prompt_url(stake, prompt)}/reflections",
        f"{prompt_url(stake, prompt)}/common-ground",
    ]


@pytest.fixture
def sam(cast):
    """An observer of the cast's alliance."""
    observer = make_user("Sam", "sam@example.org")
    join(cast.alliance, observer, role="sponsor", as_observer=True)
    return observer


# Stakes ---------------------------------------------------------------------------------


def test_planting_a_stake_offers_times_tells_the_other_and_lists_it(cast):
    ana = ApiClient(cast.coach)
    mail.outbox.clear()
    planted = ana.post(
        f"{API}/{cast.alliance.pk}/conversations",
        {
            "kind": "design",
            "times": [iso(soon(3)), iso(soon(4))],
            "duration_minutes": 90,
            "location": "https://meet.example.org/ana-ben",
        },
    )
    assert planted.status_code == 201
    body = planted.json()
    assert body["state"] == "proposed"
    assert body["proposed_by"]["name"] == "Ana"
    assert body["groundwork"]  # the opening suited to a coaching alliance
    assert [t["mine"] for t in body["times"]] == [True, True]
    assert [a["works"] for a in body["times"][0]["answers"]] == [True, None]
    assert "Ana proposes a design conversation" in mail.outbox[-1].subject
    assert mail.outbox[-1].to == ["ben@example.org"]
    assert Event.objects.filter(alliance=cast.alliance, kind="stake_planted").count() == 1

    listed = ApiClient(cast.client).get(f"{API}/{cast.alliance.pk}/conversations").json()
    assert [(s["id"], s["times_offered"]) for s in listed["items"]] == [(body["id"], 2)]
    detail = ApiClient(cast.client).get(body["url"]).json()
    assert [t["mine"] for t in detail["times"]] == [None, None]
    assert detail["may_schedule"] is False


def test_with_two_parties_a_time_both_tick_is_scheduled_and_both_get_the_invitation(cast):
    stake = plant(cast.coach_party, [soon(3), soon(4)])
    second = stake.candidates.order_by("starts_at")[1]
    mail.outbox.clear()
    answered = ApiClient(cast.client).put(
        f"{conversation_url(stake)}/times", {"works": [second.pk]}
    )
    assert answered.status_code == 200
    body = answered.json()
    assert body["state"] == "scheduled"
    assert body["starts_at"].startswith(second.starts_at.date().isoformat())
    invited = {to for m in mail.outbox for to in m.to if m.attachments}
    assert invited == {"ana@example.org", "ben@example.org"}


def test_with_three_the_proposer_schedules_then_moves_and_calls_it_off(cast):
    cleo = make_user("Cleo", "cleo@example.org")
    join(cast.alliance, cleo)
    stake = plant(cast.coach_party, [soon(3), soon(4)])
    first = stake.candidates.order_by("starts_at")[0]
    for user in (cast.client, cleo):
        ApiClient(user).put(f"{conversation_url(stake)}/times", {"works": [first.pk]})
    ben = ApiClient(cast.client)
    refused = ben.post(f"{conversation_url(stake)}/schedule", {"time_id": first.pk})
    assert refused.status_code == 422
    assert "Ana proposed this" in refused.json()["detail"]
    ana = ApiClient(cast.coach)
    detail = ana.get(conversation_url(stake)).json()
    assert detail["may_schedule"] is True
    assert [t["suits_everyone"] for t in detail["times"]] == [True, False]
    scheduled = ana.post(f"{conversation_url(stake)}/schedule", {"time_id": first.pk})
    assert scheduled.json()["state"] == "scheduled"

    mail.outbox.clear()
    moved = ben.post(f"{conversation_url(stake)}/reschedule", {"starts_at": iso(soon(6, 14))})
    assert moved.json()["starts_at"].startswith(soon(6, 14).date().isoformat())
    assert any("Moved" in m.subject for m in mail.outbox)

    mail.outbox.clear()
    cancelled = ben.post(f"{conversation_url(stake)}/cancel")
    assert cancelled.json()["state"] == "cancelled"
    methods = {m.attachments[0][2] for m in mail.outbox if m.attachments}
    assert methods == {"text/calendar; method=CANCEL"}
    assert ben.post(f"{conversation_url(stake)}/cancel").json()["state"] == "cancelled"


def test_proposing_other_times_declines_the_offered_ones_and_asks_the_others(cast):
    stake = plant(cast.coach_party, [soon(3)])
    mail.outbox.clear()
    countered = ApiClient(cast.client).post(
        f"{conversation_url(stake)}/other-times", {"times": [iso(soon(5)), iso(soon(6))]}
    )
    assert countered.status_code == 200
    times = countered.json()["times"]
    assert [t["mine"] for t in times] == [False, True, True]
    assert [t["offered_by"]["name"] if t["offered_by"] else None for t in times] == [
        None,
        "Ben",
        "Ben",
    ]
    assert mail.outbox[-1].to == ["ana@example.org"]


def test_bad_times_are_422s_naming_the_field_and_change_nothing(cast):
    ana = ApiClient(cast.coach)
    url = f"{API}/{cast.alliance.pk}/conversations"
    cases = [
        ({"times": ["2030-01-01T10:00:00"]}, "times.0"),  # no offset: whose 10 o'clock?
        ({"times": [iso(soon(-2))]}, "times"),  # past
        ({"times": [iso(soon(3 + n)) for n in range(6)]}, "times"),
        ({"times": ["0001-01-01T00:00:00+14:00"]}, "times.0"),
        ({"times": [iso(soon(3))], "duration_minutes": 5}, "duration_minutes"),
        ({"times": [iso(soon(3))], "kind": "party"}, "kind"),
        ({"times": [iso(soon(3))], "location": "x" * 301}, "location"),
    ]
    for body, field in cases:
        refused = ana.post(url, body)
        assert refused.status_code == 422, body
        assert field in [e["field"] for e in refused.json()["errors"]], (body, refused.json())
    assert not Stake.objects.exists()

    stake = plant(cast.coach_party)
    other = plant(cast.coach_party)
    foreign_time = other.candidates.first()
    wrong = ApiClient(cast.client).put(
        f"{conversation_url(stake)}/times", {"works": [foreign_time.pk]}
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "works"
    assert not stake.candidates.filter(answers__party=cast.client_party).exists()


# Groundwork -------------------------------------------------------------------------------


def test_groundwork_is_rewritten_with_its_revision_and_a_stale_one_loses_nothing(cast):
    stake = plant(cast.coach_party)
    url = f"{conversation_url(stake)}/groundwork"
    ana, ben = ApiClient(cast.coach), ApiClient(cast.client)
    read = ben.get(url).json()
    assert read["revision"] == 1
    saved = ana.put(url, {"groundwork": "I care about us working well.", "revision": 1})
    assert saved.json() == {**saved.json(), "revision": 2}
    late = ben.put(url, {"groundwork": "I want us to be honest.", "revision": 1})
    assert late.status_code == 409
    assert late.json()["current"] == {"groundwork": "I care about us working well.", "revision": 2}
    assert late.json()["sent"] == {"groundwork": "I want us to be honest."}
    assert ben.get(url).json()["groundwork"] == "I care about us working well."
    blank = ben.put(url, {"groundwork": "   ", "revision": 2})
    assert blank.status_code == 422
    assert blank.json()["errors"][0]["field"] == "groundwork"


# Prompts ---------------------------------------------------------------------------------


def test_prompts_are_listed_added_hidden_and_moved_as_on_the_prompts_page(cast):
    ana = ApiClient(cast.coach)
    url = f"{API}/{cast.alliance.pk}/prompts"
    builtins = ana.get(url).json()
    assert builtins
    assert all(p["builtin"] and not p["hidden"] for p in builtins)
    added = ana.post(
        url, {"theme": "values", "text": "  What do we  protect? ", "category": "values"}
    )
    assert added.status_code == 201
    prompt = added.json()
    assert prompt["text"] == "What do we protect?"
    assert Event.objects.filter(alliance=cast.alliance, kind="prompt_added").exists()
    listed = [p["id"] for p in ana.get(url).json()]
    assert prompt["id"] in listed

    hidden = ana.patch(prompt["url"], {"hidden": True})
    assert hidden.json()["hidden"] is True
    before = listed.index(prompt["id"])
    ana.patch(prompt["url"], {"move": "up"})
    after = [p["id"] for p in ana.get(url).json()].index(prompt["id"])
    assert after == before - 1

    for body, field in [
        ({"theme": "nonsense", "text": "Why?"}, "theme"),
        ({"theme": "values", "text": "   "}, "text"),
        ({"theme": "values", "text": "x" * 501}, "text"),
        ({"theme": "values", "text": "Why?", "category": "none"}, "category"),
    ]:
        refused = ana.post(url, body)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == field
    assert ana.patch(prompt["url"], {"move": "sideways"}).status_code == 422


def test_a_prompt_of_another_alliance_is_404_like_none(cast):
    other = make_alliance(cast.outsider)
    theirs = services.prompt_add(party=party_of(other, cast.outsider), theme="feel", text="Hm?")
    ana = ApiClient(cast.coach)
    seen = ana.get(f"{API}/{cast.alliance.pk}/prompts/{theirs.pk}")
    nothing = ana.get(f"{API}/{cast.alliance.pk}/prompts/999999")
    assert seen.status_code == nothing.status_code == 404
    assert seen.json() == nothing.json()
    assert (
        ana.patch(f"{API}/{cast.alliance.pk}/prompts/{theirs.pk}", {"hidden": True}).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.hidden is False


# Reflections ------------------------------------------------------------------------------


def test_a_draft_reaches_nobody_else_over_any_endpoint_until_shared_and_revealed(cast, sam):
    stake = plant(cast.coach_party)
    prompt = first_prompt(stake)
    ana, ben = ApiClient(cast.coach), ApiClient(cast.client)
    others = {
        "client": ben,
        "observer": ApiClient(sam),
        "outsider": ApiClient(cast.outsider),
    }
    draft = ana.put(
        f"{prompt_url(stake, prompt)}/reflection", {"text": f"I hope for {SECRET}.", "revision": 1}
    )
    assert draft.status_code == 200
    assert draft.json()["state"] == "draft"
    assert SECRET in ana.get(f"{prompt_url(stake, prompt)}/reflection").json()["text"]

    def nobody_else_reads_it() -> None:
        for persona, client in others.items():
            for url in reads_of(stake, prompt):
                response = client.get(url)
                assert SECRET not in response.content.decode(), (persona, url)
                if persona != "client":
                    assert response.status_code == 404, (persona, url)

    nobody_else_reads_it()
    answers = ben.get(f"{prompt_url(stake, prompt)}/reflections").json()["answers"]
    assert [(a["party"]["name"], a["state"], a["text"]) for a in answers] == [
        ("Ana", "none", None),  # a draft is not even said to exist
        ("Ben", "none", None),
    ]
    # Shared, not yet revealed: Ben learns that Ana answered, not what.
    shared = ana.post(
        f"{prompt_url(stake, prompt)}/reflection/share",
        {"text": f"I hope for {SECRET}, and calm.", "revision": draft.json()["revision"]},
    )
    assert shared.json()["state"] == "shared"
    assert shared.json()["revealed"] is False
    nobody_else_reads_it()
    answers = ben.get(f"{prompt_url(stake, prompt)}/reflections").json()["answers"]
    assert [(a["state"], a["text"]) for a in answers] == [("shared", None), ("none", None)]
    assert ben.get(f"{prompt_url(stake, prompt)}/common-ground").json()["shared"] == []

    # Ben shares too: both read both, side by side, and what they share.
    revealed = ben.post(
        f"{prompt_url(stake, prompt)}/reflection/share",
        {"text": "I hope for calm, and honesty.", "revision": 1},
    )
    assert revealed.json()["revealed"] is True
    side_by_side = ben.get(f"{prompt_url(stake, prompt)}/reflections").json()
    assert side_by_side["revealed"] is True
    assert [a["text"] for a in side_by_side["answers"]] == [
        f"I hope for {SECRET}, and calm.",
        "I hope for calm, and honesty.",
    ]
    ground = ben.get(f"{prompt_url(stake, prompt)}/common-ground").json()
    assert [item["label"] for item in ground["shared"]] == ["calm"]
    assert {o["party"]["name"] for o in ground["only"]} >= {"Ben"}
    # Observers and outsiders still read nothing of it.
    for client in (others["observer"], others["outsider"]):
        for url in reads_of(stake, prompt):
            assert client.get(url).status_code == 404


def test_a_draft_on_another_prompt_stays_private_after_a_reveal(cast):
    stake = plant(cast.coach_party)
    p1, p2 = stake.alliance.prompts.order_by("position")[:2]
    ana, ben = ApiClient(cast.coach), ApiClient(cast.client)
    ana.put(f"{prompt_url(stake, p2)}/reflection", {"text": f"Only mine: {SECRET}", "revision": 1})
    share(cast.coach_party, stake, p1, "I like our rhythm.")
    share(cast.client_party, stake, p1, "I like our rhythm too.")
    for url in [*reads_of(stake, p1), *reads_of(stake, p2)]:
        assert SECRET not in ben.get(url).content.decode(), url
    skipped = ana.post(f"{prompt_url(stake, p2)}/reflection/skip")
    assert skipped.json()["state"] == "skipped"
    assert skipped.json()["text"] == f"Only mine: {SECRET}"  # kept, for its author
    ben.post(f"{prompt_url(stake, p2)}/reflection/skip")
    revealed = ben.get(f"{prompt_url(stake, p2)}/reflections").json()
    assert revealed["revealed"] is True
    assert [(a["state"], a["text"]) for a in revealed["answers"]] == [
        ("skipped", None),
        ("skipped", None),
    ]
    assert SECRET not in ben.get(conversation_url(stake)).content.decode()


def test_a_stale_revision_is_a_409_with_both_texts_and_nothing_is_overwritten(cast):
    stake = plant(cast.coach_party)
    url = f"{prompt_url(stake, first_prompt(stake))}/reflection"
    phone, laptop = ApiClient(cast.coach), ApiClient(cast.coach)
    assert phone.get(url).json()["revision"] == 1
    saved = phone.put(url, {"text": "I hope we laugh.", "revision": 1})
    assert saved.json()["revision"] == 2
    stale = laptop.put(url, {"text": "I hope we grow.", "revision": 1})
    assert stale.status_code == 409
    assert stale.json()["current"] == {"text": "I hope we laugh.", "revision": 2, "state": "draft"}
    assert stale.json()["sent"] == {"text": "I hope we grow."}
    stale_share = laptop.post(f"{url}/share", {"text": "I hope we grow.", "revision": 1})
    assert stale_share.status_code == 409
    mine = phone.get(url).json()
    assert (mine["text"], mine["state"], mine["revision"]) == ("I hope we laugh.", "draft", 2)


def test_bad_reflections_are_422s_naming_the_field(cast):
    stake = plant(cast.coach_party)
    url = f"{prompt_url(stake, first_prompt(stake))}/reflection"
    ana = ApiClient(cast.coach)
    for method, path, body, field in [
        ("put", url, {"text": "x" * 5001, "revision": 1}, "text"),
        ("put", url, {"text": "I hope."}, "revision"),
        ("put", url, {"text": "I hope.", "revision": 0}, "revision"),
        ("post", f"{url}/share", {"text": "   ", "revision": 1}, "text"),
    ]:
        refused = getattr(ana, method)(path, body)
        assert refused.status_code == 422, (path, body)
        assert refused.json()["errors"][0]["field"] == field
    assert not Reflection.objects.filter(text__startswith="x").exists()


def test_a_hidden_prompt_or_one_of_another_conversation_is_404(cast):
    stake = plant(cast.coach_party)
    prompt = first_prompt(stake)
    services.prompt_set_hidden(party=cast.coach_party, prompt_id=prompt.pk, hidden=True)
    ana = ApiClient(cast.coach)
    assert ana.get(f"{prompt_url(stake, prompt)}/reflection").status_code == 404
    written = ana.put(f"{prompt_url(stake, prompt)}/reflection", {"text": "Hm.", "revision": 1})
    assert written.status_code == 404
    closing = AlliancePrompt.objects.filter(alliance=cast.alliance, theme="closing").first()
    assert closing is not None
    assert ana.get(f"{prompt_url(stake, closing)}/reflection").status_code == 404
    assert not Reflection.objects.exists()


def test_a_late_joiner_reads_nothing_revealed_before_them_nor_answers_it(cast):
    stake = plant(cast.coach_party)
    prompt = first_prompt(stake)
    share(cast.coach_party, stake, prompt, f"I hope for {SECRET}.")
    share(cast.client_party, stake, prompt, "I hope for calm.")
    cleo = make_user("Cleo", "cleo@example.org")
    join(cast.alliance, cleo)
    late = ApiClient(cleo)
    for url in reads_of(stake, prompt):
        response = late.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url
    seen = late.get(f"{prompt_url(stake, prompt)}/reflections").json()
    assert seen["closed_to_me"] is True
    assert seen["answers"] == []
    refused = late.put(
        f"{prompt_url(stake, prompt)}/reflection", {"text": "Me too.", "revision": 1}
    )
    assert refused.status_code == 422
    assert "before you joined" in refused.json()["detail"]


def test_someone_who_left_an_invitee_an_observer_and_an_outsider_get_404_everywhere(cast, sam):
    stake = plant(cast.coach_party)
    prompt = first_prompt(stake)
    fred = make_user("Fred", "fred@example.org")
    join(cast.alliance, fred)
    alliance_services.party_leave(party=party_of(cast.alliance, fred))
    ivy = make_user("Ivy", "ivy@example.org")
    alliance_services.invitation_create(party=cast.coach_party, email=ivy.email)
    missing = ApiClient(cast.outsider).get(f"{API}/999999/conversations").json()
    base = f"{API}/{cast.alliance.pk}"
    writes = [
        ("post", f"{base}/conversations", {"times": [iso(soon(3))]}),
        ("put", f"{conversation_url(stake)}/times", {"works": []}),
        ("post", f"{conversation_url(stake)}/cancel", {}),
        ("put", f"{conversation_url(stake)}/groundwork", {"groundwork": "Hi.", "revision": 1}),
        ("post", f"{base}/prompts", {"theme": "feel", "text": "Why?"}),
        ("patch", f"{base}/prompts/{prompt.pk}", {"hidden": True}),
        ("put", f"{prompt_url(stake, prompt)}/reflection", {"text": "Hi.", "revision": 1}),
        ("post", f"{prompt_url(stake, prompt)}/reflection/skip", {}),
    ]
    for user in (fred, ivy, sam, cast.outsider):
        client = ApiClient(user)
        for url in reads_of(stake, prompt):
            response = client.get(url)
            assert response.status_code == 404, (user.name, url)
            assert response.json() == missing
        for method, url, body in writes:
            assert getattr(client, method)(url, body).status_code == 404, (user.name, url)
    stake.refresh_from_db()
    assert stake.state == StakeState.PROPOSED
    assert not Reflection.objects.exists()


def test_a_closed_alliance_is_read_and_refuses_every_write_with_409(cast):
    stake = plant(cast.coach_party)
    prompt = first_prompt(stake)
    close_with(cast.coach_party, cast.client_party)
    ana = ApiClient(cast.coach)
    for url in reads_of(stake, prompt):
        assert ana.get(url).status_code == 200, url
    base = f"{API}/{cast.alliance.pk}"
    writes = [
        ("post", f"{base}/conversations", {"times": [iso(soon(3))]}),
        ("put", f"{conversation_url(stake)}/times", {"works": []}),
        ("post", f"{conversation_url(stake)}/other-times", {"times": [iso(soon(5))]}),
        ("post", f"{conversation_url(stake)}/cancel", {}),
        ("put", f"{conversation_url(stake)}/groundwork", {"groundwork": "Hi.", "revision": 1}),
        ("post", f"{base}/prompts", {"theme": "feel", "text": "Why?"}),
        ("patch", f"{base}/prompts/{prompt.pk}", {"hidden": True}),
        ("patch", f"{base}/prompts/{prompt.pk}", {"move": "down"}),
        ("put", f"{prompt_url(stake, prompt)}/reflection", {"text": "Hi.", "revision": 1}),
        ("post", f"{prompt_url(stake, prompt)}/reflection/share", {"text": "Hi.", "revision": 1}),
        ("post", f"{prompt_url(stake, prompt)}/reflection/skip", {}),
    ]
    for method, url, body in writes:
        refused = getattr(ana, method)(url, body)
        assert refused.status_code == 409, (method, url, refused.json())
        assert "closed" in refused.json()["detail"]
    stake.refresh_from_db()
    assert (stake.state, stake.groundwork_revision) == (StakeState.PROPOSED, 1)
    assert not Reflection.objects.exists()
    assert not AlliancePrompt.objects.filter(hidden=True).exists()


def test_a_read_token_reads_and_is_refused_every_write(cast):
    stake = plant(cast.coach_party)
    prompt = first_prompt(stake)
    reader = ApiClient(cast.coach, scope="read")
    for url in reads_of(stake, prompt):
        assert reader.get(url).status_code == 200, url
    for method, url, body in [
        ("post", f"{API}/{cast.alliance.pk}/conversations", {"times": [iso(soon(3))]}),
        ("put", f"{prompt_url(stake, prompt)}/reflection", {"text": "Hi.", "revision": 1}),
        ("post", f"{prompt_url(stake, prompt)}/reflection/share", {"text": "Hi.", "revision": 1}),
        ("post", f"{API}/{cast.alliance.pk}/prompts", {"theme": "feel", "text": "Why?"}),
        ("post", f"{conversation_url(stake)}/cancel", {}),
        ("post", "/api/v1/feedback/review", {"text": "You never listen."}),
    ]:
        assert getattr(reader, method)(url, body).status_code == 403, url
    assert Stake.objects.count() == 1
    assert not Reflection.objects.exists()


# Query counts ------------------------------------------------------------------------------


def _queries(client: ApiClient, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_listing_conversations_and_prompts_costs_the_same_for_1_or_20(cast):
    ana = ApiClient(cast.coach)
    conversations = f"{API}/{cast.alliance.pk}/conversations"
    prompts = f"{API}/{cast.alliance.pk}/prompts"
    plant(cast.coach_party)
    services.prompt_add(party=cast.coach_party, theme="feel", text="Prompt 0?")
    ana.get(prompts)  # the built-in ones were copied when the first conversation was planted
    few = (_queries(ana, conversations), _queries(ana, prompts))
    for n in range(19):
        plant(cast.coach_party, [soon(3, 9), soon(4, 9), soon(5, 9)])
        services.prompt_add(party=cast.coach_party, theme="feel", text=f"Prompt {n + 1}?")
    many = (_queries(ana, conversations), _queries(ana, prompts))
    assert few == many
    assert len(ana.get(f"{conversations}?limit=200").json()["items"]) == 20


def test_reading_a_revealed_prompt_costs_the_same_for_2_or_6_parties(cast):
    stake = plant(cast.coach_party)
    prompt = first_prompt(stake)
    ana = ApiClient(cast.coach)
    urls = [f"{prompt_url(stake, prompt)}/reflections", conversation_url(stake)]

    def reveal_among_all() -> list[int]:
        Reflection.objects.all().delete()
        stake.reveals.all().delete()
        for p in cast.alliance.parties.select_related("user", "alliance"):
            share(p, stake, prompt, f"I hope for calm, {p.user.name}.")
        assert ana.get(urls[0]).json()["revealed"]
        return [_queries(ana, url) for url in urls]

    two = reveal_among_all()
    for n in range(4):
        join(cast.alliance, make_user(f"Party {n}"))
    six = reveal_among_all()
    assert len(ana.get(urls[0]).json()["answers"]) == 6
    assert two == six


# The feedback coach --------------------------------------------------------------------------


def test_the_feedback_coach_flags_blame_and_absolutes_and_stores_nothing(cast):
    ana = ApiClient(cast.coach)
    reviewed = ana.post("/api/v1/feedback/review", {"text": "You never listen to me."})
    assert reviewed.status_code == 200
    kinds = [flag["kind"] for flag in reviewed.json()["flags"]]
    assert "blame" in kinds
    assert "absolute" in kinds
    assert all(flag["suggestion"] for flag in reviewed.json()["flags"])
    kind = ana.post("/api/v1/feedback/review", {"text": "I enjoy our sessions a lot."})
    assert kind.json()["flags"] == []
    assert ana.post("/api/v1/feedback/review", {"text": ""}).json()["flags"] == []
    half_a_character = ana.post("/api/v1/feedback/review", {"text": "You never \ud800 listen."})
    assert half_a_character.status_code == 422
    too_long = ana.post("/api/v1/feedback/review", {"text": "x" * 20_001})
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "text"
    assert ApiClient().post("/api/v1/feedback/review", {"text": "Hi."}).status_code == 401


def test_shared_reflections_keep_their_earlier_text_when_revised(cast):
    stake = plant(cast.coach_party)
    url = f"{prompt_url(stake, first_prompt(stake))}/reflection"
    ana = ApiClient(cast.coach)
    shared = ana.post(f"{url}/share", {"text": "I hope we laugh.", "revision": 1}).json()
    revised = ana.put(url, {"text": "I hope we laugh often.", "revision": shared["revision"]})
    assert revised.json()["state"] == "shared"
    assert revised.json()["text"] == "I hope we laugh often."
    reflection = Reflection.objects.get()
    assert [r.text for r in reflection.revisions.all()] == ["I hope we laugh."]
    emptied = ana.put(url, {"text": "", "revision": revised.json()["revision"]})
    assert emptied.status_code == 422
    assert emptied.json()["errors"][0]["field"] == "text"


# One reflection, and a term from it ----------------------------------------------------------


def test_a_reflection_is_read_by_id_only_by_its_author_until_revealed_to_both(cast, sam):
    stake = plant(cast.coach_party)
    p1, p2 = stake.alliance.prompts.order_by("position")[:2]
    share(cast.coach_party, stake, p1, "I hope for calm.")
    services.reflection_save(
        party=cast.coach_party, stake_id=stake.pk, prompt_id=p2.pk, text=SECRET, revision=None
    )
    shared, draft = (Reflection.objects.get(prompt=p, party=cast.coach_party) for p in (p1, p2))
    base = f"{API}/{cast.alliance.pk}/reflections"
    ana, ben = ApiClient(cast.coach), ApiClient(cast.client)
    missing = ben.get(f"{base}/999999").json()
    assert ana.get(f"{base}/{draft.pk}").json()["text"] == SECRET
    for client in (ben, ApiClient(sam), ApiClient(cast.outsider)):
        for reflection in (shared, draft):
            response = client.get(f"{base}/{reflection.pk}")
            assert response.status_code == 404
            assert response.json() == missing
    share(cast.client_party, stake, p1, "I hope for calm, too.")
    revealed = ben.get(f"{base}/{shared.pk}").json()
    assert (revealed["party"]["name"], revealed["text"], revealed["mine"]) == (
        "Ana",
        "I hope for calm.",
        False,
    )
    assert ben.get(f"{base}/{draft.pk}").status_code == 404


def test_a_term_is_proposed_from_a_revealed_reflection_once(cast):
    stake = plant(cast.coach_party)
    prompt = first_prompt(stake)
    share(cast.coach_party, stake, prompt, "I hope we meet every two weeks.")
    ana_reflection = Reflection.objects.get(party=cast.coach_party)
    url = f"{API}/{cast.alliance.pk}/reflections/{ana_reflection.pk}/term"
    ben = ApiClient(cast.client)
    term = {"category": "rhythm", "text": "We meet every two weeks."}
    assert ben.post(url, term).status_code == 404  # not revealed yet
    share(cast.client_party, stake, prompt, "I hope for a steady rhythm.")
    mail.outbox.clear()
    proposed = ben.post(url, term)
    assert proposed.status_code == 201
    body = proposed.json()
    assert body["url"] == f"{API}/{cast.alliance.pk}/terms/{body['term_id']}"
    assert ana_reflection.terms.get().term_id == body["term_id"]
    assert mail.outbox[-1].to == ["ana@example.org"]
    again = ben.post(url, term)
    assert again.status_code == 409
    assert again.json()["term_id"] == body["term_id"]
    blank = ben.post(url, {"category": "rhythm", "text": "  "})
    assert blank.status_code == 422
    assert blank.json()["errors"][0]["field"] == "text"


def test_on_a_closed_alliance_even_a_write_that_changes_nothing_is_409(cast):
    stake = plant(cast.coach_party)
    services.stake_cancel(party=cast.coach_party, stake_id=stake.pk)
    prompt = first_prompt(stake)
    close_with(cast.coach_party, cast.client_party)
    ana = ApiClient(cast.coach)
    assert ana.post(f"{conversation_url(stake)}/cancel").status_code == 409
    assert ana.patch(f"{API}/{cast.alliance.pk}/prompts/{prompt.pk}", {}).status_code == 409


def test_text_no_database_column_takes_is_a_422_naming_the_field(cast):
    stake = plant(cast.coach_party)
    prompt = first_prompt(stake)
    ana = ApiClient(cast.coach)
    for method, url, body, field in [
        (
            "put",
            f"{prompt_url(stake, prompt)}/reflection",
            {"text": "a\x00b", "revision": 1},
            "text",
        ),
        ("post", f"{API}/{cast.alliance.pk}/prompts", {"theme": "feel", "text": "a\x00b"}, "text"),
        (
            "put",
            f"{conversation_url(stake)}/groundwork",
            {"groundwork": "a\x00b", "revision": 1},
            "groundwork",
        ),
        (
            "post",
            f"{API}/{cast.alliance.pk}/conversations",
            {"times": [iso(soon(3))], "note": "a\x00b"},
            "note",
        ),
    ]:
        refused = getattr(ana, method)(url, body)
        assert refused.status_code == 422, url
        assert refused.json()["errors"][0]["field"] == field
    assert not Reflection.objects.exists()
    assert Stake.objects.count() == 1
