"""The feedback coach on single reflections: what it flags, what it leaves alone, and the
I-statements it suggests."""

import random

import pytest

from alliance.feedback.coach import MAX_CHARS, Flag, reframe, review


def kinds(text: str) -> set[str]:
    return {flag.kind for flag in review(text)}


def flag_of(text: str, kind: str) -> Flag:
    found = [flag for flag in review(text) if flag.kind == kind]
    assert found, f"no {kind} flag for {text!r}"
    return found[0]


# --- blame ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "You never listen to me.",
        "You always interrupt me when I speak.",
        "You make me feel stupid in meetings.",
        "It's your fault I missed the train.",
        "Because of you I had to cancel my plans.",
        "You don't even look up when I come home.",
        "You keep moving my deadlines.",
        "You should have asked me first.",
    ],
)
def test_sentences_that_put_the_fault_on_the_other_person_are_blame(text):
    assert "blame" in kinds(text)


def test_blame_quotes_the_exact_words_that_triggered_it():
    assert flag_of("Honestly, YOU NEVER call me back.", "blame").words == ["YOU NEVER"]


@pytest.mark.parametrize(
    "text",
    [
        "It's not your fault the server went down.",
        "None of this is because of you.",
        "You always make me feel welcome.",
        "You make me feel safe enough to say hard things.",
        "You never need to apologise for asking.",
        "If you ask me, the plan is good.",
    ],
)
def test_negated_blame_praise_and_reassurance_are_not_blame(text):
    assert "blame" not in kinds(text)


def test_blame_is_judged_on_its_own_clause_not_on_the_praise_before_it():
    assert "blame" in kinds("You did a great job, but you always leave the tests until last.")


# --- reframe --------------------------------------------------------------------------


def test_never_becomes_a_feeling_and_a_need():
    statement = reframe("You never listen to me.")
    assert statement.startswith("I feel unheard when you don't listen to me")
    assert "what I need is for you to listen to me" in statement
    assert "never" not in statement


def test_make_me_feel_becomes_the_writers_own_feeling():
    assert reframe("You make me feel small when you correct me.").startswith(
        "I feel small when you correct me"
    )


def test_always_keeps_the_situation_and_drops_the_absolute():
    statement = reframe("You always interrupt me in front of the team.")
    expected = "I feel unheard when you interrupt me in front of the team; what I need is …"
    assert statement == expected


def test_fault_keeps_what_happened_without_the_culprit():
    statement = reframe("It's your fault that we missed the launch.")
    assert statement.startswith("I feel frustrated that we missed the launch")
    assert "fault" not in statement


def test_past_events_are_reframed_in_the_past():
    assert reframe("You didn't even read my draft.").startswith(
        "I felt overlooked when you didn't read my draft"
    )


def test_every_reframe_is_an_i_statement_with_room_for_the_need():
    for sentence in [
        "You're so dismissive.",
        "You only care about money.",
        "You keep forgetting the call.",
        "You totally forgot my birthday.",
        "Because of you",
    ]:
        statement = reframe(sentence)
        assert statement.startswith("I "), statement
        assert "need" in statement, statement


def test_the_blame_suggestion_offers_the_reframe():
    assert "I feel unheard" in flag_of("You never listen to me.", "blame").suggestion


# --- absolutes ------------------------------------------------------------------------


def test_absolutes_are_flagged_with_their_words_as_written():
    flag = flag_of("Everyone knows, and Nobody tells me all the time.", "absolute")
    assert flag.words == ["Everyone", "Nobody", "all the time"]


@pytest.mark.parametrize(
    "text",
    [
        "We meet every Tuesday at nine.",
        "I'd like to review it every two weeks.",
        "Every other month I want a day away.",
        "Every session, I'd like five quiet minutes.",
    ],
)
def test_schedules_with_every_are_a_rhythm_not_an_absolute(text):
    assert "absolute" not in kinds(text)


@pytest.mark.parametrize(
    "text",
    ["Every time I speak, the topic changes.", "Every single meeting runs late for me."],
)
def test_every_time_and_every_single_stay_absolutes(text):
    assert "absolute" in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "I will never again read your messages without asking.",
        "I'll always tell you when I need a break.",
        "I always enjoy our Friday walks.",
        "I never thought I'd enjoy a standing meeting.",
    ],
)
def test_promises_praise_and_idioms_are_not_absolutes(text):
    assert "absolute" not in kinds(text)


def test_nobody_is_an_absolute_even_where_vader_reads_warmth():
    assert "absolute" in kinds("Nobody cares about my work.")


# --- first person ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "We agreed to keep weekends free of work.",
        "Our team values candour. Let us keep it that way.",
        "You never reply to messages on time.",
    ],
)
def test_texts_without_i_me_or_my_are_flagged(text):
    assert "no_first_person" in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "i'd like us to meet weekly",
        "That would help me a lot.",
        "This matters to myself and the team.",
        "I\u2019m glad we talked today.",
        "The calendar is mine to keep.",
    ],
)
def test_any_first_person_word_or_contraction_counts(text):
    assert "no_first_person" not in kinds(text)


@pytest.mark.parametrize("text", ["", "   \n\t", "Sounds fine.", "\U0001f642\U0001f642"])
def test_empty_or_very_short_texts_are_not_flagged_for_missing_i(text):
    assert "no_first_person" not in kinds(text)


# --- negative opening -----------------------------------------------------------------


def test_a_negative_first_sentence_before_warm_text_is_flagged():
    text = (
        "The last month was rough and I felt lost. Still, I really value our sessions "
        "and I'm excited about the plan we made."
    )
    flag = flag_of(text, "negative_opening")
    assert "rough" in flag.words
    assert "I really value our sessions" in flag.suggestion


def test_a_text_negative_throughout_has_no_bright_side_to_lead_with():
    text = "I'm frustrated with how our meetings go. I feel ignored and I leave them tired."
    assert "negative_opening" not in kinds(text)


def test_a_warm_first_sentence_with_a_hard_word_is_not_negative():
    text = "I love that we laugh a lot, even on hard days. I'd like to protect our Sundays."
    assert "negative_opening" not in kinds(text)


def test_a_single_sentence_cannot_open_negatively():
    assert "negative_opening" not in kinds("I was upset, but I love you and I'm grateful.")


# --- robustness -----------------------------------------------------------------------


def test_a_clean_i_statement_gets_no_flags():
    assert review("I feel supported when we end each session with one clear next step.") == []


def test_very_long_text_is_cut_and_still_reviewed():
    text = "You never listen to me. " * 5000
    flags = review(text)
    assert {flag.kind for flag in flags} == {"blame", "absolute"}
    assert len(flags) <= 2 * (MAX_CHARS // len("You never listen to me. ") + 1)


def test_any_string_is_reviewed_without_error():
    alphabet = "aeiou IyouYOUnevr'\u2019.,;:!?\u2026\n\t-\u2014()\"<>&\U0001f642\u00e9\u0000"
    words = ["you", "never", "always", "every", "I'm", "because of", "fault", "make me", "keep"]
    rng = random.Random(7)
    for _ in range(400):
        pieces = [
            rng.choice(words) if rng.random() < 0.4 else rng.choice(alphabet)
            for _ in range(rng.randint(0, 60))
        ]
        for flag in review(" ".join(pieces)):
            assert flag.kind in {"blame", "absolute", "no_first_person", "negative_opening"}
            assert flag.suggestion
