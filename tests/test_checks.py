"""The configuration checks an operator reads in `alliance check`."""

import json

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
def coach_model(monkeypatch, tmp_path):
    """The coach's language model files, copied where the test can spoil one; the model
    loaded before and after is the shipped one."""
    from alliance.feedback import reading

    reading.model.cache_clear()
    for name in ("ENCODER", "TOKENIZER", "HEADS"):
        copy = tmp_path / getattr(reading, name).name
        copy.write_bytes(getattr(reading, name).read_bytes())
        monkeypatch.setattr(reading, name, copy)
    yield tmp_path
    monkeypatch.undo()
    reading.model.cache_clear()


def test_the_shipped_coach_model_passes_the_check():
    assert "feedback.E001" not in check_ids()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("reader_heads.json", None),  # missing
        ("reader_heads.json", "{not json"),
        ("reader_heads.json", "{}"),  # no heads
        ("reader.onnx", None),
        ("reader.onnx", "not a model"),
        ("reader_tokenizer.json", "{not json"),
    ],
)
def test_a_coach_model_that_cannot_serve_is_an_error_at_start(coach_model, name, content):
    if content is None:
        (coach_model / name).unlink()
    else:
        (coach_model / name).write_text(content)
    assert "feedback.E001" in check_ids()


def test_heads_without_a_threshold_for_every_flag_are_an_error_at_start(coach_model):
    heads = coach_model / "reader_heads.json"
    data = json.loads(heads.read_text())
    del data["thresholds"]["absolute"]
    heads.write_text(json.dumps(data))
    assert "feedback.E001" in check_ids()
