"""Benchmark: the alliance page and the dashboard as an alliance's history grows.

Reports ratios measured side by side in one run (large / small), never absolute targets:
server time per request through Django's handler, and queries per request.

    make bench            # or: .venv/bin/python bench/run.py
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["ALLIANCE_DATA_DIR"] = tempfile.mkdtemp(prefix="alliance-bench-")
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
settings.ALLOWED_HOSTS = ["testserver"]

from alliance.terms import services  # noqa: E402
from tests.factories import (  # noqa: E402
    PASSWORD,
    join,
    make_alliance,
    make_user,
    party_of,
    propose,
    ratify_with,
)

ROUNDS = 60


def build(terms: int, versions: int) -> tuple[Client, str]:
    coach, client = make_user("Coach"), make_user("Client")
    alliance = make_alliance(coach, title=f"{terms} terms, {versions} versions")
    join(alliance, client)
    parties = [party_of(alliance, coach), party_of(alliance, client)]
    for n in range(terms):
        propose(parties[0], f"Term number {n}: we keep our word on this.")
    for round_ in range(versions):
        ratify_with(parties)
        alliance.refresh_from_db()
        term = alliance.terms.filter(status="active").first()
        assert term is not None
        services.term_edit(
            party=parties[0],
            term_id=term.pk,
            revision=term.revision,
            category=term.category,
            text=f"Edited in round {round_}",
        )
    browser = Client()
    assert browser.login(email=coach.email, password=PASSWORD)
    return browser, f"/alliances/{alliance.pk}/"


def build_conversation(shared_prompts: int) -> tuple[Client, str]:
    """A design conversation in which both parties shared on `shared_prompts` prompts."""
    from alliance.conversations import services as conversations
    from alliance.conversations.models import AlliancePrompt
    from tests.conversations.factories import plant, share

    coach, client = make_user("Coach"), make_user("Client")
    alliance = make_alliance(coach, title=f"Conversation with {shared_prompts} prompts shared")
    join(alliance, client)
    parties = [party_of(alliance, coach), party_of(alliance, client)]
    stake = plant(parties[0])
    conversations.stake_answer(
        party=parties[1], stake_id=stake.pk, works=[c.pk for c in stake.candidates.all()]
    )
    prompts = list(AlliancePrompt.objects.filter(alliance=alliance).order_by("position"))
    for prompt in prompts[:shared_prompts]:
        for party in parties:
            share(party, stake, prompt, f"{party.user.name} on {prompt.text} " * 8)
    browser = Client()
    assert browser.login(email=coach.email, password=PASSWORD)
    return browser, f"/alliances/{alliance.pk}/conversations/{stake.pk}/?prompt={prompts[0].pk}"


def measure(browser: Client, url: str) -> tuple[float, int]:
    for _ in range(5):
        browser.get(url)
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        response = browser.get(url)
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        browser.get(url)
    return statistics.median(timings), len(queries)


def main() -> None:
    call_command("migrate", verbosity=0)
    pairs = {
        "alliance page": (
            ("1 term", build(terms=1, versions=0)),
            ("50 terms + 10 versions", build(terms=50, versions=10)),
        ),
        "conversation page": (
            ("1 prompt shared", build_conversation(1)),
            ("17 prompts shared by both", build_conversation(17)),
        ),
    }
    print(f"{'page':50} {'median ms':>10} {'queries':>8}")
    for page, ((small_name, small), (large_name, large)) in pairs.items():
        small_s, small_q = measure(*small)
        large_s, large_q = measure(*large)
        print(f"{page + ', ' + small_name:50} {small_s * 1000:10.2f} {small_q:8d}")
        print(f"{page + ', ' + large_name:50} {large_s * 1000:10.2f} {large_q:8d}")
        print(f"  {page}: time ratio {large_s / small_s:.2f}, query ratio {large_q / small_q:.2f}")


if __name__ == "__main__":
    main()
