"""What travels on the wire: pages compressed for browsers that accept it, static files
under hashed names, compressed ahead of time and cached for a year."""

import gzip
import re
import subprocess
import threading
import urllib.request
from pathlib import Path

from tests.test_cli import ALLIANCE, cli_env, free_port

STYLESHEET = Path(__file__).resolve().parent.parent / "alliance/core/static/alliance/alliance.css"


def test_a_page_arrives_gzipped_and_reads_the_same(cast, as_coach):
    url = f"/alliances/{cast.alliance.pk}/"
    plain = as_coach.get(url)
    packed = as_coach.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    page = gzip.decompress(packed.content).decode()
    assert "Coaching: Ana and Ben" in page
    assert len(packed.content) < len(plain.content) / 2


def fetch(url: str) -> tuple[bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read(), dict(response.headers)


def test_serve_collects_static_files_under_hashed_names_cached_for_a_year(tmp_path):
    port = free_port()
    serve = subprocess.Popen(
        [ALLIANCE, "serve", "--web-workers", "1", "--no-worker"],
        env=cli_env(tmp_path / "data", PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    watchdog = threading.Timer(90, serve.kill)
    watchdog.start()
    try:
        assert serve.stdout is not None
        next(line for line in iter(serve.stdout.readline, "") if "running at" in line)
        base = f"http://127.0.0.1:{port}"
        body, headers = fetch(base + "/accounts/login/")
        assert headers["Content-Encoding"] == "gzip"
        page = gzip.decompress(body).decode()
        [stylesheet] = re.findall(r'href="(/static/alliance/alliance\.[0-9a-f]{12}\.css)"', page)

        body, headers = fetch(base + stylesheet)
        assert headers["Content-Encoding"] == "gzip"
        assert "immutable" in headers["Cache-Control"]
        max_age = int(re.search(r"max-age=(\d+)", headers["Cache-Control"]).group(1))
        assert max_age >= 365 * 24 * 3600
        assert gzip.decompress(body) == STYLESHEET.read_bytes()
    finally:
        watchdog.cancel()
        serve.terminate()
        serve.communicate(timeout=30)
