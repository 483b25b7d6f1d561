"""The configuration checks an operator reads in `alliance check`."""

import pytest
from django.core.checks import run_checks

# One of the checks asks the database whether the record's triggers are in place.
pytestmark = pytest.mark.django_db


def check_ids(**kwargs: bool) -> set[str]:
    return {message.id for message in run_checks(**kwargs) if message.id}


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:8000", "http://127.0.0.2:8000", "http://[::1]:8000", "http://localhost"],
)
def test_plain_http_on_this_machine_is_no_warning(settings, base_url):
    settings.DEBUG = False
    settings.BASE_URL = base_url
    assert "alliance.W001" not in check_ids()


@pytest.mark.parametrize(
    "base_url",
    [
        "http://alliance.example.org",
        "http://192.168.1.20:8000",
        "http://[2001:db8::5]:8000",
        # Loopback's words inside another name do not make it this machine.
        "http://localhost.example.org",
        "http://127.0.0.1.example.org",
    ],
)
def test_plain_http_elsewhere_is_a_warning(settings, base_url):
    settings.DEBUG = False
    settings.BASE_URL = base_url
    assert "alliance.W001" in check_ids()


@pytest.fixture
def coach_weights(monkeypatch, tmp_path):
    """The coach's weights file, swapped for one the test writes; the weights loaded
    before and after are the shipped ones."""
    from alliance.feedback import model

    model.models.cache_clear()
    swapped = tmp_path / "coach_weights.json"
    monkeypatch.setattr(model, "WEIGHTS", swapped)
    yield swapped
    monkeypatch.undo()
    model.models.cache_clear()


def test_the_shipped_coach_weights_pass_the_check():
    assert "feedback.E001" not in check_ids()


@pytest.mark.parametrize(
    "content",
    [
        None,  # missing
        "{not json",
        '{"features_version": -1, "models": {}}',  # trained for other features
        '{"features_version": VERSION}',  # no models
    ],
)
def test_coach_weights_that_cannot_serve_are_an_error_at_start(coach_weights, content):
    from alliance.feedback.features import FEATURES_VERSION

    if content is not None:
        coach_weights.write_text(content.replace("VERSION", str(FEATURES_VERSION)))
    assert "feedback.E001" in check_ids()
