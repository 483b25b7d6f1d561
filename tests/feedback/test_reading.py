"""The coach's language model as the coach calls it: the same reading however sentences are
grouped or kept, and the files it needs shipped with the package."""

import dataclasses

import numpy as np
import pytest

from alliance.feedback import reading
from alliance.feedback.reading import read_meaning

SENTENCES = [
    "You never listen.",
    "I felt let down when you missed the call, and I would like a short note next time.",
    "Thanks.",
    "You signed the lease without running the numbers, which is exactly what you did last year "
    "with the van, and I am tired of cleaning up after decisions made alone.",
]


@pytest.fixture
def model():
    """A model of the test's own, with no sentence vectors kept."""
    return reading.load()


def test_a_sentence_vector_is_the_same_whatever_else_is_written(model):
    """The encoder reads each sentence on its own, so what is kept for a sentence holds
    in any text; only the heads read it beside its neighbours."""
    model.read(SENTENCES)
    for sentence in SENTENCES:
        alone = reading.load().encode(sentence)
        assert model.vector(sentence) == pytest.approx(alone, abs=1e-6), sentence


def test_each_sentence_is_read_beside_its_neighbours_and_the_whole_text():
    vectors = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 9.0]], dtype=np.float32)
    assert reading.in_context(vectors).tolist() == [
        [1, 2, 0, 0, 3, 4, 3, 5],
        [3, 4, 1, 2, 5, 9, 3, 5],
        [5, 9, 3, 4, 0, 0, 3, 5],
    ]
    assert reading.in_context(vectors[:1]).tolist() == [[1, 2, 0, 0, 0, 0, 1, 2]]


def test_what_is_written_after_a_sentence_can_change_its_reading(model):
    """A short "Great." reads differently before an accusation than before thanks."""
    sour = model.read(["Great.", "Thanks to you the whole weekend is gone."])
    sweet = model.read(["Great.", "Thank you for the lovely weekend."])
    assert sour.blame[0] != pytest.approx(sweet.blame[0], abs=1e-6)


def test_kept_vectors_give_the_reading_of_a_fresh_model(model):
    model.read(SENTENCES)
    encoded_before = model.vector.cache_info().misses
    again = model.read([*SENTENCES, "A new one.", "YOU NEVER LISTEN."])
    assert model.vector.cache_info().misses == encoded_before + 2
    fresh = reading.load().read([*SENTENCES, "A new one.", "YOU NEVER LISTEN."])
    assert again.blame == pytest.approx(fresh.blame, abs=1e-6)
    assert again.absolute == pytest.approx(fresh.absolute, abs=1e-6)
    assert again.negative_opening == pytest.approx(fresh.negative_opening, abs=1e-6)


def test_the_vectors_read_longest_ago_are_dropped_first(model):
    model = dataclasses.replace(model, kept_vectors=3)
    first, second, third, fourth = SENTENCES
    model.read([first, second, third])
    model.read([first])
    model.read([fourth])
    encoded = model.vector.cache_info().misses
    model.read([third, first, fourth])
    assert model.vector.cache_info().misses == encoded
    model.read([second])
    assert model.vector.cache_info().misses == encoded + 1


def test_forgetting_makes_the_next_review_encode_every_sentence_again(model):
    model.read(SENTENCES)
    model.forget()
    assert model.vector.cache_info().currsize == 0
    model.read(SENTENCES)
    assert model.vector.cache_info().misses == len(set(SENTENCES))


def test_a_kept_vector_cannot_be_changed_by_its_reader(model):
    model.read(SENTENCES)
    with pytest.raises(ValueError, match="read-only"):
        model.vector(SENTENCES[0])[0] = 1.0


def test_a_reading_has_a_chance_per_sentence_and_an_opening_only_for_two_or_more():
    found = read_meaning(SENTENCES)
    assert len(found.blame) == len(found.absolute) == len(SENTENCES)
    assert all(0.0 <= p <= 1.0 for p in found.blame + found.absolute)
    assert found.negative_opening is not None
    assert read_meaning(["Only one sentence."]).negative_opening is None
    assert read_meaning([]) == reading.Reading([], [], None)


def test_the_model_files_ship_inside_the_package():
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    shipped = pyproject["tool"]["setuptools"]["package-data"]["*"]
    for path in (reading.ENCODER, reading.TOKENIZER, reading.HEADS):
        assert path.is_file()
        assert f"*{path.suffix}" in shipped, path.name
