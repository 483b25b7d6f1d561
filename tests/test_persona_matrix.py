"""Nothing of an alliance is visible, or changeable, outside its parties.

A matrix of every URL pattern of the project x GET, POST without a CSRF token, POST with
a valid one x eight personas (tests/scene.py): anonymous, outsider, invitee not yet
joined, party, other party, former party, late joiner, observer (who gets 404 everywhere
but on the pages made for observers, and changes nothing but their own leaving). The
POST with a valid token is what shows that the permission check, not CSRF, is what
refuses outsiders; it carries a form a party could send, so a view that forgot the check
would change something.

A pattern tests/routes.py does not know fails the matrix, so a new view must say whom it
answers before it passes. The IDOR sweep then puts the ids of another alliance's objects
into every slot and id field of this alliance's URLs.

When written: 7 personas x 48 URL patterns (39 of them one alliance's) x 3 = 1008 cells,
and 478 placements of 10 foreign objects; `pytest -s` prints the figures of the day.
"""

from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.http import HttpResponse

from tests.routes import (
    ID_FIELDS,
    ROUTES,
    SIGNED_READS,
    fill,
    project_patterns,
    route_of,
    slots,
    url_for,
)
from tests.scene import (
    ALLIANCE_MARKERS,
    CURRENT_PARTIES,
    FOREIGN_MARKERS,
    NOT_PARTIES,
    PERSONAS,
    SECRETS,
    TEMPLATE_OWNER,
    TITLE,
    Scene,
    csrf_token,
    scene_fixture,
    snapshot,
    snapshot_diff,
)

METHODS = ("GET", "POST without CSRF token", "POST with CSRF token")


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    yield from scene_fixture(django_db_blocker)


@dataclass
class Tally:
    cells: int = 0
    failures: list[str] = field(default_factory=list)


TALLY: dict[str, Tally] = {}


def _expected(scope: str, persona: str, method: str, name: str, scene: Scene) -> set[int]:
    """The status codes `persona` may get; for parties, anything but these: see below."""
    signed_in = persona != "anonymous"
    if method == "POST without CSRF token":
        # Refused before any view runs; unsubscribe takes RFC 8058 one-click POSTs.
        if name == "unsubscribe":
            return {200} if signed_in else {400}
        return {403}
    if scope == "alliance":
        if not signed_in:
            return {302}
        if _signed_read(persona, method, name):
            return {200}
        if persona in NOT_PARTIES:
            return {404}
        if persona == "observer":
            if not ROUTES[name].observers:
                return {404}
            if method == "GET":
                return {200}
            # A page that only shows answers a POST as a GET; leaving is their own to do.
            return {302} if name == "alliance_leave" else {200, 405}
        return {200, 302, 400, 405, 409} if method.startswith("POST") else {200, 302, 405}
    if scope == "template":
        if not signed_in:
            return {302}
        if persona != TEMPLATE_OWNER:
            return {404} if method == "GET" else {404, 405}
        return {200} if method == "GET" else {200, 302, 405}
    if scope == "own":
        if not signed_in:
            return {200} if ROUTES[name].public else {302}
        if name in ("feedback_review", "time_zone_answer") and method == "GET":
            return {405}
        if ROUTES[name].read_only and method != "GET":
            return {405}
        if name == "invitation_continue":
            return {302}  # on to the invitation on the way, or home
        return {200} if method == "GET" else {200, 302}
    # A token is the permission.
    if ROUTES[name].signed_in:
        # The scene holds no such link: a visitor signs in first, anyone else finds none.
        if not signed_in:
            return {302}
        return {404} if method == "GET" else {405}
    token = scene.token_for(name, persona)
    valid = token != scene.token_for("calendar_feed", "anonymous")
    if name == "unsubscribe":
        return {200} if valid else {400}
    if name == "invitation_accept" and valid:
        return {200} if method == "GET" else {302}
    return {200} if valid else {404}


def _signed_read(persona: str, method: str, name: str) -> bool:
    """The former party reading the versions they signed: the one way back in."""
    return persona == "former_party" and method == "GET" and name in SIGNED_READS


def _send(browser, method: str, url: str, form: dict, token: str) -> HttpResponse:
    if method == "GET":
        return browser.get(url)
    if method == "POST without CSRF token":
        return browser.post(url, form)
    return browser.post(url, {**form, "csrfmiddlewaretoken": token})


def _shows_the_alliance(response: HttpResponse, allowed: frozenset[str] = frozenset()) -> list[str]:
    text = response.content.decode(errors="replace")
    return [m for m in ALLIANCE_MARKERS if m in text and m not in allowed]


def _observer_may_read(name: str) -> frozenset[str]:
    """What of the alliance the scene's observer may read on the page `name`: its title
    on the pages made for observers, and its terms on the versions, which every party
    lets observers see. Never a signal, a reflection, a draft or a comment."""
    if name in ("calendar_feed", "home", "profile_erase"):
        # The conversation that includes the observers, in their feed and on the
        # dashboard's agenda and "observing" card; the alliance among theirs on the page
        # that says what erasing their account does to each.
        return frozenset({"Wisteria"})
    if not ROUTES[name].observers:
        return frozenset()
    if name.startswith("version_"):
        return frozenset({"Wisteria", "tuesdaybriar"})
    return frozenset({"Wisteria"})


def _former_party_may_read(name: str) -> frozenset[str]:
    """The alliance's title on the dashboard, under "Alliances you left", linking to the
    versions they signed, and on the page that says what erasing their account does to
    it; nothing else of it."""
    return frozenset({"Wisteria"}) if name in ("home", "profile_erase") else frozenset()


def _walk(scene: Scene, persona: str, tally: Tally, attribute: bool = False) -> None:
    """One persona through every cell. Cells where a change is expected run in a savepoint
    that is rolled back; what any other cell changed stays, so one snapshot before and
    after the walk finds it. With `attribute`, every cell is snapshotted, to name the one
    that changed something."""
    browser = scene.client(persona)
    token = csrf_token(browser, persona)
    alliance_id = scene.alliance.pk
    for route, name in project_patterns():
        spec = route_of(name, route)
        url = url_for(scene, persona, route, name)
        form = spec.form(scene)
        for method in METHODS:
            tally.cells += not attribute
            cell = f"{persona:13} {method:23} {url}"
            joins = name == "invitation_accept" and persona == "invitee"
            # A party's valid POST changes the alliance; a valid POST to a person's own
            # page (or with a token) changes their own things, such as their feed token.
            may_change = method == "POST with CSRF token" and (
                persona in CURRENT_PARTIES
                or spec.scope != "alliance"
                or (persona == "observer" and name == "alliance_leave")
            )
            before = snapshot(alliance_id) if attribute and not may_change else None
            if may_change:
                with transaction.atomic():
                    response = _send(browser, method, url, form, token)
                    transaction.set_rollback(True)
                if persona == "observer":
                    # The rolled-back leaving left its flash message ("You left
                    # Wisteria coaching") in the session: read it here, not on the
                    # next cell's page.
                    browser.get("/profile/")
            else:
                response = _send(browser, method, url, form, token)
            if before is not None and before != snapshot(alliance_id):
                tally.failures.append(
                    f"{cell}: changed {snapshot_diff(before, snapshot(alliance_id))}"
                )
            if attribute:
                continue
            expected = _expected(spec.scope, persona, method, name, scene)
            if response.status_code not in expected:
                tally.failures.append(f"{cell}: {response.status_code}, expected {expected}")
            location = response.get("Location", "")
            if persona == "anonymous" and location and not location.startswith("/accounts/login/"):
                tally.failures.append(f"{cell}: sent to {response['Location']}")
            dashboard = name == "home" and method == "GET" and persona in CURRENT_PARTIES
            if dashboard and TITLE not in response.content.decode():
                tally.failures.append(f"{cell}: the dashboard does not list {TITLE}")
            if _signed_read(persona, method, name):
                # The title and terms they signed, but nothing anyone wrote besides.
                text = response.content.decode(errors="replace")
                shown = [s.marker for s in SECRETS if s.marker in text]
                if shown:
                    tally.failures.append(f"{cell}: shows {shown}")
            elif persona not in CURRENT_PARTIES and not joins:
                allowed = frozenset()
                if persona == "observer":
                    allowed = _observer_may_read(name)
                elif persona == "former_party":
                    allowed = _former_party_may_read(name)
                shown = _shows_the_alliance(response, allowed)
                if shown:
                    tally.failures.append(f"{cell}: shows {shown}")


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_url_answers_each_persona_as_promised(scene, persona, db):
    """Anonymous → sign in; outsider, invitee, former party → 404 and nothing of the
    alliance (but the former party reads the versions they signed); observer → 404 but
    on the pages made for them, which show only what the parties allow; parties → never
    404 or 5xx; a POST without a CSRF token → 403; and no refused request changes
    anything."""
    tally = TALLY.setdefault(persona, Tally())
    before = snapshot(scene.alliance.pk)
    with transaction.atomic():
        _walk(scene, persona, tally)
        changed = snapshot_diff(before, snapshot(scene.alliance.pk))
        transaction.set_rollback(True)
    if changed:
        _walk(scene, persona, tally, attribute=True)
    assert not tally.failures, "\n".join(tally.failures)


def test_the_matrix_size(scene, db):
    """Counted, not only walked: the closing note reports these figures."""
    patterns = project_patterns()
    cells = len(patterns) * len(METHODS) * len(PERSONAS)
    alliance = sum(1 for route, _ in patterns if "<id:alliance_id>" in route)
    print(
        f"\npersona matrix: {len(PERSONAS)} personas x {len(patterns)} URL patterns "
        f"({alliance} of one alliance) x {len(METHODS)} methods = {cells} cells; "
        f"walked {sum(t.cells for t in TALLY.values())}, "
        f"failed {sum(len(t.failures) for t in TALLY.values())}"
    )
    assert len(patterns) >= 45
    gone = set(ROUTES) - {name for _, name in patterns}
    assert not gone, f"tests/routes.py lists URL names the project no longer has: {gone}"


# The IDOR sweep ---------------------------------------------------------------------

# The kind of object each URL slot names; `number` is a version's number in its alliance.
SLOT_TYPES = {
    "term_id": "term",
    "invitation_id": "invitation",
    "stake_id": "stake",
    "prompt_id": "prompt",
    "reflection_id": "reflection",
    "checkin_id": "checkin",
    "signal_id": "signal",
    "number": "version",
}


def _own_ids(scene: Scene) -> dict[str, set[int]]:
    """The ids (and version numbers) of alliance A's own objects, by type: a foreign id
    that happens to equal one of these lands on A's own object, which is no IDOR."""
    from alliance.conversations.models import AlliancePrompt, Reflection, Stake
    from alliance.tending.models import CheckIn, Signal
    from alliance.terms.models import Term, Version

    a = scene.alliance.pk
    return {
        "term": set(Term.objects.filter(alliance=a).values_list("pk", flat=True)),
        "invitation": set(scene.alliance.invitations.values_list("pk", flat=True)),
        "stake": set(Stake.objects.filter(alliance=a).values_list("pk", flat=True)),
        "prompt": set(AlliancePrompt.objects.filter(alliance=a).values_list("pk", flat=True)),
        "reflection": set(
            Reflection.objects.filter(stake__alliance=a).values_list("pk", flat=True)
        ),
        "checkin": set(CheckIn.objects.filter(alliance=a).values_list("pk", flat=True)),
        "signal": set(Signal.objects.filter(alliance=a).values_list("pk", flat=True)),
        "version": set(Version.objects.filter(alliance=a).values_list("number", flat=True)),
    }


def _foreign_text(response: HttpResponse) -> list[str]:
    text = response.content.decode(errors="replace")
    return [m for m in FOREIGN_MARKERS.values() if m in text]


def test_another_alliances_objects_are_out_of_reach_through_this_ones_urls(scene, db):
    """Ana, a party of A, puts each id of Olga's alliance B (the alliance itself, a term,
    an invitation, a stake, a candidate time, a custom prompt, a revealed reflection, a
    check-in, a signal, a version) into every slot and id field of A's URLs: nothing of
    B shows, nothing of B changes, nothing fails with 5xx, and a slot given a foreign
    object of its own type answers 404."""
    foreign = scene.foreign.ids
    own = _own_ids(scene)
    browser = scene.client("party")
    token = csrf_token(browser, "party")
    before = snapshot(foreign["alliance"])
    failures: list[str] = []
    sent: set[str] = set()
    placements: list[str] = []  # every foreign id in every slot and field, for each method

    def send(method: str, url: str, form: dict | None = None, refused: bool = False) -> None:
        placements.append(cell := f"{method:4} {url} {form if method == 'POST' else ''}")
        if cell in sent:  # ids of different types may be equal
            return
        sent.add(cell)
        if method == "GET":
            response = browser.get(url)
        else:
            response = browser.post(url, {**(form or {}), "csrfmiddlewaretoken": token})
        if response.status_code >= 500:
            failures.append(f"{cell}: {response.status_code}")
        # A refusal: not found (or GET not allowed); a form sent back with its error.
        refusals = {404, 405} if method == "GET" else {302, 400, 404, 409}
        if refused and response.status_code not in refusals:
            failures.append(f"{cell}: {response.status_code}, expected one of {refusals}")
        shown = _foreign_text(response)
        if shown:
            failures.append(f"{cell}: shows {shown}")

    for route, name in project_patterns():
        if ROUTES[name].scope != "alliance":
            continue
        form = ROUTES[name].form(scene)
        # B's own id in the alliance slot: Ana is no party of B, and B looks like an
        # alliance that does not exist.
        url = fill(route, {**scene.values, "alliance_id": foreign["alliance"]})
        for method in ("GET", "POST"):
            send(method, url, form, refused=True)
        send("GET", fill(route, {**scene.values, "alliance_id": 999_999}), refused=True)
        # A view that takes only POST answers a GET 405 before it reads any slot.
        post_only = browser.get(fill(route, scene.values)).status_code == 405
        for slot in slots(route):
            if slot == "alliance_id":
                continue
            for kind, foreign_id in foreign.items():
                url = fill(route, {**scene.values, slot: foreign_id})
                matched = SLOT_TYPES[slot] == kind and foreign_id not in own[kind]
                for method in ("POST",) if post_only else ("GET", "POST"):
                    send(method, url, form, refused=matched)
        url = fill(route, scene.values)
        for field_name in ID_FIELDS:
            if field_name in form:
                for foreign_id in foreign.values():
                    value = [foreign_id] if field_name == "works" else foreign_id
                    send("POST", url, {**form, field_name: value})
        if name == "checkin_detail":
            send("POST", url, {**form, f"score-{foreign['term']}": "well"})
        if name in ("conversation_detail", "conversation_board"):
            for foreign_id in foreign.values():
                send("GET", f"{url}?prompt={foreign_id}")
        if name == "version_compare":
            for foreign_id in foreign.values():
                send("GET", f"{url}?from={foreign_id}&to={foreign['version']}")

    changed = snapshot_diff(before, snapshot(foreign["alliance"]))
    if changed:
        failures.append(f"Olga's alliance changed: {changed}")
    assert not failures, "\n".join(failures)
    print(
        f"\nIDOR sweep: {len(foreign)} foreign objects in {len(placements)} placements "
        f"(slot or field x id x method), {len(sent)} distinct requests"
    )
    assert len(foreign) == 10
