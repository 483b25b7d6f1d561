"""The feedback coach: reads a written reflection and points out what may land badly.

Four kinds of flag, each quoting the words it is about and saying why:

- ``blame``: a sentence that makes the reader the doer or owner of a wrong, or gives
  them a bad trait. The suggestion is an "I"-statement built from it.
- ``absolute``: always, never, everyone, nothing, ... used as a sweeping complaint.
- ``no_first_person``: the whole text speaks without "I", "me" or "my".
- ``negative_opening``: a clearly negative first sentence before warm or constructive
  text.

The definitions are the labelling contract of the evaluation (tests/feedback/). Blame,
absolute and the negative opening are decided by a small language model fine-tuned on
reflections labelled by that contract (``reading``), which reads what a sentence means
rather than which words it holds. The hand-written rules of ``blame`` and this module
choose the words quoted and the explanation: the form of blame, the sweeping words an
absolute quotes. No first person is a rule. The coach is measured on reflections written
and labelled by people who never saw it (`bench/coach_eval.py`).

The coach is pure: no database, no network, and it never raises on any string. Very long
texts are cut to their first ``MAX_CHARS`` characters, since a reflection is short and
the cost grows with the text.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance.feedback import blame as blaming
from alliance.feedback.blame import Blame, blames, predicate_after
from alliance.feedback.lexicon import polarity, valence
from alliance.feedback.reading import model, read_meaning
from alliance.feedback.reframe import reframe

__all__ = ["KINDS", "Flag", "ReadSentence", "read", "reframe", "review", "split_sentences"]

BLAME = "blame"
ABSOLUTE = "absolute"
NO_FIRST_PERSON = "no_first_person"
NEGATIVE_OPENING = "negative_opening"
KINDS = (BLAME, ABSOLUTE, NO_FIRST_PERSON, NEGATIVE_OPENING)

# What the kinds are called in front of people.
LABELS = {
    BLAME: gettext_lazy("Blame"),
    ABSOLUTE: gettext_lazy("Absolute"),
    NO_FIRST_PERSON: gettext_lazy("No “I”"),
    NEGATIVE_OPENING: gettext_lazy("Negative opening"),
}

MAX_CHARS = 10_000
MAX_SENTENCES = 200
# Rules read at most this much of one sentence: real sentences are far shorter, and the
# cost of reading one grows faster than its length.
MAX_SENTENCE_CHARS = 400
MIN_WORDS_FOR_FIRST_PERSON = 4


@dataclass(frozen=True)
class Flag:
    """One thing the coach noticed. ``words`` are quoted exactly as written; ``sentence``
    is the sentence they are in (the whole text for a flag about the whole text)."""

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


@dataclass
class ReadSentence:
    """One sentence as the coach reads it: what the hand-written rules found in it and
    the sweeping words an absolute flag could quote."""

    text: str
    blames: list[Blame]
    sweeping: list[re.Match[str]]


def review(text: str) -> list[Flag]:
    """Every flag for ``text``, in the order blame, absolute, no_first_person,
    negative_opening (sentence order within a kind). Never raises."""
    if not isinstance(text, str):
        return []
    text = _normalise(text[:MAX_CHARS])
    sentences = read(split_sentences(text))
    if not sentences:
        return []
    meaning = read_meaning([s.text[:MAX_SENTENCE_CHARS] for s in sentences])
    thresholds = model().thresholds
    flags = [
        _blame_flag(s)
        for s, chance in zip(sentences, meaning.blame, strict=True)
        if chance >= thresholds[BLAME]
    ]
    flags += [
        _absolute_flag(s)
        for s, chance in zip(sentences, meaning.absolute, strict=True)
        if s.sweeping and chance >= thresholds[ABSOLUTE]
    ]
    if (found := _no_first_person_flag(text, sentences)) is not None:
        flags.append(found)
    opening = meaning.negative_opening
    if opening is not None and opening >= thresholds[NEGATIVE_OPENING] and _moves(sentences):
        flags.append(_negative_opening_flag(sentences))
    return flags


def read(texts: list[str]) -> list[ReadSentence]:
    """Each sentence with what the rules find in it; blame reads the sentence before
    ("That's not fair to me" after an accusation; sarcasm that runs on)."""
    found: list[ReadSentence] = []
    for text in texts:
        before = found[-1] if found else None
        head = text[:MAX_SENTENCE_CHARS]
        blamed = blames(
            head,
            after_blame=bool(before and before.blames),
            after_sarcasm=bool(before and any(b.form == blaming.SARCASM for b in before.blames)),
        )
        sweeping = [m for m in _SWEEPING.finditer(head) if not _is_planned_rhythm(head, m)]
        found.append(ReadSentence(text, blamed, sweeping))
    return found


# --- text handling --------------------------------------------------------------------

_TYPOGRAPHIC = str.maketrans("’‘\u02bc“”", "'''\"\"")


def _normalise(text: str) -> str:
    """Typographic quotes become plain ones, one character for one, so every rule sees
    "I'm" the same way and quoted words keep their places. NUL and other control
    characters become spaces, and a lone surrogate (half of a character, which no text
    encoding can hold) the replacement character."""
    text = text.translate(_TYPOGRAPHIC)
    text = re.sub(r"[\ud800-\udfff]", "\ufffd", text)
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", " ", text)


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+|\s*\n+\s*")
_ABBREVIATION = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|vs|etc|e\.g|i\.e|approx)\.$", re.I)


def split_sentences(text: str) -> list[str]:
    """Sentences, trimmed, empty ones dropped; at most ``MAX_SENTENCES``. A full stop
    after "Mr" or "e.g" does not end one."""
    sentences: list[str] = []
    joined = False
    for part in _SENTENCE_END.split(text):
        part = part.strip()
        if not part:
            continue
        if joined and sentences:
            sentences[-1] = f"{sentences[-1]} {part}"
        else:
            sentences.append(part)
        joined = bool(_ABBREVIATION.search(part))
        if len(sentences) > MAX_SENTENCES:
            break
    return sentences[:MAX_SENTENCES]


_CLAUSE_BREAK = re.compile(
    r"[,;:\u2013—()]|\b(?:but|though|although|however|yet|because|and\s+I|and\s+we)\b",
    re.I,
)
# Where a sentence turns from one thing to another ("I hoped ..., but ..."), and not the
# same words that turn nothing: "nothing but", "but also", "I'd love, though, to ...",
# "however I can", "yet again", "not yet"; "not only ... but" is left to ``_side_of``.
_TURN = re.compile(
    r"(?<!\bnothing\s)(?<!\banything\s)(?<!\ball\s)\bbut\b(?!\s+(?:also|for)\b)"
    r"|\bthough\b(?!\s*,)|\balthough\b"
    r"|\bhowever\b(?!\s+(?:much|many|long|often|hard|late|busy|I|we|you|it|they)\b)"
    r"|(?<!\bnot\s)(?<!n't\s)\byet\b(?!\s+(?:again|another|more)\b|\s*[.!?]?$)",
    re.I,
)
_NOT_ONLY = re.compile(r"\bnot\s+(?:only|just|merely|simply)\b", re.I)


def _side_of(sentence: str, match: re.Match[str]) -> str:
    """``sentence`` blanked outside the side of its "but" (or "though", "yet", ...) that
    holds ``match``, positions kept: "I wish it were different, but every weekend you ..."
    turns from a wish to a complaint, and the wish says nothing of the complaint."""
    begin, end = 0, len(sentence)
    for turn in _TURN.finditer(sentence):
        if turn.group(0).lower() == "but" and _NOT_ONLY.search(sentence, begin, turn.start()):
            continue  # "not only on birthdays but every month"
        if turn.end() <= match.start():
            begin = turn.end()
        elif turn.start() >= match.end():
            end = turn.start()
            break
    return " " * begin + sentence[begin:end]


def _clause_around(sentence: str, start: int) -> str:
    """The clause of ``sentence`` that holds position ``start``: tone is judged on it, so
    "you did great, but you always ..." is read as the second half."""
    begin = 0
    for brk in _CLAUSE_BREAK.finditer(sentence):
        if brk.end() <= start:
            begin = brk.end()
        elif brk.start() > start:
            return sentence[begin : brk.start()]
    return sentence[begin:]


def compound(text: str) -> float:
    """VADER's compound score of ``text``, -1 (negative) to 1 (positive). "Like" in "I'd
    like" or "feels like" is a request or a hedge, not praise."""
    text = re.sub(
        r"\b(?:i'd|would|should|feels?|felt|seems?|seemed|looks?|sounds?)\s+like\b",
        " ",
        text,
        flags=re.I,
    )
    if not text.strip():
        return 0.0
    return polarity(text)


_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def _harm_in(text: str) -> bool:
    """A word that names a wrong or a hurt, not negated just before it."""
    for match in _WORD.finditer(text):
        if valence(match.group(0)) <= -1.0:
            before = text[max(0, match.start() - 25) : match.start()].lower()
            if not re.search(r"\b(?:not|never|no|nothing)\b|n't\b", before):
                return True
    return False


# --- blame ----------------------------------------------------------------------------

_WHY_BLAME = {
    blaming.TRAIT: gettext_lazy(
        "It names a trait of theirs. People defend their character rather than hear what "
        "happened; say what they did and how it landed with you."
    ),
    blaming.WRONG: gettext_lazy(
        "It makes them the doer of what went wrong, so they will likely defend what they "
        "did. Saying how it landed with you invites them in."
    ),
    blaming.NEGLECT: gettext_lazy(
        "It accuses them of not doing something. Saying what you missed and what you "
        "would like is easier to hear than a charge."
    ),
    blaming.MAKES_ME_FEEL: gettext_lazy(
        "“You make me feel” hands them your feeling as their doing. The feeling "
        "is yours to name; what they did is only the occasion."
    ),
    blaming.TREATS_LIKE: gettext_lazy(
        "The comparison judges how they see you, which they can only deny. Say what "
        "happened and how you felt."
    ),
    blaming.CAUSE: gettext_lazy(
        "It lays the whole problem at their door. Saying what worries you about it keeps "
        "you both on the problem rather than on who is at fault."
    ),
    blaming.DEMAND: gettext_lazy(
        "A demand or a reproach (must, should, ought to) puts them in the wrong before "
        "they have answered. Asking for what you need leaves them room to agree."
    ),
    blaming.QUESTION: gettext_lazy(
        "It is a reproach dressed as a question: no answer to it helps. Say what you feel "
        "and what you would like instead."
    ),
    blaming.SARCASM: gettext_lazy(
        "Sarcasm says the opposite of what it means; the other person hears the mockery, "
        "not the point. Say it plainly."
    ),
    blaming.MOTIVE: gettext_lazy(
        "It guesses at their motive, which they can only deny. Say what you noticed and "
        "how it felt."
    ),
}


def _blame_flag(sentence: ReadSentence) -> Flag:
    """Worded by the rule that found the blame where one did; otherwise by its shape."""
    head = sentence.text[:MAX_SENTENCE_CHARS]
    if sentence.blames:
        form = sentence.blames[0].form
        words = _unique(head[b.start : b.end].strip() for b in sentence.blames)
    else:
        form = _form_of(head)
        words = [_reader_clause(head)]
    statement = reframe(head, form)
    return Flag(
        kind=BLAME,
        words=words,
        suggestion=_("Try an I-statement: {statement}").format(statement=statement),
        explanation=str(_WHY_BLAME[form]),
        sentence=sentence.text,
    )


_DEMANDING = re.compile(r"\b(?:should|must|ought\s+to|have\s+to|need\s+to|stop)\b", re.I)
_MAKING_FEEL = re.compile(r"\bmak(?:e|es|ing)\s+me\s+feel\b|\bmade\s+me\s+feel\b", re.I)
_ONLY_WHEN = re.compile(r"\bonly\b.*\b(?:when|because|if)\b", re.I)
_BEING = re.compile(
    r"\b(?:you(?:'re|\s+are|\s+were|\s+can\s+be|\s+get)|ur)\s+(?:so\s+|too\s+|really\s+|quite\s+|very\s+|such\s+an?\s+|an?\s+|being\s+)*\w+",
    re.I,
)
# Praise that opens a sentence the model calls blame is praise said mockingly.
_MOCK_PRAISE = re.compile(
    r"^\W*(?:oh\s+)?(?:brilliant|great|nice|lovely|fantastic|amazing|wonderful|perfect|"
    r"cheers|thanks|thank\s+you|well\s+done|good\s+job|wow|sure|of\s+course)\b",
    re.I,
)
_READER = re.compile(r"\b(?:you|your|yours|yourself|u|ur)\b", re.I)


def _form_of(sentence: str) -> str:
    """How a sentence the model found blames, for the explanation: by its outward
    shape, since the rules that name forms did not recognise it."""
    if sentence.rstrip().endswith("?"):
        return blaming.QUESTION
    if _MOCK_PRAISE.match(sentence):
        return blaming.SARCASM
    if _MAKING_FEEL.search(sentence):
        return blaming.MAKES_ME_FEEL
    if _DEMANDING.search(sentence):
        return blaming.DEMAND
    if _ONLY_WHEN.search(sentence):
        return blaming.MOTIVE
    if _BEING.search(sentence):
        return blaming.TRAIT
    return blaming.WRONG


def _reader_clause(sentence: str) -> str:
    """The words about the reader: from the first "you" or "your" to the end of its
    clause, or the whole sentence when it never names them."""
    reader = _READER.search(sentence)
    if reader is None:
        return _cut(sentence.strip(" .!?"))
    clause = _clause_around(sentence, reader.start())
    begin = clause.lower().find(reader.group(0).lower())
    return _cut(clause[max(begin, 0) :].strip(" ,;:.!?"))


def _cut(words: str, limit: int = 80) -> str:
    """At most ``limit`` characters of ``words``, cut at a space: a quotation, so never
    changed otherwise."""
    if len(words) <= limit:
        return words
    return words[:limit].rsplit(" ", 1)[0]


# --- absolutes ------------------------------------------------------------------------

_ABSOLUTES = re.compile(
    r"\b(?:all\s+the\s+time|each\s+and\s+every(?:\s+time)?|every\s*(?:thing|one|body)\b|"
    r"every\s+(?:single\s+)?time\b|every\s+single\b|every\b|always|never|nothing|nobody|"
    r"no[\s-]one|not\s+once|constantly|constant|forever)\b",
    re.I,
)
# What an absolute flag can quote; whether the sentence sweeps in a complaint is the
# model's call. The rules below choose which of its sweeping words the flag quotes.
_SWEEPING = re.compile(
    _ABSOLUTES.pattern[: -len(r")\b")]
    + r"|any(?:one|body|thing|where)?|ever|everywhere|all\s+(?:the|of|day|night|week|"
    r"weekend|morning|evening|year)|(?:the\s+)?(?:whole|entire)\s+\w+|none|whenever|"
    r"not\s+(?:one|a\s+single)|(?:without|never)\s+(?:even\s+)?a\s+single|"
    r"a\s+single\s+(?:one|word|thing|time|day|penny|email|message|text|call)|"
    r"at\s+all(?!\s+(?:times|costs))|each\s+time|once|the\s+only\s+one|non-?stop|anytime|"
    r"evry(?:thing|one|body|\s+time)?|everytime|noone|24/7|round\s+the\s+clock)\b",
    re.I,
)
_SCHEDULE_AFTER = re.compile(
    r"\s+(?:(?:other|second|third|fourth|few|couple\s+of|first|last|\d+|one|two|three|four|"
    r"five|six|seven|eight|nine|ten|twelve)\s+)?"
    r"(?:days?|weeks?|fortnights?|months?|quarters?|years?|mornings?|afternoons?|evenings?|"
    r"nights?|weekends?|weekdays?|summers?|winters?|springs?|autumns?|(?:mon|tues|wednes|"
    r"thurs|fri|satur|sun)days?|sessions?|meetings?|calls?|hours?|minutes?|retros?|"
    r"standups?|stand-ups?|one-to-ones?|1:1s?|check-ins?)\b",
    re.I,
)
_INDEFINITE_DOER = re.compile(r"\s*(?:someone|somebody|something|anyone|anybody)\b", re.I)
# What the writer promises, wishes or hopes is not a complaint about how things are.
_INTENT_BEFORE = re.compile(
    r"\b(?:i|we)(?:'ll|\s+will|\s+shall|\s+promise(?:\s+to)?|\s+want(?:\s+us)?\s+to|"
    r"\s+intend\s+to|'d\s+(?:love|like)|\s+would\s+(?:love|like)|\s+hope(?:\s+that)?|"
    r"\s+wish)\b|\blet's\b|\blet\s+us\b|\bhope\s+(?:that\s+)?\w+\s+$|\bso\s+that\b|"
    r"\bthat\s+way\b|\bmake\s+sure\b|\bhow\s+I\s+want\b|\bI\s+want\b|\bI'd\s+rather\b",
    re.I,
)
_NEVER_IDIOM_AFTER = re.compile(
    r"\s+(?:(?:\w+\s+)?(?:mind|thought|expected|imagined|been\s+happier|fails?\s+to)|"
    r"(?:\w+\s+){1,3}(?:so|such)\s|(?:need|have)\s+to|(?:\w+\s+){0,4}\w+\s+before\b)",
    re.I,
)
_NEVER_IDIOM_BEFORE = re.compile(r"\b(?:would|'d|could)\s+$", re.I)
_NOT_YET = re.compile(r"\byet\b", re.I)
# What a "never" or "nothing" denies: its next few words, up to a clause word.
_NEAR = re.compile(r"(?:(?!\s(?:until|when|because|and|but|so|unless)\b)\s*[^\s,;.!?]+){0,4}", re.I)
_ALLOTTED = re.compile(
    r"(?:\s+[\w']+){0,4}?\s+(?:gets?|receives?|can|may|is\s+(?:welcome|invited)|has\s+access)\b",
    re.I,
)
_NEGATING = frozenset({"never", "nothing", "nobody", "no one", "no-one", "not once"})


def _absolute_matches(sentence: str, *, blamed: bool) -> list[re.Match[str]]:
    """Sweeping words used to complain: not in praise, a promise or wish, a schedule, an
    idiom ("I never thought"), a literal neutral statement ("everyone gets two days")."""
    found = []
    for match in _ABSOLUTES.finditer(sentence):
        if _is_sweeping(sentence, match, blamed=blamed):
            found.append(match)
    return found


def _is_rhythm(sentence: str, match: re.Match[str]) -> bool:
    """An "every" that sets a schedule ("every other month", "every Tuesday"), not in a
    complaint and not "every week someone ...": a plan, which is never an absolute."""
    after = sentence[match.end() :]
    if match.group(0).lower() != "every" or not (schedule := _SCHEDULE_AFTER.match(after)):
        return False
    clause = _clause_around(sentence, match.start())
    negative = _harm_in(clause) or compound(clause) <= -0.3
    return not negative and not _INDEFINITE_DOER.match(after, schedule.end())


def _is_planned_rhythm(sentence: str, match: re.Match[str]) -> bool:
    """A schedule in a sentence that says what the writer wants ("Every other month I want
    a day away."): a plan, so nothing in it is for the model to call sweeping."""
    return bool(_INTENT_BEFORE.search(_side_of(sentence, match))) and _is_rhythm(sentence, match)


def _is_sweeping(sentence: str, match: re.Match[str], *, blamed: bool) -> bool:
    word = re.sub(r"\s+", " ", match.group(0).lower())
    before, after = sentence[: match.start()], sentence[match.end() :]
    clause = _clause_around(sentence, match.start())
    negative = _harm_in(clause) or compound(clause) <= -0.3
    if _INTENT_BEFORE.search(_side_of(sentence, match)[: match.start()]):
        return False
    if word == "never" and (_NEVER_IDIOM_AFTER.match(after) or _NEVER_IDIOM_BEFORE.search(before)):
        return False
    if _is_rhythm(sentence, match):
        return False
    allotted = _ALLOTTED.match(after) or re.search(r"\b(?:to|for|with|from)\s+$", before, re.I)
    if word in ("everyone", "everybody") and allotted and not negative:
        return False
    if word in _NEGATING and (_NOT_YET.search(after) or _harm_in(_denied(after))):
        return False  # "nothing is fixed yet"; "it never feels like an attack"
    if re.match(r"\s+else\b", after) and not negative:
        return False  # "no one else does it": praise of what is rare
    if re.search(r"\bthere(?:'s|\s+is)\s+$", before, re.I) and not negative:
        return False
    doer = _doer_of(sentence, match)
    if doer == "you":
        yous = list(re.finditer(r"\byou(?:'re|'ve)?\b", before, re.I))
        said = predicate_after(sentence, yous[-1].end()) if yous else clause
        return blamed or _harm_in(said)
    if doer == "i":
        return blamed or negative
    return not _is_praise(clause, word)


_SUBJECT = re.compile(r"\b(?:i|i'm|i've|i'd|you|you're|you've|we|we're|they|he|she|it)\b", re.I)
_EVERY_TIME_OPENER = re.compile(
    r"^\W*every\s+(?:single\s+)?time\s+(?:I|we|you|they)\s+\w+(?:\s+\w+)*?(?:,\s*|\s+)"
    r"(?=(?:I|you|we)\b)",
    re.I,
)


def _denied(after: str) -> str:
    """The few words a "never" or "nothing" denies."""
    near = _NEAR.match(after)
    return near.group(0) if near else ""


def _doer_of(sentence: str, match: re.Match[str]) -> str:
    """Who the absolute is about: "i", "you" or another. The subject of its clause:
    the last pronoun before it, or the one after an opening "every time we talk"."""
    if (opener := _EVERY_TIME_OPENER.match(sentence)) and match.start() < opener.end():
        following = _SUBJECT.match(sentence, opener.end())
        return _person(following.group(0)) if following else ""
    before = sentence[: match.start()]
    clause = re.split(r"[,;:]|\b(?:and|but|because|so)\b", before)[-1]
    pronouns = _SUBJECT.findall(clause)
    return _person(pronouns[-1]) if pronouns else ""


def _person(pronoun: str) -> str:
    pronoun = pronoun.lower()
    if pronoun == "i" or pronoun.startswith("i'"):
        return "i"
    return "you" if pronoun.startswith("you") else pronoun


_POSITIVE_CUES = re.compile(
    r"\b(?:thank\w*|appreciat\w*|love\w*|enjoy\w*|glad|proud|grateful|best|great|favourite|"
    r"brilliant|amazing|useful|helps?|helped|calm|safe|wonderful|valu(?:e|ed|es)|pitch\w*\s+in|"
    r"step\w*\s+up|chip\w*\s+in|it\s+shows)\b",
    re.I,
)


def _is_praise(clause: str, word: str) -> bool:
    """VADER does not read "nobody" or "nothing" as negation ("nobody cares" scores as
    warm), so after those only our own positive cues count as praise."""
    if _harm_in(clause):
        return False
    if word in _NEGATING:
        return bool(_POSITIVE_CUES.search(clause))
    return compound(clause) >= 0.45 or bool(_POSITIVE_CUES.search(clause))


def _absolute_flag(sentence: ReadSentence) -> Flag:
    """Quotes the sweeping words the rules read as complaining ("never" in "you never
    reply, though we meet every Monday"), or all of them when the rules read none so."""
    head = sentence.text[:MAX_SENTENCE_CHARS]
    complaining = _absolute_matches(head, blamed=bool(sentence.blames))
    words = _unique(m.group(0) for m in (complaining or sentence.sweeping))
    quoted = ", ".join(f"“{w}”" for w in words)
    return Flag(
        kind=ABSOLUTE,
        words=words,
        suggestion=_("Swap {quoted} for {alternative}.").format(
            quoted=quoted, alternative=_concrete_alternative(words[0])
        ),
        explanation=_(
            "Absolutes are rarely literally true, so the other person can argue with the "
            "exception instead of hearing the point. A concrete example is harder to dismiss."
        ),
        sentence=sentence.text,
    )


def _concrete_alternative(word: str) -> str:
    """What to say instead depends on what the absolute sweeps over: people, things,
    or how often."""
    word = word.lower()
    if word.startswith(
        ("everyone", "everybody", "nobody", "no one", "no-one", "noone", "evryone", "evrybody")
    ):
        return _("who exactly, such as “two people on the team”")
    if word.startswith(("everything", "nothing", "every", "evry")) and "time" not in word:
        return _("which ones, such as “the last two proposals”")
    if "single" in word or word.split() == ["at", "all"]:
        return _("what exactly happened, such as “one reply to my three messages”")
    return _("how often it happened, such as “twice this month”")


# --- first person ---------------------------------------------------------------------

# Text-message spellings count too: "im", "ive", and "ill" or "id" where a verb follows
# ("ill leave at 8"), not where they mean unwell or an identity ("I felt ill"). So do the
# first person of Jamaican Patois ("mi") and of Tagalog ("ko", "ako"), which people write
# into their English; not in capitals ("an MI", "a KO") nor as miles ("5 mi").
_FIRST_PERSON = re.compile(
    r"\b(?:i|me|my|mine|myself|im|ive)\b|(?<!\d)(?<!\d\s)\b(?-i:[Mm]i|[Kk]o|[Aa]ko)\b|"
    r"\b(?:ill|id)\s+(?:be|have|do|get|go|come|call|send|leave|take|make|see|try|text|"
    r"ring|pick|let|tell|ask|sort|bring|drop|grab|rather|like|love|need|say)\b",
    re.I,
)
_OTHER_VOICES = re.compile(r"\b(?:we|us|our|ours|you|your|yours)\b", re.I)


def _no_first_person_flag(text: str, sentences: list[ReadSentence]) -> Flag | None:
    """Contractions need no special case: the apostrophe ends the word, so "I'm",
    "I've", "I'd" and "I'll" all start with the word "I"."""
    if len(_WORD.findall(text)) < MIN_WORDS_FOR_FIRST_PERSON or _FIRST_PERSON.search(text):
        return None
    return Flag(
        kind=NO_FIRST_PERSON,
        words=_unique(m.group(0) for m in _OTHER_VOICES.finditer(text))[:5],
        suggestion=_("Say it from where you stand: “I notice …”, “I’d like …”, “for me …”."),
        explanation=_(
            "Without “I”, the text speaks for everyone or about the other person. "
            "Your own perspective is what the others cannot know without you."
        ),
        sentence=text,
    )


# --- negative opening -----------------------------------------------------------------


def _moves(sentences: list[ReadSentence]) -> bool:
    """Whether the text says something after its first sentence other than that sentence
    again: a hard sentence written over and over has nothing brighter to lead with."""
    first = sentences[0].text.strip().lower()
    return any(s.text.strip().lower() != first for s in sentences[1:])


def _negative_opening_flag(sentences: list[ReadSentence]) -> Flag:
    """The opening sets the tone of what follows; the model flags a hard first sentence
    followed by warm or constructive ones (a text hard all the way through has no bright
    side to lead with). The flag quotes what is hard in the first sentence and offers the
    warmest later one to start with."""
    first, rest = sentences[0], sentences[1:]
    warmest = max(rest, key=lambda s: compound(s.text))
    words = [first.text[b.start : b.end] for b in first.blames]
    words += [m.group(0) for m in first.sweeping]
    words += [m.group(0) for m in _WORD.finditer(first.text) if valence(m.group(0)) <= -1.0]
    return Flag(
        kind=NEGATIVE_OPENING,
        words=_unique(words)[:4] or [_cut(first.text)],
        suggestion=_(
            "Lead with what works: for instance start with “{warm}”, then say what is hard."
        ).format(warm=_shorten(warmest.text)),
        explanation=_(
            "Most of what you wrote is warm or looks ahead, but it starts with the hard "
            "part. Leading with what works helps the other person read the rest with an "
            "open mind."
        ),
        sentence=first.text,
    )


# --- helpers --------------------------------------------------------------------------


def _unique(words: Iterable[str]) -> list[str]:
    """Each word once, first spelling kept, case ignored."""
    seen: dict[str, str] = {}
    for word in words:
        if word:
            seen.setdefault(word.lower(), word)
    return list(seen.values())


_LINKING_WORD = re.compile(r"^(?:but|still|overall|though|however|and|so)\b[,\s]*", re.I)


def _shorten(sentence: str, limit: int = 90) -> str:
    """A sentence fit for quoting in a suggestion: no leading "but", not too long."""
    sentence = _LINKING_WORD.sub("", sentence)
    sentence = sentence[:1].upper() + sentence[1:]
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"
