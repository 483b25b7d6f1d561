"""The feedback coach: reads a written reflection and points out what may land badly.

Four kinds of flag, each found by rules a person can read and argue with:

- ``blame``: a sentence that puts the fault on the other person ("you never ...",
  "your fault", "because of you"). The suggestion is an "I"-statement built from it.
- ``absolute``: always, never, everyone, nothing, ... used as a sweeping claim.
- ``no_first_person``: the whole text speaks without "I", "me" or "my".
- ``negative_opening``: a clearly negative first sentence before otherwise positive text.

Decisions worth knowing (each is a rule below, with its reason):

- A clause that is clearly positive is never blamed and its absolutes are left alone:
  "you always make me laugh" is appreciation, not an accusation.
- Schedules are rhythms, not absolutes: "every Tuesday", "every two weeks", "every
  session". "Every time" and "every single" stay absolutes.
- A promise is not a generalisation: "I will never again ...", "I'll always tell you".
- Negated blame is not blame: "it's not your fault".
- Only "you" is blamed; "he never ..." is still caught as an absolute.
- Texts under four words are too short to judge for missing "I".

The coach is pure: no database, no network, and it never raises on any string. Very long
texts are cut to their first ``MAX_CHARS`` characters, since a reflection is short and
the analyser's cost grows with the text.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

BLAME = "blame"
ABSOLUTE = "absolute"
NO_FIRST_PERSON = "no_first_person"
NEGATIVE_OPENING = "negative_opening"
KINDS = (BLAME, ABSOLUTE, NO_FIRST_PERSON, NEGATIVE_OPENING)

# What the kinds are called in front of people. What the coach says is translated; the
# sentences it reads, and the I-statements it rebuilds from them, stay English.
LABELS = {
    BLAME: gettext_lazy("Blame"),
    ABSOLUTE: gettext_lazy("Absolute"),
    NO_FIRST_PERSON: gettext_lazy("No “I”"),
    NEGATIVE_OPENING: gettext_lazy("Negative opening"),
}

MAX_CHARS = 10_000
MAX_SENTENCES = 200
MIN_WORDS_FOR_FIRST_PERSON = 4

# VADER's compound score runs from -1 to 1; these are where "clearly" begins. One mildly
# positive word ("support" in "support tickets") scores about 0.4, hence 0.45.
POSITIVE_AT = 0.45
NEGATIVE_AT = -0.25
POSITIVE_REST_AT = 0.5


@dataclass(frozen=True)
class Flag:
    """One thing the coach noticed. ``words`` are quoted exactly as written."""

    kind: str
    words: list[str]
    suggestion: str
    explanation: str = ""
    sentence: str = ""

    @property
    def label(self) -> str:
        return str(LABELS.get(self.kind, self.kind))

    def as_dict(self, *, explain: bool = True) -> dict[str, object]:
        """The flag for JSON. Without ``explain``: exactly kind, words and suggestion."""
        data: dict[str, object] = {
            "kind": self.kind,
            "words": list(self.words),
            "suggestion": self.suggestion,
        }
        if explain:
            data["explanation"] = self.explanation
            data["label"] = self.label
        return data


def review(text: str) -> list[Flag]:
    """Every flag for ``text``, in the order blame, absolute, no_first_person,
    negative_opening (sentence order within a kind). Never raises."""
    if not isinstance(text, str):
        return []
    text = _normalise(text[:MAX_CHARS])
    sentences = split_sentences(text)
    if not sentences:
        return []
    flags = [flag for sentence in sentences if (flag := _blame_flag(sentence))]
    flags += [flag for sentence in sentences if (flag := _absolute_flag(sentence))]
    for check in (_no_first_person_flag, _negative_opening_flag):
        if (found := check(text, sentences)) is not None:
            flags.append(found)
    return flags


# --- text handling --------------------------------------------------------------------


def _normalise(text: str) -> str:
    """Typographic apostrophes become plain ones, one character for one, so every rule
    sees "I'm" the same way and quoted words keep their places."""
    return text.replace("\u2019", "'").replace("\u2018", "'").replace("\u02bc", "'")


_SENTENCE_END = re.compile(r"(?<=[.!?\u2026])\s+|\s*\n+\s*")
_CLAUSE_BREAK = re.compile(r"[,;:\u2013\u2014()]|\b(?:but|though|although|however|yet)\b", re.I)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def split_sentences(text: str) -> list[str]:
    """Sentences, trimmed, empty ones dropped; at most ``MAX_SENTENCES``."""
    parts = (part.strip() for part in _SENTENCE_END.split(text))
    return [part for part in parts if part][:MAX_SENTENCES]


def _clause_around(sentence: str, start: int) -> str:
    """The clause of ``sentence`` that holds position ``start``: sentiment is judged on
    it, so "you did great, but you always ..." is read as the second half."""
    begin = 0
    for brk in _CLAUSE_BREAK.finditer(sentence):
        if brk.end() <= start:
            begin = brk.end()
        elif brk.start() > start:
            return sentence[begin : brk.start()]
    return sentence[begin:]


# --- sentiment ------------------------------------------------------------------------


@cache
def _analyser() -> SentimentIntensityAnalyzer:
    """Built on first use: loading the lexicon takes a moment and many processes never
    review anything."""
    return SentimentIntensityAnalyzer()


# VADER reads "like" as praise; in "I'd like" or "I feel like" it is a request or a hedge.
_LIKE_NOT_PRAISE = re.compile(
    r"\b(?:i'd|would|should|feels?|felt|seems?|seemed|looks?|sounds?)\s+like\b", re.I
)


def compound(text: str) -> float:
    """VADER's compound score of ``text``, -1 (negative) to 1 (positive)."""
    text = _LIKE_NOT_PRAISE.sub(" ", text)
    if not text.strip():
        return 0.0
    return float(_analyser().polarity_scores(text)["compound"])


# VADER misses words that matter in reflections ("rough", "hard", "heard"); these lists
# fill the gap and keep the judgement explainable.
_NEGATIVE_CUES = re.compile(
    r"\b(?:rough|hard|frustrat\w*|disappoint\w*|upset|hurt|angry|anger|worried|worry|"
    r"awful|tense|tired of|fed up|sorry|stuck|lost|lonely|alone|struggl\w*|exhaust\w*|"
    r"hate|miss(?:ed)?|annoy\w*|resent\w*|unfair|ignored)\b",
    re.I,
)
_POSITIVE_CUES = re.compile(
    r"\b(?:heard|understood|supported|seen|safe|welcome|grateful|gratitude|thank\w*|"
    r"appreciat\w*|love|enjoy\w*|glad|proud|treasure|adore)\b",
    re.I,
)


def is_positive(clause: str) -> bool:
    """Clearly positive: VADER says so, or a positive cue with no negative one."""
    if _NEGATIVE_CUES.search(clause):
        return compound(clause) >= POSITIVE_AT + 0.2
    return compound(clause) >= POSITIVE_AT or bool(_POSITIVE_CUES.search(clause))


def is_negative(sentence: str) -> bool:
    """Clearly negative: VADER says so, it blames, or a negative cue is there without a
    positive one ("I love that we laugh, even on hard days" is not negative)."""
    if compound(sentence) <= NEGATIVE_AT or _blame_matches(sentence):
        return True
    return bool(_NEGATIVE_CUES.search(sentence)) and not _POSITIVE_CUES.search(sentence)


# --- blame ----------------------------------------------------------------------------

_BLAME_PATTERNS = [
    re.compile(p, re.I)
    for p in (
        r"\byou(?:'re| are| were)?\s+(?:always|never|constantly|forever)\b",
        r"\byou\s+(?:make|made)\s+me\b",
        r"\byour\s+fault\b",
        r"\bbecause\s+of\s+you\b",
        r"\byou\s+(?:don't|didn't|can't|won't|do\s+not|did\s+not|cannot)\s+even\b",
        r"\byou\s+keep\s+(?:on\s+)?\w+ing\b",
        r"\byou\s+should(?:'ve|\s+have)\b",
        r"\byou\s+only\s+care\b",
        r"\byou(?:'re|\s+are)\s+(?:so|such\s+an?)\s+\w+",
        r"\byou\s+(?:\w+ly\s+)?(?:forgot|ignored?|ruin(?:ed)?|dismissed?|blamed?)\b",
    )
]
# Reassurance uses the same words as blame: "you never need to apologise".
_REASSURANCE = re.compile(r"\byou\s+never\s+(?:need|have)\s+to\b", re.I)
_NEGATION_BEFORE = re.compile(r"(?:\b(?:not|none|no)\b|n't)\W+(?:\w+\W+){0,3}$", re.I)


def _blame_matches(sentence: str) -> list[re.Match[str]]:
    """Blaming phrases in ``sentence`` that are not negated, reassuring or praise."""
    found = []
    for pattern in _BLAME_PATTERNS:
        for match in pattern.finditer(sentence):
            before = sentence[: match.start()]
            if _NEGATION_BEFORE.search(before) or _REASSURANCE.match(sentence, match.start()):
                continue
            if _makes_me_feel_good(sentence, match) or is_positive(
                _clause_around(sentence, match.start())
            ):
                continue
            found.append(match)
    return sorted(found, key=lambda m: m.start())


_MAKE_ME_FEEL = re.compile(r"\byou\s+(?:make|made)\s+me\s+(?:feel\s+)?(\w+)", re.I)


def _makes_me_feel_good(sentence: str, match: re.Match[str]) -> bool:
    """ "You make me feel safe ..." is thanks, whatever the rest of the sentence says."""
    felt = _MAKE_ME_FEEL.match(sentence, match.start())
    if not felt:
        return False
    word = felt.group(1)
    return bool(_POSITIVE_CUES.fullmatch(word)) or compound(word) >= POSITIVE_AT


def _blame_flag(sentence: str) -> Flag | None:
    matches = _blame_matches(sentence)
    if not matches:
        return None
    return Flag(
        kind=BLAME,
        words=_unique(m.group(0) for m in matches),
        suggestion=_("Try an I-statement: “%(statement)s”") % {"statement": reframe(sentence)},
        explanation=_(
            "This sentence puts the fault on the other person, who will likely defend "
            "themselves rather than hear you. Saying what you feel and what you need "
            "invites them in."
        ),
        sentence=sentence,
    )


_FEELINGS = [
    (r"listen|hear|interrupt|dismiss|ignor|talk over", "unheard"),
    (r"\bread\b|\bask|notice|thank|appreciat", "overlooked"),
    (r"repl|call|text|message|answer|phone|email", "disconnected"),
    (r"forg[eo]t|birthday|\blate\b|cancel", "unimportant"),
    (r"\btold\b|\btell\b|inform|found out|without (?:asking|telling)", "left out"),
    (r"chang|priorit|decid|plan", "caught off guard"),
    (r"dishes|clean|redo|report|work|help|chores", "overloaded"),
    (r"care", "uncared for"),
]
_PAST_IRREGULAR = frozenset(
    {
        "did", "made", "said", "told", "came", "took", "gave", "heard", "thought", "got",
        "went", "left", "forgot", "let", "saw", "knew", "sent", "read", "brought", "kept",
    }
)  # fmt: skip
_ABSOLUTE_ADVERBS = re.compile(
    r"\b(?:always|never|constantly|forever|totally|completely|even|just|so|anymore|ever)\b\s*",
    re.I,
)
_CLAUSE_END = re.compile(r"[,;:.!?]|\s(?:and|but|because|so)\s", re.I)


def _feeling_for(sentence: str) -> str:
    lowered = sentence.lower()
    for pattern, feeling in _FEELINGS:
        if re.search(pattern, lowered):
            return feeling
    return "frustrated"


def _action_after(sentence: str, end: int) -> str:
    """The words after a trigger, up to the end of the clause, without absolutes."""
    rest = sentence[end:]
    if cut := _CLAUSE_END.search(rest):
        rest = rest[: cut.start()]
    rest = re.sub(r"\bevery\s+time\b", "when", rest, flags=re.I)
    words = _ABSOLUTE_ADVERBS.sub("", rest.strip() + " ").split()
    return " ".join(words[:12])


def _is_past(action: str) -> bool:
    first = action.split()[0].lower() if action.split() else ""
    return first.endswith("ed") or first in _PAST_IRREGULAR


def reframe(sentence: str) -> str:
    """An "I"-statement built from a blaming sentence: the feeling, the situation without
    absolutes, and room for what the writer needs. The "…" are left for the writer: only
    they know the need, and a filled-in guess would put words in their mouth."""
    sentence = _normalise(sentence).strip()
    feeling = _feeling_for(sentence)
    builders = (_reframe_make_me, _reframe_never, _reframe_should, _reframe_doing, _reframe_did)
    for builder in builders:
        if (built := builder(sentence, feeling)) is not None:
            return built
    return _reframe_fault(sentence, feeling)


def _reframe_make_me(sentence: str, feeling: str) -> str | None:
    match = re.search(r"\byou\s+(?:\w+\s+)?(?:make|made)\s+me\s+(?:feel\s+)?", sentence, re.I)
    if not match:
        return None
    felt = _action_after(sentence, match.end()) or feeling
    tense = "felt" if "made" in match.group(0).lower() else "feel"
    situation = "" if " when " in f" {felt} " else " when \u2026"
    return f"I {tense} {felt}{situation}; what I need is \u2026"


def _reframe_never(sentence: str, feeling: str) -> str | None:
    match = re.search(
        r"\byou(?P<be>'re| are| were)?\s+(?:never|(?P<neg>don't|didn't|can't|do not|did not)"
        r"\s+even)\s+",
        sentence,
        re.I,
    )
    if not match:
        return None
    action = _action_after(sentence, match.end())
    if not action:
        return f"I feel {feeling} when \u2026; what I need is \u2026"
    if match.group("be"):
        return f"I feel {feeling} when you aren't {action}; what I need is \u2026"
    negation = (match.group("neg") or "").lower()
    if negation.startswith("did") or (not negation and _is_past(action)):
        if not negation:
            return f"I felt {feeling} when that didn't happen; what I needed was \u2026"
        return f"I felt {feeling} when you didn't {action}; what I needed was \u2026"
    need = action.split(" when ")[0]
    return f"I feel {feeling} when you don't {action}; what I need is for you to {need} \u2026"


def _reframe_should(sentence: str, feeling: str) -> str | None:
    match = re.search(r"\byou\s+should(?:'ve|\s+have)\s+", sentence, re.I)
    if not match:
        return None
    action = _action_after(sentence, match.end())
    return f"I felt {feeling} when you hadn't {action}; what I need next time is \u2026"


def _reframe_doing(sentence: str, feeling: str) -> str | None:
    match = re.search(
        r"\byou(?P<be>'re| are)?\s+(?:always|constantly|forever|keep\s+(?:on\s+)?(?=\w+ing))\s*",
        sentence,
        re.I,
    )
    if not match:
        return None
    action = _action_after(sentence, match.end())
    if "keep" in match.group(0).lower():
        return f"I feel {feeling} when you're {action}; what I need is \u2026"
    verb = "you're" if match.group("be") else "you"
    return f"I feel {feeling} when {verb} {action}; what I need is \u2026"


def _reframe_did(sentence: str, feeling: str) -> str | None:
    match = re.search(
        r"\byou\s+(?:\w+ly\s+)?(?P<verb>forgot|ignored|ruined|dismissed|blamed)\s*", sentence, re.I
    )
    if not match:
        return None
    what = f"{match.group('verb')} {_action_after(sentence, match.end())}".strip()
    return f"I felt {feeling} when you {what}; what I needed was \u2026"


def _reframe_fault(sentence: str, feeling: str) -> str:
    """Fault and "because of you": keep what happened, drop who is to blame."""
    match = re.search(r"\b(?:your\s+fault(?:\s+that)?|because\s+of\s+you)\s*,?\s*", sentence, re.I)
    what = _action_after(sentence, match.end()) if match else ""
    if what:
        return f"I feel {feeling} that {what}; what I need is \u2026"
    return f"I feel {feeling} when \u2026; what I need is \u2026"


# --- absolutes ------------------------------------------------------------------------

_ABSOLUTES = re.compile(
    r"\b(?:all\s+the\s+time|every\s*(?:thing|one|body)\b|every\s+(?:single\s+)?time\b|"
    r"every\s+single\b|every\b|always|never|nothing|nobody|no[\s-]one|constantly|"
    r"completely|totally|forever)\b",
    re.I,
)
_SCHEDULE_AFTER = re.compile(
    r"\s+(?:(?:other|second|third|fourth|few|couple\s+of|\d+|one|two|three|four|five|six|"
    r"seven|eight|nine|ten|twelve)\s+)?"
    r"(?:days?|weeks?|fortnights?|months?|quarters?|years?|mornings?|afternoons?|evenings?|"
    r"nights?|weekends?|weekdays?|(?:mon|tues|wednes|thurs|fri|satur|sun)days?|sessions?|"
    r"meetings?|calls?|sprints?|hours?|minutes?)\b",
    re.I,
)
_PROMISE_BEFORE = re.compile(
    r"\b(?:i|we)(?:'ll|\s+will|\s+shall|\s+promise(?:\s+to)?|\s+want\s+to|\s+intend\s+to)\s+$",
    re.I,
)
# "You never need to apologise" reassures; it does not generalise.
_REASSURANCE_AFTER = re.compile(r"\s+(?:need|have)\s+to\b", re.I)
_IDIOM_AFTER = re.compile(r"\s+(?:mind|thought|expected|imagined|been\s+happier)\b", re.I)


def _absolute_matches(sentence: str) -> list[re.Match[str]]:
    """Sweeping words in ``sentence`` that are not a schedule, a promise, an idiom or
    part of clear praise."""
    found = []
    for match in _ABSOLUTES.finditer(sentence):
        word = match.group(0).lower()
        after = sentence[match.end() :]
        if word == "every" and _SCHEDULE_AFTER.match(after):
            continue
        if word == "never" and (_IDIOM_AFTER.match(after) or _REASSURANCE_AFTER.match(after)):
            continue
        if _PROMISE_BEFORE.search(sentence[: match.start()]):
            continue
        if _is_praise_around(sentence, match):
            continue
        found.append(match)
    return found


_NEGATING_ABSOLUTES = frozenset({"never", "nothing", "nobody", "no one", "no-one"})


def _is_praise_around(sentence: str, match: re.Match[str]) -> bool:
    """VADER does not read "nobody" or "nothing" as negation ("nobody cares" scores as
    warm), so after those only our own positive cues count as praise."""
    clause = _clause_around(sentence, match.start())
    if re.sub(r"\s+", " ", match.group(0).lower()) in _NEGATING_ABSOLUTES:
        return bool(_POSITIVE_CUES.search(clause)) and not _NEGATIVE_CUES.search(clause)
    return is_positive(clause)


def _absolute_flag(sentence: str) -> Flag | None:
    matches = _absolute_matches(sentence)
    if not matches:
        return None
    words = _unique(m.group(0) for m in matches)
    quoted = ", ".join(f"\u201c{w}\u201d" for w in words)
    return Flag(
        kind=ABSOLUTE,
        words=words,
        suggestion=_("Swap %(words)s for %(alternative)s.")
        % {"words": quoted, "alternative": _concrete_alternative(words[0])},
        explanation=_(
            "Absolutes are rarely literally true, so the other person can argue with the "
            "exception instead of hearing the point. A concrete example is harder to dismiss."
        ),
        sentence=sentence,
    )


def _concrete_alternative(word: str) -> str:
    """What to say instead depends on what the absolute sweeps over: people, things,
    degree or frequency."""
    word = word.lower()
    if word.startswith(("everyone", "everybody", "nobody", "no one", "no-one")):
        return _("who exactly, such as “two people on the team”")
    if word in ("everything", "nothing") or word in ("every", "every single"):
        return _("which ones, such as “the last two proposals”")
    if word in ("completely", "totally"):
        return _("how much, such as “more than I can manage”")
    return _("how often it happened, such as “twice this month”")


# --- first person ---------------------------------------------------------------------

_FIRST_PERSON = re.compile(r"\b(?:i|me|my|mine|myself)\b", re.I)
_OTHER_VOICES = re.compile(r"\b(?:we|us|our|ours|you|your|yours)\b", re.I)


def _no_first_person_flag(text: str, sentences: list[str]) -> Flag | None:
    """Contractions need no special case: the apostrophe ends the word, so "I'm",
    "I've", "I'd" and "I'll" all start with the word "I"."""
    if len(_WORD.findall(text)) < MIN_WORDS_FOR_FIRST_PERSON or _FIRST_PERSON.search(text):
        return None
    return Flag(
        kind=NO_FIRST_PERSON,
        words=_unique(m.group(0) for m in _OTHER_VOICES.finditer(text))[:5],
        suggestion=_("Say it from where you stand: “I notice …”, “I’d like …”, “for me …”."),  # noqa: RUF001 (a typographic apostrophe)
        explanation=_(
            "Without “I”, the text speaks for everyone or about the other person. "
            "Your own perspective is what the others cannot know without you."
        ),
    )


# --- negative opening -----------------------------------------------------------------


def _negative_opening_flag(text: str, sentences: list[str]) -> Flag | None:
    """The opening sets the tone of what follows; only flagged when the rest is positive,
    because a text that is hard all the way through has no bright side to lead with."""
    if len(sentences) < 2:
        return None
    first, rest = sentences[0], " ".join(sentences[1:])
    if not is_negative(first) or compound(rest) < POSITIVE_REST_AT:
        return None
    cues = [m.group(0) for m in _NEGATIVE_CUES.finditer(first)]
    cues += [m.group(0) for m in _blame_matches(first)]
    return Flag(
        kind=NEGATIVE_OPENING,
        words=_unique(cues) or [first],
        suggestion=_("Open with what works, for instance “%(opening)s”, then say what is hard.")
        % {"opening": _shorten(sentences[1])},
        explanation=_(
            "Most of what you wrote is warm, but it starts with the hard part. Leading with "
            "what works helps the other person read the rest with an open mind."
        ),
        sentence=first,
    )


# --- helpers --------------------------------------------------------------------------


def _unique(words: Iterable[str]) -> list[str]:
    """Each word once, first spelling kept, case ignored."""
    seen: dict[str, str] = {}
    for word in words:
        seen.setdefault(word.lower(), word)
    return list(seen.values())


_LINKING_WORD = re.compile(r"^(?:but|still|overall|though|however|and)\b[,\s]*", re.I)


def _shorten(sentence: str, limit: int = 80) -> str:
    """A sentence fit for quoting in a suggestion: no leading "but", not too long."""
    sentence = _LINKING_WORD.sub("", sentence)
    sentence = sentence[:1].upper() + sentence[1:]
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "\u2026"
