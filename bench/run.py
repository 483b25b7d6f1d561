"""Benchmark: what a page costs as what it does not show grows, and what it sends.

Everything is reported as ratios measured side by side in one run, never as absolute
targets (the machine is shared):

- CPU per request (process time through Django's handler, SQLite included) and queries
  per request, for each page with little and with much behind it;
- with wrk installed: requests per second and p99 latency of each page through gunicorn
  (2 workers, 32 connections), as a share of a bare Django app's throughput measured in
  the same run, and the bytes each page and a stylesheet send.

How to read the gunicorn figures: a sync worker serves one request at a time, so the rate
is bounded by the cores the workers get divided by the CPU one request costs them. Both are
measured from the workers' own CPU time (/proc) and printed beside the rate: on a shared
machine the workers may get far less than their two cores, and the rate falls with it
while the CPU per request stays put. With 32 connections queued on 2 workers, p99 is
mostly waiting in line (about 32 / rate), not the page's own time.

    make bench                # or: .venv/bin/python bench/run.py [--no-wrk] [--seconds N]
"""

import argparse
import atexit
import gc
import gzip
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA_DIR = tempfile.mkdtemp(prefix="alliance-bench-")
atexit.register(shutil.rmtree, DATA_DIR, ignore_errors=True)
os.environ["ALLIANCE_DATA_DIR"] = DATA_DIR
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
settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
settings.INVITATIONS_PER_HOUR = 10_000  # one coach invites two hundred clients at once

from alliance.alliances.selectors import DASHBOARD_PAGE_SIZE  # noqa: E402
from alliance.tending import services as tending  # noqa: E402
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

ROUNDS = 120
BLOCK = 10  # requests measured together, the pages of a pair taking turns
WORKERS = 2  # gunicorn sync workers, each serving one request at a time


@dataclass
class Page:
    name: str
    browser: Client
    url: str
    headers: dict[str, str] | None = None


def signed_in(user: object) -> Client:
    browser = Client()
    assert browser.login(email=user.email, password=PASSWORD)  # type: ignore[attr-defined]
    return browser


def build_alliance_page(terms: int, versions: int) -> Page:
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
    name = f"alliance page, {terms} terms + {versions} versions"
    return Page(name, signed_in(coach), f"/alliances/{alliance.pk}/")


def build_kept_checkins(kept: int) -> tuple[Page, Page]:
    """A version of ten terms that has lived through `kept` check-ins, each rated by both
    parties and kept: its alliance page and its coach's dashboard."""
    coach, client = make_user("Coach"), make_user("Client")
    alliance = make_alliance(coach, title=f"{kept} check-ins kept")
    join(alliance, client)
    parties = [party_of(alliance, coach), party_of(alliance, client)]
    for n in range(10):
        propose(parties[0], f"Term number {n}: we keep our word on this.")
    ratify_with(parties)
    for _ in range(kept):
        checkin = tending.checkin_start(party=parties[0])
        ratings = {term["id"]: ("well", "") for term in checkin.version.snapshot["terms"]}
        for party in parties:
            tending.checkin_answer(party=party, checkin_id=checkin.pk, ratings=ratings)
        tending.checkin_close(party=parties[0], checkin_id=checkin.pk, outcome="kept")
    browser = signed_in(coach)
    return (
        Page(f"alliance page, {kept} check-ins kept", browser, f"/alliances/{alliance.pk}/"),
        Page(f"dashboard, its one alliance with {kept} check-ins kept", browser, "/"),
    )


def build_dashboard(alliances: int) -> Page:
    """A coach with `alliances` clients, in every state the dashboard tells apart: some
    still designing, some ratified with a check-in due, some signalled, some with a
    conversation waiting on the coach, some kept with a check-in done and the next one
    planned within the agenda's 30 days."""
    from datetime import time, timedelta

    from alliance.lib.clock import now
    from tests.conversations.factories import plant

    coach = make_user("Coach")
    for n in range(alliances):
        client = make_user(f"Client {n}")
        alliance = make_alliance(coach, title=f"Coaching client {n}")
        join(alliance, client)
        parties = [party_of(alliance, coach), party_of(alliance, client)]
        propose(parties[1], f"We meet every second week, number {n}.")
        if n % 3 == 0:
            ratify_with(parties)
            tending.checkin_start(party=parties[0])
        elif n % 3 == 1:
            ratify_with(parties)
            checkin = tending.checkin_start(party=parties[0])
            [term] = checkin.version.snapshot["terms"]
            for party in parties:
                tending.checkin_answer(
                    party=party, checkin_id=checkin.pk, ratings={term["id"]: ("well", "")}
                )
            starts_on = now().date() + timedelta(days=1 + n % 28)
            tending.rhythm_set(party=parties[0], starts_on=starts_on, at_time=time(9), rule="")
        if n % 5 == 0:
            tending.signal_raise(party=parties[1], note="This needs a look.")
        if n % 4 == 0:
            plant(parties[1])
    return Page(f"dashboard, {alliances} alliances", signed_in(coach), "/")


def build_conversation(shared_prompts: int) -> tuple[Page, Page]:
    """A design conversation in which both parties shared on `shared_prompts` prompts:
    its page, and the fragment the page's script fetches every few seconds."""
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
    browser = signed_in(coach)
    base = f"/alliances/{alliance.pk}/conversations/{stake.pk}/"
    query = f"?prompt={prompts[0].pk}"
    return (
        Page(f"conversation page, {shared_prompts} prompts shared", browser, base + query),
        Page(f"its live poll, {shared_prompts} prompts shared", browser, base + "board/" + query),
    )


def revalidating(page: Page) -> Page:
    """The same poll as a browser repeats it: with the ETag of the last answer."""
    etag = page.browser.get(page.url).headers.get("ETag")
    headers = {"If-None-Match": etag} if etag else None
    return Page(page.name + ", unchanged (If-None-Match)", page.browser, page.url, headers)


@dataclass
class Cost:
    cpu_ms: float
    wall_ms: float
    queries: int
    status: int


def measure(*pages: Page) -> list[Cost]:
    """Each page's CPU per request (the median over blocks of requests) and wall time.
    The pages take turns block by block, so that a slower moment of a shared machine
    falls on all of them alike and their ratio holds."""
    for page in pages:
        for _ in range(5):
            page.browser.get(page.url, headers=page.headers or {})
    # What building the data left behind is not the pages' to collect: frozen, the
    # collector's passes cost what the pages' own garbage costs, as in a fresh worker.
    gc.collect()
    gc.freeze()
    cpu: list[list[float]] = [[] for _ in pages]
    walls: list[list[float]] = [[] for _ in pages]
    for _ in range(ROUNDS // BLOCK):
        for n, page in enumerate(pages):
            cpu_start = time.process_time()
            for _ in range(BLOCK):
                start = time.perf_counter()
                response = page.browser.get(page.url, headers=page.headers or {})
                walls[n].append(time.perf_counter() - start)
                assert response.status_code in (200, 304), (page.url, response.status_code)
            cpu[n].append((time.process_time() - cpu_start) / BLOCK)
    costs = []
    for n, page in enumerate(pages):
        with CaptureQueriesContext(connection) as queries:
            response = page.browser.get(page.url, headers=page.headers or {})
        costs.append(
            Cost(
                statistics.median(cpu[n]) * 1000,
                statistics.median(walls[n]) * 1000,
                len(queries),
                response.status_code,
            )
        )
    return costs


def in_process(pairs: list[tuple[Page, Page]], singles: list[Page]) -> None:
    print(f"{'page':62} {'CPU ms':>7} {'wall ms':>8} {'queries':>8} {'status':>6}")

    def line(page: Page, cost: Cost) -> None:
        print(
            f"{page.name:62} {cost.cpu_ms:7.2f} {cost.wall_ms:8.2f} {cost.queries:8d}"
            f" {cost.status:6d}"
        )

    for small, large in pairs:
        small_cost, large_cost = measure(small, large)
        line(small, small_cost)
        line(large, large_cost)
        print(
            f"  ratio large/small: CPU {large_cost.cpu_ms / small_cost.cpu_ms:.2f},"
            f" queries {large_cost.queries / small_cost.queries:.2f}"
        )
    for page in singles:
        [cost] = measure(page)
        line(page, cost)


def workers_cpu_seconds(master: int) -> float:
    """User and system CPU time used so far by the gunicorn workers forked by `master`."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that ended while we looked
        if int(fields[1]) == master:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def gunicorn(app: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ALLIANCE_BASE_URL": f"http://127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    command = [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        [*command, "--workers", str(WORKERS), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/", timeout=2)
            break
        except OSError as error:
            if getattr(error, "code", None):
                break  # it answered, with an error status: it is up
            time.sleep(0.1)
    return server, base


@dataclass
class Throughput:
    rate: float
    p99: str
    worker_cpu_ms: float  # gunicorn workers' CPU per request
    cores: float  # cores the workers got on average, out of WORKERS


def wrk(url: str, cookie: str, seconds: int, server: subprocess.Popen[bytes]) -> Throughput:
    """Requests per second, the 99th percentile latency, 2 threads, 32 connections, and
    what the server's workers spent in CPU meanwhile. A second of the same load first,
    not measured: what each worker does once (loading the PDF library to say whether a
    PDF can be made, filling its kept pieces) is not what a page costs."""

    def run(duration: int) -> str:
        return subprocess.run(
            ["wrk", "-t2", "-c32", f"-d{duration}s", "--timeout", "10s", "--latency"]
            + ["-H", "Accept-Encoding: gzip"]
            + (["-H", f"Cookie: {cookie}"] if cookie else [])
            + [url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    run(1)
    cpu_before, start = workers_cpu_seconds(server.pid), time.perf_counter()
    output = run(seconds)
    elapsed = time.perf_counter() - start
    cpu = workers_cpu_seconds(server.pid) - cpu_before
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"\s99%\s+(\S+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    served = re.search(r"(\d+) requests in", output)
    assert rate, output
    assert p99, output
    assert served, output
    assert not errors, f"{url}: {errors.group(0)}"
    return Throughput(
        float(rate.group(1)),
        p99.group(1),
        cpu * 1000 / max(int(served.group(1)), 1),
        cpu / elapsed,
    )


def cookie_header(browser: Client) -> str:
    """Every cookie the signed-in browser holds (session and CSRF), as a browser sends
    them: without the CSRF cookie every page would mint and set a new one."""
    return "; ".join(f"{name}={morsel.value}" for name, morsel in browser.cookies.items())


def on_the_wire(url: str, cookie: str) -> tuple[int, int, str, str]:
    """Bytes sent to a browser that accepts gzip, bytes of the page itself, the encoding
    and the caching the response names."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip", "Cookie": cookie})
    with urllib.request.urlopen(request) as response:
        body = response.read()
        encoding = response.headers.get("Content-Encoding", "")
        caching = response.headers.get("Cache-Control", "")
    plain = gzip.decompress(body) if encoding == "gzip" else body
    return len(body), len(plain), encoding or "none", caching or "-"


def static_url(html: str) -> str:
    match = re.search(r'href="(/static/[^"]+\.css)"', html)
    assert match, "no stylesheet on the page"
    return match.group(1)


def through_gunicorn(pages: list[Page], seconds: int) -> None:
    if shutil.which("wrk") is None:
        print("\nNOTICE: wrk is not installed (apt-get install wrk): throughput skipped.")
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    bare_server, bare_base = gunicorn("bench.bare:application")
    app, base = gunicorn("alliance.wsgi:application")
    try:
        bare = wrk(bare_base + "/", "", seconds, bare_server)
        load = os.getloadavg()[0]
        print(f"\nthrough gunicorn, {WORKERS} workers, wrk 32 connections, {seconds} s each")
        print(f"(load average {load:.1f} on {os.cpu_count()} cores when it began)")
        print(
            f"{'page':62} {'req/s':>7} {'share':>6} {'p99':>9} {'CPU ms':>7} {'cores':>5}"
            f" {'bound':>6}"
        )

        def line(name: str, measured: Throughput) -> None:
            bound = measured.cores * 1000 / measured.worker_cpu_ms if measured.worker_cpu_ms else 0
            print(
                f"{name:62} {measured.rate:7.0f} {measured.rate / bare.rate:6.0%}"
                f" {measured.p99:>9} {measured.worker_cpu_ms:7.1f} {measured.cores:5.2f}"
                f" {bound:6.0f}"
            )

        line("bare Django (the yardstick)", bare)
        stylesheet = ""
        for page in pages:
            line(page.name, wrk(base + page.url, cookie_header(page.browser), seconds, app))
            stylesheet = stylesheet or static_url(page.browser.get(page.url).content.decode())
        line("stylesheet " + stylesheet, wrk(base + stylesheet, "", seconds, app))
        print(
            f"CPU ms: the workers' CPU per request; cores: the CPU they got, out of {WORKERS};"
            " bound: cores / CPU ms, the rate that CPU allows"
        )
        print(f"\n{'response':62} {'sent':>7} {'page':>7} {'encoding':>8}  caching")
        for name, url, cookie in [
            *((p.name, p.url, cookie_header(p.browser)) for p in pages),
            ("stylesheet " + stylesheet, stylesheet, ""),
        ]:
            sent, plain, encoding, caching = on_the_wire(base + url, cookie)
            print(f"{name:62} {sent:7d} {plain:7d} {encoding:>8}  {caching}")
    finally:
        for server in (bare_server, app):
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-wrk", action="store_true", help="skip the gunicorn/wrk part")
    parser.add_argument("--seconds", type=int, default=5, help="seconds of wrk per page")
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    # One alliance against two hundred: the page shows one card, then a full page of
    # them. A full page against two hundred: the same cards shown, and 175 alliances not.
    many_alliances = build_dashboard(200)
    dashboards = (build_dashboard(1), many_alliances)
    full_pages = (build_dashboard(DASHBOARD_PAGE_SIZE), many_alliances)
    alliance_pages = (build_alliance_page(1, 0), build_alliance_page(50, 10))
    few, many = build_conversation(1), build_conversation(17)
    fresh, long_lived = build_kept_checkins(0), build_kept_checkins(100)
    pairs = [
        dashboards,
        full_pages,
        alliance_pages,
        (few[0], many[0]),
        (few[1], many[1]),
        (fresh[0], long_lived[0]),
        (fresh[1], long_lived[1]),
    ]
    in_process(pairs, [revalidating(many[1])])
    if not options.no_wrk:
        # The page of two hundred alliances is in two pairs: through gunicorn, once.
        pages = {id(page): page for pair in pairs for page in pair}
        through_gunicorn(list(pages.values()), options.seconds)


if __name__ == "__main__":
    main()
