"""The coach measured on reflections written and labelled by people who never saw it: if a
change makes any kind of flag worse than its floor on any split, this fails.
`bench/coach_eval.py` prints the tables and every miss."""

import json
from functools import cache

import pytest

from alliance.feedback.coach import KINDS, review
from alliance.feedback.reading import HEADS
from tests.feedback.evaluation import (
    NEVER_TRAINED,
    SENTENCE_KINDS,
    THRESHOLD_SPLITS,
    UNTOUCHED,
    UNTOUCHED_4,
    UNTOUCHED_5,
    UNTOUCHED_7,
    UNTOUCHED_8,
    UNTOUCHED_9,
    WITHOUT_CONTRACT,
    Evaluation,
    evaluate,
    flagged_sentences,
    items,
    sentence_bank,
    sentence_spans,
    splits,
    text_of,
)

# The target on reflections the coach never saw is 0.85 for every flag.
# "untouched-9" is four writers who wrote without the contract in mind and whom no training
# read (400 reflections, labelled twice), measured once with the model that ships: blame
# 0.78 / 0.72, absolute 0.79 / 0.82, no "I" 0.97 / 1.00 (its four negative openings are too
# few to measure by). With the same model, "untouched-8" (four more such writers, 400,
# measured twice) reads 0.73 / 0.76, 0.81 / 0.73, 1.00 / 1.00, negative opening 0.45 / 0.61
# (23 labelled); "untouched-7" (two more, 200, measured three times) 0.68 / 0.65, 0.71 /
# 0.80, 1.00 / 1.00. Writers who had the contract beside them: "untouched-5" (two writers,
# 200, measured five times) 0.91 / 0.83, 0.92 / 0.96, 1.00 / 1.00, 0.95 / 0.91;
# "untouched-4" (four writers, 400, measured seven times with language models) 0.89 / 0.86,
# 0.86 / 0.86, 1.00 / 1.00, 0.89 / 0.89; the untouched half (even ids of two writers whose
# odd ids train, which flatters it) 0.92 / 0.99, 0.90 / 1.00, 0.94 / 1.00, 0.86 / 0.93. The
# eight threshold splits are not trained on either, but each flag's threshold is chosen on
# them together, and the model on four of them (those who wrote without the contract); they
# read a little better than the untouched splits of their kind. The floors are the figures
# less a little, so a change that makes the coach worse fails. On the splits written with
# the contract that it was trained on, the model must reproduce their blame and absolutes (a
# few writers a little less: it flags sweeping words in complaints they did not count); it
# flags more negative openings there than they hold, at a threshold chosen for writers it
# never read. On the writers without the contract that it was trained on it does not
# reproduce their labels: each was labelled once, by labellers who read the contract's
# silences differently, and the model reads them as it reads new writers, only a little
# better (and flags sweeping words in complaints three of them did not count). The first
# two splits' negative openings were labelled by an earlier reading and are not learnt from.
# Writers without the contract wrote two to ten negative openings each, too few to measure
# by; only their false ones are bounded.
THRESHOLD = 0.85
TRAINED_OPENINGS = (0.75, 0.90)
UNTRAINED_THRESHOLD_SPLIT = (0.75, 0.80)
TRAINED_WITHOUT_CONTRACT = (0.68, 0.68)
FEWEST_TO_MEASURE = 10
# Writers without the contract wrote two to nine negative openings each (only "writer-59",
# with ten, and "untouched-8", four writers with 23, hold enough to measure by; the four of
# "untouched-9" wrote four in all), and some wrote fewer than ten reflections without an "I".
FEW_NEGATIVE_OPENINGS = WITHOUT_CONTRACT - {UNTOUCHED_8, "writer-59"}
FEW_WITHOUT_I = {f"writer-{n}" for n in (42, 44, 46, 49, 53, 55, 58, 59, 61)}
TOO_FEW = {(split, "negative_opening") for split in FEW_NEGATIVE_OPENINGS} | {
    (split, "no_first_person") for split in FEW_WITHOUT_I
}
FLOORS = {
    UNTOUCHED: {
        "blame": (0.90, 0.97),
        "absolute": (0.88, 0.97),
        "no_first_person": (0.9, 0.97),
        "negative_opening": (0.82, 0.91),
    },
    UNTOUCHED_4: {
        "blame": (0.87, 0.84),
        "absolute": (0.84, 0.84),
        "no_first_person": (0.97, 0.97),
        "negative_opening": (0.87, 0.87),
    },
    UNTOUCHED_5: {
        "blame": (0.89, 0.81),
        "absolute": (0.90, 0.94),
        "no_first_person": (0.97, 0.97),
        "negative_opening": (0.93, 0.89),
    },
    UNTOUCHED_7: {
        "blame": (0.66, 0.63),
        "absolute": (0.69, 0.78),
        "no_first_person": (0.97, 0.97),
    },
    UNTOUCHED_8: {
        "blame": (0.71, 0.74),
        "absolute": (0.79, 0.71),
        "no_first_person": (0.97, 0.97),
        "negative_opening": (0.43, 0.59),
    },
    UNTOUCHED_9: {
        "blame": (0.76, 0.70),
        "absolute": (0.77, 0.80),
        "no_first_person": (0.95, 0.97),
    },
    "writer-33": {"blame": (0.68, 0.79), "absolute": (0.76, 0.68)},
    "writer-34": {"blame": (0.65, 0.65), "absolute": (0.76, 0.81)},
    "writer-39": {"blame": (0.74, 0.68), "absolute": (0.66, 0.82)},
    "writer-40": {"blame": (0.80, 0.72), "absolute": (0.84, 0.58)},
    "writer-59": {"negative_opening": (0.80, 0.55)},
    "tune": {"negative_opening": (0.45, 0.75)},
    "holdout": {"negative_opening": (0.45, 0.75)},
    "writer-11": {"absolute": (0.80, 0.95)},
    "writer-27": {"blame": (0.95, 0.82)},
    "writer-28": {"absolute": (0.79, 0.85)},
    "writer-29": {"absolute": (0.75, 0.95)},
    "writer-30": {"absolute": (0.83, 0.90)},
    "writer-31": {"absolute": (0.82, 0.85)},
    "writer-52": {"absolute": (0.60, 0.85)},
    "writer-54": {"absolute": (0.63, 0.85)},
    "writer-61": {"absolute": (0.65, 0.85)},
}


def floor(split: str, kind: str) -> tuple[float, float]:
    if kind in FLOORS.get(split, {}):
        return FLOORS[split][kind]
    if split in THRESHOLD_SPLITS:
        return UNTRAINED_THRESHOLD_SPLIT
    if split in WITHOUT_CONTRACT and kind in SENTENCE_KINDS:
        return TRAINED_WITHOUT_CONTRACT
    return TRAINED_OPENINGS if kind == "negative_opening" else (THRESHOLD, THRESHOLD)


# Who wrote which ids: each split is one writer's (or, for the first, one writer's reflections
# split by parity before any rule was written); the 7001 and 8001 sets' odd ids train and
# their even ids are the untouched half; four writers are untouched-4, two untouched-5, two
# untouched-7, four untouched-8 and four untouched-9.
WRITERS = {
    range(1, 1001): None,  # odd "tune", even "holdout"
    range(1001, 1261): "fresh",
    range(3001, 3251): "writer-1",
    range(4001, 4251): "writer-2",
    range(5001, 5251): "writer-3",
    range(6001, 6251): "writer-4",
    range(9001, 9251): "writer-5",
    range(9501, 9751): "writer-6",
    range(10001, 10251): "writer-7",
    range(11001, 11251): "writer-8",
    range(7001, 7221): UNTOUCHED,  # odd "tune-2", even untouched
    range(8001, 8221): UNTOUCHED,
    range(12001, 12151): "writer-9",
    range(13001, 13151): "writer-11",  # once "untouched-2", measured twice, then trained on
    range(14001, 14151): "writer-10",
    range(15001, 15151): "writer-12",  # the other half of "untouched-2"
    range(16001, 16101): "writer-13",  # measured once with the weights of before, then trained on
    range(17001, 17101): "writer-14",
    range(18001, 18101): "writer-15",
    range(19001, 19101): "writer-16",
    range(20001, 20101): "writer-17",  # once "untouched-3", measured three times, then trained on
    range(21001, 21101): "writer-18",
    range(22001, 22101): "writer-19",
    range(23001, 23101): "writer-20",
    range(24001, 24101): UNTOUCHED_4,  # four writers no training read
    range(25001, 25101): UNTOUCHED_4,
    range(26001, 26101): UNTOUCHED_4,
    range(27001, 27101): UNTOUCHED_4,
    range(28001, 28101): "writer-21",  # six writers for training only, labelled once
    range(29001, 29101): "writer-22",
    range(30001, 30101): "writer-23",
    range(31001, 31101): "writer-24",
    range(32001, 32101): "writer-25",
    range(33001, 33101): "writer-26",
    range(34001, 34101): "writer-27",  # six more writers for training only, labelled once
    range(35001, 35101): "writer-28",
    range(36001, 36101): "writer-29",
    range(37001, 37101): "writer-30",
    range(38001, 38101): "writer-31",
    range(39001, 39101): "writer-32",
    range(40001, 40101): UNTOUCHED_5,  # two writers no training read
    range(41001, 41101): UNTOUCHED_5,
    range(42001, 42101): "writer-33",  # once "untouched-6", measured once, then not trained on
    range(43001, 43101): "writer-34",
    range(44001, 44101): "writer-35",  # four writers without the contract in mind, for training
    range(45001, 45101): "writer-36",
    range(46001, 46101): "writer-37",
    range(47001, 47101): "writer-38",
    range(48001, 48101): UNTOUCHED_7,  # two more of them that no training read
    range(49001, 49101): UNTOUCHED_7,
    range(50001, 50101): "writer-39",  # ten more without the contract, labelled once:
    range(51001, 51101): "writer-40",  # these two choose thresholds, the other eight train
    range(52001, 52101): "writer-41",
    range(53001, 53101): "writer-42",
    range(54001, 54101): "writer-43",
    range(55001, 55101): "writer-44",
    range(56001, 56101): "writer-45",
    range(57001, 57101): "writer-46",
    range(58001, 58101): "writer-47",
    range(59001, 59101): "writer-48",
    range(60001, 60101): UNTOUCHED_8,  # four more of them that no training read
    range(61001, 61101): UNTOUCHED_8,
    range(62001, 62101): UNTOUCHED_8,
    range(63001, 63101): UNTOUCHED_8,
    range(64001, 64101): "writer-49",  # thirteen more without the contract, for training
    range(65001, 65101): "writer-50",
    range(66001, 66101): "writer-51",
    range(67001, 67101): "writer-52",
    range(68001, 68101): "writer-53",
    range(69001, 69101): "writer-54",
    range(70001, 70101): "writer-55",
    range(71001, 71101): "writer-56",
    range(72001, 72101): "writer-57",
    range(73001, 73101): "writer-58",
    range(74001, 74101): "writer-59",
    range(75001, 75101): "writer-60",
    range(76001, 76101): "writer-61",
    range(77001, 77101): UNTOUCHED_9,  # four more without the contract that no training read
    range(78001, 78101): UNTOUCHED_9,
    range(79001, 79101): UNTOUCHED_9,
    range(80001, 80101): UNTOUCHED_9,
}


def _split_for(item_id: int) -> str:
    for ids, split in WRITERS.items():
        if item_id in ids:
            if split is None:
                return "tune" if item_id % 2 else "holdout"
            if split == UNTOUCHED:
                return "tune-2" if item_id % 2 else UNTOUCHED
            return split
    raise AssertionError(f"id {item_id} belongs to no writer")


def test_the_split_is_fixed_by_id_and_every_kind_is_labelled():
    data = items()
    assert len({item["id"] for item in data}) == len(data)
    assert sum(item["split"] == UNTOUCHED for item in data) >= 200
    assert sum(item["split"] == UNTOUCHED_4 for item in data) >= 400
    assert sum(item["split"] == UNTOUCHED_5 for item in data) >= 200
    assert sum(item["split"] == UNTOUCHED_7 for item in data) >= 200
    assert sum(item["split"] == UNTOUCHED_8 for item in data) >= 400
    assert sum(item["split"] == UNTOUCHED_9 for item in data) >= 400
    for item in data:
        assert item["split"] == _split_for(int(item["id"])), item["id"]
        labels = item["labels"]
        assert set(labels) == set(KINDS)
        for kind in SENTENCE_KINDS:
            assert all(0 <= i < len(item["sentences"]) for i in labels[kind]), item["id"]
    measured = NEVER_TRAINED | set(THRESHOLD_SPLITS)
    for split in splits():
        half = [item for item in data if item["split"] == split]
        # A split that measures needs enough of each label to measure it by; a training
        # writer may hold fewer (writers without the contract wrote as few as ten blaming
        # sentences, or nine absolutes).
        enough = 20 if split in measured else 9
        for kind in SENTENCE_KINDS:
            assert sum(len(item["labels"][kind]) for item in half) >= enough
        for kind in set(KINDS) - set(SENTENCE_KINDS):
            labelled = sum(bool(item["labels"][kind]) for item in half)
            # An exclusion lapses as soon as there are labels enough to measure by.
            assert (labelled < FEWEST_TO_MEASURE) == ((split, kind) in TOO_FEW)


def test_every_writer_from_id_42001_on_wrote_without_the_contract_and_only_they():
    for item in items():
        assert (int(item["id"]) >= 42001) == (item["split"] in WITHOUT_CONTRACT), item["id"]


def test_the_model_never_read_the_untouched_splits_nor_those_its_thresholds_come_from():
    heads = json.loads(HEADS.read_text())
    trained_on, chosen_on = set(heads["trained_on"]), set(heads["thresholds_chosen_on"])
    assert chosen_on == set(THRESHOLD_SPLITS)
    assert not NEVER_TRAINED & (trained_on | chosen_on)
    assert not trained_on & chosen_on
    assert trained_on == set(splits()) - NEVER_TRAINED - chosen_on | {"sentence bank"}


def test_the_untouched_splits_share_only_stock_phrases_with_the_sentence_bank():
    untouched = {
        str(s).strip().lower()
        for item in items()
        if item["split"] in NEVER_TRAINED
        for s in item["sentences"]  # type: ignore[attr-defined]
    }
    banked = {str(entry["text"]).strip().lower() for entry in sentence_bank()}
    assert untouched & banked <= SHARED_WITH_TRAINING


# Sentences of the untouched splits that another split or the sentence bank also holds word
# for word: stock phrases that different writers wrote independently, and in the untouched
# half its two writers repeating themselves across their odd (trained) and even ids
# (labelling.md).
SHARED_WITH_TRAINING = frozenset(
    {
        "3",
        "again",
        "again.",
        "any questions, give me a shout.",
        "anyway.",
        "appreciate you.",
        "buy your own.",
        "cheers x",
        "cheers.",
        "coffee tomorrow?",
        "coffee's on me tomorrow.",
        "cool cool cool.",
        "cool.",
        "deal?",
        "don't laugh.",
        "even ten minutes.",
        "every time.",
        "every week.",
        "everyone saw it.",
        "fine.",
        "genuinely asking",
        "god bless you.",
        "good session today.",
        "happy anniversary.",
        "hero.",
        "hey!",
        "hey.",
        "hi mark.",
        "i hate it.",
        "i know you meant it kindly.",
        "i know you were trying to help.",
        "i love you.",
        "i owe you big time.",
        "i won't forget it.",
        "i'll always be grateful for that.",
        "i'll drive.",
        "i'll never forget that.",
        "i'm 34.",
        "i'm going to miss you so much.",
        "i'm not asking for a medal.",
        "i'm not having a go.",
        "i'm not saying no.",
        "i'm so tired.",
        "i'm sure that's a coincidence.",
        "i've attached photos.",
        "it didn't feel like one.",
        "it wasn't.",
        "it's been eight months.",
        "it's exhausting.",
        "it's not that you're doing anything wrong with the baby.",
        "just a thought.",
        "just saying.",
        "just wanted to say thank you for this week.",
        "keep going.",
        "keep it up.",
        "legend",
        "legend.",
        "love u x",
        "love you",
        "love you x",
        "love you.",
        "lovely dinner.",
        "mark",
        "miss u already",
        "mostly.",
        "nine.",
        "no arguments.",
        "no exceptions.",
        "not even a text",
        "not from you.",
        "not gonna lie that stung.",
        "not good enough",
        "otherwise all good.",
        "owe u big time",
        "please.",
        "proud of you.",
        "really appreciate it.",
        "really appreciated that",
        "really subtle.",
        "same time next sunday?",
        "same time next week?",
        "same time thursday?",
        "see you monday.",
        "see you next week.",
        "see you on the 12th.",
        "see you on the 14th.",
        "seriously.",
        "seriously?",
        "sorry about yesterday.",
        "sorry.",
        "sort it out.",
        "thank you for that.",
        "thank you for understanding.",
        "thank you sir.",
        "thank you!",
        "thank you!!",
        "thank you, genuinely.",
        "thank you, love.",
        "thank you, properly.",
        "thank you, truly.",
        "thank you.",
        "thanks for the reading list.",
        "thanks for this.",
        "thanks for your email.",
        "thanks so much",
        "thanks so much.",
        "that can't happen again.",
        "that stung.",
        "that's all.",
        "that's on me.",
        "that's the third time this month.",
        "thats all.",
        "this is not the first time.",
        "twice.",
        "u always do this",
        "ur a legend",
        "whatever",
        "why is it always me who has to ring the landlord?",
        "x",
        "you are my favourite person.",
        "you did that.",
        "you didn't deserve that.",
        "you forgot.",
        "you only say sorry when you want the argument to be over.",
        "you're a legend.",
        "you're a star.",
        "you're so tight with money it's embarrassing.",
        "your call.",
    }
)


def test_the_untouched_splits_share_no_other_sentence_with_what_trains():
    def sentences(untouched: bool) -> set[str]:
        return {
            str(s).strip().lower()
            for item in items()
            if (item["split"] in NEVER_TRAINED) == untouched
            for s in item["sentences"]  # type: ignore[attr-defined]
        }

    assert sentences(untouched=True) & sentences(untouched=False) <= SHARED_WITH_TRAINING


@cache
def evaluated(split: str) -> Evaluation:
    """Each split reviewed once for all its kinds of flag: a review is deterministic."""
    return evaluate(split)


@pytest.mark.parametrize(
    ("split", "kind"),
    [(split, kind) for split in splits() for kind in KINDS if (split, kind) not in TOO_FEW],
)
def test_precision_and_recall_reach_the_threshold_on_every_split(split, kind):
    score = evaluated(split).confusion[kind]
    precision, recall = floor(split, kind)
    assert score.precision >= precision, score
    assert score.recall >= recall, score


@pytest.mark.parametrize(("split", "kind"), sorted(TOO_FEW))
def test_too_few_to_measure_still_bound_the_false_ones(split, kind):
    """Where a writer labelled too few of a kind to measure recall by, the coach must
    still not flag it in many of the other reflections."""
    score = evaluated(split).confusion[kind]
    assert score.fp <= 0.06 * (score.fp + score.tn), score


# --- the scorer itself ----------------------------------------------------------------

AN_ITEM = {
    "id": 1,
    "split": "tune",
    "sentences": ["I love our Sunday walks.", "You never listen to me.", "what helps: a walk"],
    "labels": {"blame": [1], "absolute": [1], "no_first_person": False},
}


def test_the_reflection_is_rebuilt_as_written_and_each_sentence_found_in_it():
    text = text_of(AN_ITEM)
    assert text == "I love our Sunday walks. You never listen to me. what helps: a walk"
    assert [text[b:e] for b, e in sentence_spans(AN_ITEM)] == AN_ITEM["sentences"]
    unpunctuated = {**AN_ITEM, "sentences": ["what works: honesty", "what helps: a walk"]}
    assert text_of(unpunctuated) == "what works: honesty\nwhat helps: a walk"


def test_a_flag_counts_for_the_labelled_sentence_it_quotes():
    flags = review(text_of(AN_ITEM))
    assert flagged_sentences(AN_ITEM, flags, "blame") == {1}
    assert flagged_sentences(AN_ITEM, flags, "absolute") == {1}


def test_every_flag_quotes_words_as_they_stand_in_the_text():
    """On every labelled reflection: a flag's words are the writer's own, exactly (the
    coach straightens typographic quotes one character for one, and so does this). A
    missing "I" may have nothing to quote."""
    straighten = str.maketrans("\u2019\u2018\u02bc\u201c\u201d", "'''\"\"")
    for item in items():
        text = text_of(item).translate(straighten)
        for flag in review(text):
            assert flag.words or flag.kind == "no_first_person", (item["id"], flag)
            assert flag.suggestion
            assert flag.explanation
            for word in flag.words:
                assert word in text, (item["id"], flag.kind, word)
