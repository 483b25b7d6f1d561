"""What the coach's learned weights read in a sentence: named features, each a string.

A sentence becomes a bag of features: its words by lemma (so "dismissed" and "dismisses"
weigh the same), pairs of them, and its *shape*, the same sentence with every word
replaced by its class ("you", "I", a negative word, a sweeping word, a modal, any other
word), so that "you ignored my plan" and "you binned my draft" share most of what
matters even when one of them was never seen. Beside those, what the hand-written rules
found (``blame``) and how warm VADER reads it.

The features are shared by the coach at run time (``model``) and by the training script
(``bench/train_coach.py``); changing them means training again. The weights carry
``FEATURES_VERSION`` and a fingerprint of the features of fixed probe sentences, which a
test recomputes, so a change to the features (or to a library they read) that was not
followed by training fails.
"""

import re
from functools import lru_cache
from itertools import pairwise

import simplemma

from alliance.feedback.lexicon import (
    HARMFUL_TRAITS,
    HARMFUL_VERBS,
    HURT_FEELINGS,
    analyser,
    polarity,
)

FEATURES_VERSION = 5

# Text-message spellings and contractions written out, so that "ur", "your" and "you're"
# are read the same way.
_SPELLINGS = {
    "u": "you", "ya": "you", "yu": "you", "ur": "your", "youre": "you are", "r": "are",
    "im": "i am", "ive": "i have", "id": "i would", "ill": "i will", "dont": "do not",
    "didnt": "did not", "doesnt": "does not", "cant": "can not", "wont": "will not",
    "isnt": "is not", "wasnt": "was not", "arent": "are not", "havent": "have not",
    "thats": "that is", "theres": "there is", "whats": "what is", "nobodys": "nobody is",
    "pls": "please", "plz": "please", "tbh": "to be honest", "ngl": "not going to lie",
    "bc": "because", "cuz": "because", "coz": "because", "rn": "right now",
    "gonna": "going to", "wanna": "want to", "gotta": "got to", "kinda": "kind of",
    "everytime": "every time", "noone": "no one", "alot": "a lot",
}  # fmt: skip
_CONTRACTIONS = (
    (re.compile(r"\b(can)'t\b"), r"\1 not"),
    (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"\bshan't\b"), "shall not"),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"'re\b"), " are"),
    (re.compile(r"'ve\b"), " have"),
    (re.compile(r"'ll\b"), " will"),
    (re.compile(r"'d\b"), " would"),
    (re.compile(r"\bi'm\b"), "i am"),
    (re.compile(r"\blet's\b"), "let us"),
    (re.compile(r"\b(it|that|there|what|who|he|she|where|here|nobody|everyone)'s\b"), r"\1 is"),
)
_TOKEN = re.compile(r"[a-z]+(?:['-][a-z]+)*|[?!]")

YOU = frozenset({"you", "your", "yours", "yourself", "yourselves"})
FIRST = frozenset({"i", "me", "my", "mine", "myself"})
WE = frozenset({"we", "us", "our", "ours", "ourselves"})
THEY = frozenset({"he", "she", "they", "him", "her", "them", "his", "hers", "their", "theirs"})
SWEEPING = frozenset(
    {
        "always", "never", "every", "everything", "everyone", "everybody", "nothing",
        "nobody", "anything", "anyone", "anybody", "constantly", "forever", "ever", "all",
        "whole", "once", "continually", "endlessly", "none", "whenever", "nonstop",
        "non-stop", "anytime",
    }
)  # fmt: skip
NEGATION = frozenset({"not", "no", "nor", "without"})
MODALS = frozenset({"should", "must", "ought", "need", "have", "could", "would", "can", "will"})
# Words kept as themselves in the shape: they carry the grammar of blame and of its
# exceptions (who acts, what is asked, what is felt, what is denied).
FUNCTION = (
    YOU | FIRST | WE | THEY | SWEEPING | NEGATION | MODALS
    | frozenset(
        {
            "a", "an", "the", "this", "that", "these", "those", "it", "is", "are", "was",
            "were", "be", "been", "am", "do", "does", "did", "to", "of", "in", "on", "at",
            "for", "with", "about", "from", "by", "and", "but", "or", "so", "because", "if",
            "when", "while", "why", "how", "what", "who", "like", "as", "than", "just",
            "only", "even", "still", "again", "really", "too", "very", "make", "makes",
            "made", "feel", "feels", "felt", "let", "thanks", "thank", "please", "sorry",
            "want", "keep", "keeps", "kept", "tend", "tends", "fault", "problem", "blame",
            "stop", "?", "!", "wish", "hope", "love", "appreciate",
            "great", "brilliant", "fine", "sure", "maybe", "perhaps", "would", "mind",
            "after", "before", "until", "since", "whenever", "instead", "treat", "treats",
            "talk", "talks", "act", "acts", "seem", "seems", "think", "know", "get", "got",
        }
    )
)  # fmt: skip


def tokens(text: str) -> list[str]:
    """Lower-case words of ``text``, spellings and contractions written out."""
    text = text.lower().translate(str.maketrans("’‘\u02bc", "'''"))
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    words: list[str] = []
    for token in _TOKEN.findall(text):
        words.extend(_SPELLINGS.get(token, token).split())
    return words


@lru_cache(maxsize=50_000)
def lemma(word: str) -> str:
    if word in FUNCTION:
        return word
    return str(simplemma.lemmatize(word, lang="en")).lower()


def _by_ending(word: str) -> str:
    """A rough part of speech from the ending, which is enough to tell "you dismissed"
    (what someone did) from "you always" or "your plan": past forms, -ing forms,
    adverbs, and the rest."""
    if len(word) > 4 and word.endswith("ed"):
        return "VBD"
    if len(word) > 5 and word.endswith("ing"):
        return "VBG"
    if len(word) > 4 and word.endswith("ly"):
        return "RB"
    return "W"


@lru_cache(maxsize=50_000)
def word_class(word: str) -> str:
    """The word's class in the sentence's shape."""
    if word in YOU or word in FIRST:
        return "you" if word in YOU else "I"
    if word in WE:
        return "we"
    if word in THEY:
        return "they"
    if word in FUNCTION:
        return word
    if word in HARMFUL_TRAITS or word in HURT_FEELINGS or HARMFUL_VERBS.fullmatch(word):
        return "NEG"
    valence = _valence(word)
    if valence <= -1.0:
        return "NEG"
    if valence >= 1.0:
        return "POS"
    return _by_ending(word)


def _valence(word: str) -> float:
    lexicon = analyser().lexicon
    return float(lexicon.get(word, lexicon.get(lemma(word), 0.0)))


def _buckets(name: str, value: float) -> list[str]:
    if value <= -0.5:
        return [f"{name}:very-negative", f"{name}:negative"]
    if value <= -0.05:
        return [f"{name}:negative"]
    if value >= 0.5:
        return [f"{name}:very-positive", f"{name}:positive"]
    if value >= 0.05:
        return [f"{name}:positive"]
    return [f"{name}:neutral"]


def sentence_features(sentence: str, rule_forms: list[str], previous: str = "") -> list[str]:
    """The features of one sentence. ``rule_forms`` are the blame forms the hand-written
    rules found in it; ``previous`` is the sentence before (an accusation can run on into
    "and that's not fair")."""
    words = tokens(sentence)
    lemmas = [lemma(w) for w in words]
    shape = [word_class(w) for w in words]
    found = [f"w:{x}" for x in lemmas]
    padded = ["<s>", *lemmas, "</s>"]
    found += [f"ww:{a}_{b}" for a, b in pairwise(padded)]
    outline = ["<s>", *shape, "</s>"]
    for size in (2, 3, 4):
        found += ["s:" + "_".join(outline[i : i + size]) for i in range(len(outline) - size + 1)]
    found += _reader_features(words, lemmas, shape)
    for i, word in enumerate(words):
        if word in YOU:
            found += [f"you+{k}:{lemmas[i + k]}" for k in (1, 2, 3) if i + k < len(words)]
            found += [f"you-1:{lemmas[i - 1]}"] if i else ["you-1:<s>"]
    found += _clause_features(words, shape)
    found += [f"rule:{form}" for form in rule_forms] or ["rule:none"]
    found += _buckets("vader", polarity(sentence))
    found.append("has-you" if YOU & set(words) else "no-you")
    found.append("has-I" if FIRST & set(words) else "no-I")
    found.append("has-sweeping" if SWEEPING & set(words) else "no-sweeping")
    if previous:
        before = tokens(previous)
        found.append("prev:has-you" if YOU & set(before) else "prev:no-you")
        found += _buckets("prev-vader", polarity(previous))
    else:
        found.append("prev:none")
    found.append("bias")
    return found


_AUXILIARY = frozenset(
    {
        "are", "were", "was", "is", "be", "been", "being", "have", "has", "had", "do", "does",
        "did", "not", "just", "really", "always", "never", "keep", "keeps", "kept", "tend",
        "tends", "to", "still", "even", "only", "so", "too", "very", "constantly", "also",
        "again", "actually", "literally", "basically", "clearly", "seem", "seems", "seemed",
        "will", "would", "can", "could", "should", "must", "might", "all", "both", "guys",
    }
)  # fmt: skip


def _reader_features(words: list[str], lemmas: list[str], shape: list[str]) -> list[str]:
    """What the reader does or is, and what of theirs is talked about: the first word
    after "you" past the auxiliaries ("keep", "always", "are"), the word after "your"
    past an article-like word."""
    found = []
    for i, word in enumerate(words):
        if word == "you":
            following = [
                j for j in range(i + 1, min(i + 6, len(words))) if words[j] not in _AUXILIARY
            ]
            if following and shape[following[0]] not in ("you", "I", "we", "they"):
                found.append(f"you-do:{lemmas[following[0]]}")
        elif word == "your" and i + 1 < len(words):
            j = i + 2 if words[i + 1] in _AUXILIARY and i + 2 < len(words) else i + 1
            found.append(f"your-thing:{lemmas[j]}")
    return found


_CLAUSE_WORDS = frozenset(
    {
        "but",
        "because",
        "when",
        "while",
        "and",
        "so",
        "although",
        "if",
        "since",
        "until",
        "after",
        "before",
        "whenever",
    }
)


def _clause_features(words: list[str], shape: list[str]) -> list[str]:
    """Who each clause is about and how it reads: "you" with a negative word, "I" with
    one, either negated. A clause starts at a conjunction; its subject is its first
    person word."""
    found = []
    clauses: list[list[tuple[str, str]]] = [[]]
    for word, cls in zip(words, shape, strict=True):
        if word in _CLAUSE_WORDS and clauses[-1]:
            clauses.append([])
        clauses[-1].append((word, cls))
    for index, clause in enumerate(c for c in clauses if c):
        classes = [cls for _, cls in clause]
        subject = next((c for c in classes if c in ("you", "I", "we", "they")), "none")
        tone = "NEG" if "NEG" in classes else "POS" if "POS" in classes else "flat"
        negated = any(w in NEGATION or w == "never" for w, _ in clause)
        opener = clause[0][0] if clause[0][0] in _CLAUSE_WORDS else "-"
        found.append(f"c:{subject}:{tone}")
        found.append(f"c:{subject}:{tone}:{'not' if negated else 'yes'}")
        found.append(f"c:{opener}:{subject}:{tone}")
        if index == 0:
            found.append(f"c0:{subject}:{tone}")
    return found


# Steps of probability: features "above 0.5", "above 0.7", ... let the linear weights
# draw a threshold, and their pairs an "and" of the first sentence and the rest.
_STEPS = (0.3, 0.5, 0.7, 0.9)


def _level(name: str, probability: float) -> str:
    return f"{name}:{'high' if probability >= 0.7 else 'mid' if probability >= 0.4 else 'low'}"


def opening_features(
    sentences: list[list[str]], blame: list[float], absolute: list[float], negative: list[float]
) -> list[str]:
    """The features of a whole reflection for the negative opening: its first sentence's
    own, and what the rest holds (how likely each later sentence blames or sweeps, how
    warm VADER reads it, its shape). ``blame`` and ``absolute`` are the probabilities the
    sentence models gave, one per sentence."""
    first, rest = sentences[0], sentences[1:]
    found = [f"F:{f}" for f in first if not f.startswith(("ww:", "you+", "you-", "prev"))]
    found += [_level("F:blame", blame[0]), _level("F:absolute", absolute[0])]
    found.append(_level("F:negative", negative[0]))
    found += [f"F:negative>{step}" for step in _STEPS if negative[0] > step]
    if rest:
        found += [_level("R:blame", max(blame[1:])), _level("R:absolute", max(absolute[1:]))]
        found += [_level("R2:blame", blame[1]), _level("R2:absolute", absolute[1])]
        found += [_level("R:negative", max(negative[1:])), _level("R2:negative", negative[1])]
        calmest = max(max(negative[1:]), max(blame[1:]))
        found += [f"R:negative<{step}" for step in _STEPS if calmest < step]
        found += [
            f"F>{first}&R<{rest}"
            for first in _STEPS
            for rest in _STEPS
            if negative[0] > first and calmest < rest
        ]
        later = {
            f"R:{f}"
            for features in rest
            for f in features
            if f.startswith(("vader:", "rule:", "has-", "no-"))
            or (f.startswith("s:") and f.count("_") == 1)
        }
        found += sorted(later)
        found += [f"R2:{f}" for f in rest[0] if f.startswith(("vader:", "w:"))]
    found.append(f"sentences:{min(len(sentences), 5)}")
    found.append("bias")
    return found
