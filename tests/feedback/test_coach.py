"""The feedback coach on single reflections: what it flags, what it leaves alone, and the
I-statements it suggests."""

import random
import re

import pytest

from alliance.feedback.coach import MAX_CHARS, Flag, read, reframe, review


def kinds(text: str) -> set[str]:
    return {flag.kind for flag in review(text)}


def flag_of(text: str, kind: str) -> Flag:
    found = [flag for flag in review(text) if flag.kind == kind]
    assert found, f"no {kind} flag for {text!r}"
    return found[0]


# --- blame ----------------------------------------------------------------------------

# Sentences written for these tests, one or more per form of the contract. The coach's
# weights are learnt, so like any reader it misses some; the target (0.85) is
# asked of it here as of the labelled data, and a miss is named in the failure.
BLAMING = [
    "You never listen to me.",
    "You always interrupt me when I speak.",
    "You make me feel stupid in meetings.",
    "It's your fault I missed the train.",
    "Because of you I had to cancel my plans.",
    "You don't even look up when I come home.",
    "You keep moving my deadlines.",
    "You should have asked me first.",
    "You're careless with the shared budget.",  # a trait
    "You come across as smug in planning meetings.",
    "You brushed off my concerns about the deadline.",  # an act that wrongs
    "You humiliated me at the wedding.",
    "You make me feel invisible at your family's lunches.",  # "you make me feel"
    "You talk to me like I'm a new hire.",  # "talks to me like"
    "You treat my evenings as free.",
    "Your temper is the real problem here.",  # "your X is the problem"
    "You're why the launch slipped.",
    "You ought to have warned me about the audit.",  # demands and reproaches
    "You must stop sighing when I speak.",
    "Why do you have to turn every plan into a debate?",  # accusing questions
    "When was the last time you asked about my day?",
    "Great, thanks to you the holiday is off.",  # sarcasm
    "You only phone when you need a lift.",  # implied motive
    "You skipped our one-to-one without a word.",
    "You did a great job, but you always leave the tests until the last minute.",
]
NOT_BLAMING = [
    "It's not your fault the server went down.",  # negated blame
    "None of this is because of you.",
    "None of this is on you.",
    "You always make me feel welcome.",  # appreciation
    "You make me feel safe enough to say hard things.",
    "You never need to apologise for asking.",
    "You always find a kind word for the new people.",
    "You never once raised your voice during the move.",  # praise by negation
    "You handled a difficult client with grace.",
    "If you ask me, the plan is good.",
    "If the plan shifts, a short note would help me.",  # a request from my side
    "If you need to cancel, just tell me early.",
    "I felt let down when you missed the call.",  # an I-statement that mentions you
    "When you ask about my day, I feel seen.",
    "My old boss never listened.",  # not the reader
    "You seem tired lately and I worry about you.",  # concern, not a charge
]


def test_the_forms_of_blame_in_the_contract_are_caught():
    missed = [text for text in BLAMING if "blame" not in kinds(text)]
    assert len(missed) <= len(BLAMING) * 0.15, missed


def test_praise_requests_i_statements_and_negated_blame_are_left_alone():
    flagged = [text for text in NOT_BLAMING if "blame" in kinds(text)]
    assert len(flagged) <= len(NOT_BLAMING) * 0.15, flagged


def test_blame_quotes_the_words_about_the_reader():
    flag = flag_of("Honestly, YOU NEVER call me back.", "blame")
    assert flag.words
    assert all(word in "Honestly, YOU NEVER call me back." for word in flag.words)
    assert any(word.startswith("YOU") for word in flag.words)


def test_sarcasm_is_blame_and_is_explained_as_sarcasm():
    text = "Oh great, another weekend on call for your inbox. I'd like Sundays back."
    (flag,) = [flag for flag in review(text) if flag.kind == "blame"]
    assert flag.sentence == "Oh great, another weekend on call for your inbox."
    assert "Sarcasm" in flag.explanation


def test_the_explanation_names_how_the_sentence_blames():
    assert "trait" in flag_of("You're so lazy about the chores.", "blame").explanation
    assert "question" in flag_of("Why can't you ever be on time?", "blame").explanation


# --- suggestions ------------------------------------------------------------------------

# A dozen blames of different shapes and what a person could take instead, read one by
# one: the I-statement keeps what happened in the writer's words, names a feeling where
# the blame tells it, and leaves the need to the writer.
SUGGESTIONS = [
    ("You embarrassed me in front of your parents on Sunday.",
     "I felt embarrassed in front of your parents on Sunday, and I\u2019d like \u2026"),
    ("You dismissed my idea in the planning meeting.",
     "I felt unheard when you dismissed my idea in the planning meeting, and I\u2019d like \u2026"),
    ("You never ask how my week went.",
     "I feel forgotten when you don't ask how my week went, and I\u2019d like \u2026"),
    ("You never even thanked the volunteers.",
     "I felt unappreciated when you didn't thank the volunteers, and I\u2019d like \u2026"),
    ("You make me feel small when you correct me in public.",
     "I feel small when you correct me in public, and I\u2019d like \u2026"),
    ("You're reckless with our savings.",
     "I feel worried when it comes to our savings, and I\u2019d like \u2026"),
    ("You were cold when I tried to talk about moving.",
     "I felt left out when I tried to talk about moving, and I\u2019d like \u2026"),
    ("You talk to me like I'm a child when I make a mistake.",
     "I feel belittled when you talk to me like I'm a child when I make a mistake, "
     "and I\u2019d like \u2026"),
    ("You should have told me the trip was cancelled.",
     "I wish you had told me the trip was cancelled; I felt let down, and I\u2019d like \u2026"),
    ("You need to check the figures before the board sees them.",
     "I\u2019d like you to check the figures before the board sees them, because \u2026"),
    ("The grant fell through because of you.",
     "I feel upset that the grant fell through, and I\u2019d like \u2026"),
    ("Your gambling is the problem.",
     "I feel concerned about your gambling, and I\u2019d like \u2026"),
    ("You always interrupt me in front of the team.",
     "I feel unheard when you interrupt me in front of the team, and I\u2019d like \u2026"),
]  # fmt: skip


@pytest.mark.parametrize(("sentence", "statement"), SUGGESTIONS)
def test_the_i_statement_keeps_what_the_writer_meant(sentence, statement):
    suggestion = flag_of(sentence, "blame").suggestion
    assert f"\u201c{statement}\u201d" in suggestion
    assert not re.search(r"\b(?:always|never)\b", statement)


@pytest.mark.parametrize(
    "sentence",
    [
        "Oh sure, book the flights without asking, what could go wrong.",
        "When was the last time you asked how I was?",
        "Funny how you're free for golf but never for the school run.",
    ],
)
def test_when_the_sentence_has_no_safe_parts_the_frame_stands_beside_the_writers_words(
    sentence,
):
    suggestion = flag_of(sentence, "blame").suggestion
    assert "\u201cI feel \u2026 when \u2026, and I\u2019d like \u2026\u201d" in suggestion
    assert f"\u201c{sentence}\u201d" in suggestion


def test_reframe_on_its_own_reads_the_sentence_shape():
    assert reframe("You forgot my birthday.").startswith(
        "\u201cI felt let down when you forgot my birthday"
    )


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
        "Every other month I want a day away, but not in winter.",
        "I'd love it if we met not only on birthdays but every month.",
        "I'd love, though, to keep our call every Sunday.",
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
        "I wish it were different, but every weekend you disappear to the golf club.",
        "I want to be fair, but every Monday you turn up late.",
    ],
)
def test_a_wish_that_turns_into_a_complaint_keeps_its_absolute(text):
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


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("You closed my ticket without a single word.", "without a single"),
        ("You haven't done a single one of the exercises.", "a single one"),
        ("You didn't help at all.", "at all"),
        ("evry time u do this i end up alone", "evry time"),
    ],
)
def test_a_sweeping_negation_can_be_quoted(text, words):
    (sentence,) = read([text])
    assert [m.group(0) for m in sentence.sweeping] == [words]


@pytest.mark.parametrize(
    "text",
    [
        "As a single parent I find late changes hard.",
        "It was a single mistake and I know it.",
        "The gate has to be shut at all times.",
    ],
)
def test_a_single_thing_or_a_rule_at_all_times_sweeps_nothing(text):
    (sentence,) = read([text])
    assert not sentence.sweeping


def test_nobody_is_an_absolute_even_where_vader_reads_warmth():
    assert "absolute" in kinds("Nobody cares about my work.")


# --- first person ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "We agreed to keep weekends free of work.",
        "Our team values candour. Let us keep it that way.",
        "You never reply to messages on time.",
        "Your silence in the review was akin to agreeing with them.",
        "The patient in bay four had an MI, so the ward ran late.",
        "The run is 5 mi and the team does it every Sunday.",
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
        "Mi proud of yuh, and mi glad yuh home.",
        "Nakita ko yung video of you teaching Mika to read.",
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
    assert flag.words
    assert all(word in "The last month was rough and I felt lost." for word in flag.words)
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


@pytest.mark.parametrize(
    "text",
    [
        "",
        "You\x00never\x00listen.\x00",
        "\U0001f642\U0001f44d\U0001f525 " * 300,
        "?!.,;:'\"()" * 1000,
        "you " * 10_000,
        "You never. " * 2000,
        "you said '" * 2000,
        "your " * 3000 + "is the problem",
        "\u202e\ufeffYou \u0301always\u200b interrupt.",
        "\ud800 You never \udfff listen.",
    ],
    ids=["empty", "nul", "emoji", "punctuation", "10000-you", "many-sentences", "quotes", "your",
         "control-marks", "lone-surrogates"],
)  # fmt: skip
def test_odd_input_is_reviewed_without_error(text):
    flags = review(text)
    for flag in flags:
        assert flag.kind in {"blame", "absolute", "no_first_person", "negative_opening"}
        assert flag.suggestion
        assert flag.explanation
        assert "\x00" not in flag.suggestion + "".join(flag.words)


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


def test_a_negative_opening_is_answered_with_the_warmest_later_sentence_never_a_reorder():
    text = (
        "Our planning calls drag on and I'm fed up. I'd like us to try a twenty-minute "
        "limit. I really enjoy how you walk us through the roadmap."
    )
    suggestion = flag_of(text, "negative_opening").suggestion
    assert suggestion == (
        "Lead with what works: for instance start with \u201cI really enjoy how you walk us "
        "through the roadmap.\u201d, then say what is hard."
    )
