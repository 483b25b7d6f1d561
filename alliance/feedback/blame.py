"""Blame: a sentence that makes the reader ("you") the doer or owner of a wrong, or gives
them a bad trait.

One rule per way of blaming (the forms of the labelling contract), each a pattern over
the sentence plus a judgement of the words it catches by their valence (VADER's lexicon
and ``lexicon``). Then the exceptions, which are as much a part of the meaning:
appreciation, an "I"-statement that mentions the other ("I felt let down when you
missed the call"), a request from one's own side, negated blame ("it's not your
fault") and blame of someone who is not the reader ("my old boss never listened").
"""

import re
from dataclasses import dataclass

from alliance.feedback.lexicon import (
    HARMFUL_PHRASES,
    NOT_A_DUTY,
    SUFFERING,
    own_word,
    polarity,
    valence,
)

# The ways of blaming, named for the explanation a writer reads.
TRAIT = "trait"
WRONG = "wrong"
NEGLECT = "neglect"
MAKES_ME_FEEL = "makes_me_feel"
TREATS_LIKE = "treats_like"
CAUSE = "cause"
DEMAND = "demand"
QUESTION = "question"
SARCASM = "sarcasm"
MOTIVE = "motive"

HARMFUL_AT = -1.0  # a word at least this negative names a wrong (VADER's scale, -4..4)


@dataclass(frozen=True)
class Blame:
    """One blaming phrase: how it blames, and where it is in the sentence."""

    form: str
    start: int
    end: int


# --- who is "you" -----------------------------------------------------------------------

# "you", "you all", "you guys", "you designers": the reader, one or many.
_YOU = (
    r"\byou(?:\s+(?:all|guys|lot|two|both|people|folks|"
    r"(?!always\b|seniors?\b)\w+(?:ers|ors|ists|ians|ents|ees)))?\b"
)
# Words after which "you" is the object, not the doer: "thank you", "told you".
_GOVERNS_YOU = frozenset(
    {
        "to", "for", "with", "at", "from", "of", "about", "on", "by", "than", "into",
        "thank", "love", "trust", "tell", "told", "ask", "asked", "give", "gave", "bring",
        "bringing", "let", "help", "see", "saw", "miss", "hear", "heard", "remind", "want",
        "expect", "like", "show", "showed", "send", "sent", "call", "called", "meet", "met",
        "pay", "owe", "push", "hold", "follow", "join", "make", "made", "stress", "blame",
        "respects", "respect", "admire", "value", "needs", "need", "stop", "protect",
        "shielded", "watch", "beside", "behind", "without", "around", "after",
    }
)  # fmt: skip
# "It feels like you've decided": after these, "like you" introduces the doer.
_HEDGES = frozenset({"feel", "feels", "felt", "seem", "seems", "seemed", "look", "looks", "sound"})
_WORD = re.compile(r"[\w'-]+")
_CLAUSE_BREAK = re.compile(
    r"[,;:.!?\u2013—()]|\s(?:but|because|when|whenever|while|although|though|so|"
    r"and\s+(?:I|we)|which|unless|until|since|if)\s",
    re.I,
)
# Where a doer's clause ends: a clause break, or another doer taking over.
_NEXT_DOER = re.compile(r"\b(?:I|I'm|I've|I'd|we|you|he|she|they|it)\b", re.I)


def _is_doer(sentence: str, match: re.Match[str]) -> bool:
    """ "You" as the one who acts: not the object of a verb or a preposition, and followed
    by a word rather than the end of the sentence."""
    before = _WORD.findall(sentence[: match.start()])
    if before and before[-1].lower() in _GOVERNS_YOU:
        hedge = len(before) > 1 and before[-2].lower() in _HEDGES
        if not (before[-1].lower() == "like" and hedge):
            return False
    return bool(re.match(r"\s*[\w']", sentence[match.end() :]))


def _doers(sentence: str) -> list[re.Match[str]]:
    return [m for m in re.finditer(_YOU, sentence, re.I) if _is_doer(sentence, m)]


def _predicate(sentence: str, start: int) -> str:
    """What the doer does: from ``start`` to the end of the clause."""
    rest = sentence[start:]
    if cut := _CLAUSE_BREAK.search(rest):
        rest = rest[: cut.start()]
    if (other := _NEXT_DOER.search(rest)) and other.start() > 0:
        rest = rest[: other.start()]
    return rest


def predicate_after(sentence: str, start: int) -> str:
    """What is said of the doer whose words begin at ``start``, to the end of its clause."""
    return _predicate(sentence, start)


# --- judging words ----------------------------------------------------------------------

_NEGATOR = re.compile(r"\b(?:not|never|no|none|nothing|nobody|without)\b|n't\b", re.I)


def _harmful_words(text: str) -> list[re.Match[str]]:
    """Words and phrases of ``text`` that name a wrong and are not negated before them in
    the same stretch ("you're not doing anything wrong" names none)."""
    found = [m for m in _WORD.finditer(text) if valence(m.group(0)) <= HARMFUL_AT]
    found += HARMFUL_PHRASES.finditer(text)
    return [m for m in found if not _NEGATOR.search(text[: m.start()])]


def _is_positive(text: str) -> bool:
    """Clearly warm: VADER says so and no word in it names a wrong."""
    text = re.sub(
        r"\b(?:i'd|would|feels?|felt|seems?|looks?|sounds?)\s+like\b", " ", text, flags=re.I
    )
    if not text.strip():
        return False
    score = polarity(text)
    return score >= 0.4 and not _harmful_words(text)


def _is_negative(text: str) -> bool:
    return bool(_harmful_words(text)) or polarity(text) <= -0.3


# --- the "I"-statement that mentions "you" ----------------------------------------------

# "I felt let down when you ...", "I know you ...": the writer speaks of their own
# experience, and the other person appears inside it.
_I_FRAME = re.compile(
    r"\b(?:I|I'm|I've|I'd|I'll)\s+(?:\w+\s+){0,3}?(?:feel(?!\s+(?:like|that|as\s+if))|felt|"
    r"get|got|notice[ds]?|know|knew|understand|appreciate[ds]?|love[ds]?|realis|realiz|hope|"
    r"wish|worry|worried|was|am|miss|hate|find|found|heard|remember|want|wanted|believe|"
    r"trust|admire|value|respect|enjoy|mean|sure|grateful|glad|happy|proud|tense|freeze)"
    r"\w*\b(?:(?!\bbut\b)[^.?!;])*$",
    re.I,
)
# "When you ..., I freeze": the other's act is only the occasion of the writer's feeling.
_WHEN_THEN_I = re.compile(
    r"^\W*(?:\w+\s+)?(?:when|whenever|if|every\s+time)\s+you\b[^.?!;]*?,\s*(?:(?:it|that)\s+"
    r"\w+(?:\s+\w+)?,?\s+)?(?:and\s+)?(?:I|I'm|it\s+makes\s+me)\b",
    re.I,
)


def _inside_i_statement(sentence: str, start: int) -> bool:
    before = sentence[:start]
    if _I_FRAME.search(before) and not re.search(r"[:;]\s*[^:;]*$", before):
        return True
    return bool(_WHEN_THEN_I.match(sentence))


def _negated_before(sentence: str, start: int) -> bool:
    """ "It's not your fault", "none of this is on you"."""
    return bool(
        re.search(r"(?:\b(?:not|none|no)\b|n't)\W+(?:\w+\W+){0,3}$", sentence[:start], re.I)
    )


# --- the rules --------------------------------------------------------------------------

_ADVERBS = (
    r"(?:\s+(?:just|really|actually|honestly|still|simply|literally|clearly|obviously|"
    r"often|sometimes|usually|totally|completely|again|even|then|also|so|ever|always|"
    r"constantly|kind\s+of|a\s+bit|quite|pretty|very|too|such|being|being\s+so))*"
)
_BE = (
    r"(?:'re|\s+are|\s+were|\s+was|'ve\s+been|\s+have\s+been|\s+had\s+been|\s+can\s+be|"
    r"\s+could\s+be|\s+seem|\s+seemed|\s+come\s+across\s+as|\s+came\s+across\s+as|"
    r"\s+sound|\s+sounded|\s+look|\s+looked|\s+become|\s+became|\s+get|\s+got)"
)
_TRAIT = re.compile(_BE + _ADVERBS + r"\s+(?:(?:a|an|such\s+a|so)\s+)?(?P<word>[\w'-]+)", re.I)
_STATE_VERB = re.compile(r"\s*(?:'re|are|were|was|seem|seemed|look|looked|feel|felt|get|got)\b")


# "Too kind to say no" is praise in the shape of "too proud to ask".
_KIND_EXCESS = frozenset({"kind", "good", "generous", "nice", "sweet", "modest", "humble"})


def _trait(sentence: str, you: re.Match[str]) -> Blame | None:
    """ "You're careless with the budget", "you come across as arrogant", "you're too
    harsh": a bad trait, not a passing state ("you seem tired" is concern)."""
    match = _TRAIT.match(sentence, you.end())
    if not match:
        return None
    word = match.group("word").lower()
    if word in SUFFERING or _NEGATOR.search(match.group(0)):
        return None
    too = re.search(r"\btoo\s+[\w'-]+$", match.group(0), re.I)
    too_to = too and re.match(r"\s+to\s+\w+", sentence[match.end() :]) and word not in _KIND_EXCESS
    if valence(word) <= HARMFUL_AT or (too and valence(word) <= 0 and word != "hard") or too_to:
        return Blame(TRAIT, you.start(), match.end())
    return None


_AUX = r"(?:'re|'ve|'d|'ll|\s+are|\s+were|\s+have|\s+had|\s+has|\s+will|\s+would)?"
_NEGATION = re.compile(
    _AUX + _ADVERBS + r"\s*(?:n't|\s+not|\s+never|\s+don't|\s+didn't|\s+won't|\s+can't|"
    r"\s+haven't|\s+hasn't|\s+wouldn't|\s+couldn't|\s+do\s+not|\s+did\s+not|\s+will\s+not|"
    r"\s+have\s+not|\s+cannot|\s+barely|\s+hardly)\b(?:\s+(?:even|once|ever|actually|really|"
    r"bother\s+to|seem\s+to|just|always|once\s+asked|properly))*(?:\s+(?P<verb>[\w'-]+))?",
    re.I,
)
_MAKES_ME = re.compile(
    r"\s*(?:\w+\s+)?(?:make|makes|made|making)\s+me\s+(?:feel|look|sound|seem)?\s*(?P<how>[^,;.!?]*)",
    re.I,
)


def _neglect(sentence: str, you: re.Match[str]) -> Blame | None:
    """ "You never call", "you didn't even ask", "you won't tell me you're proud": what
    they fail to do. Not blame: what is no duty ("you don't have to"), or failing to do
    harm ("you never once snapped at your sister" is praise)."""
    match = _NEGATION.match(sentence, you.end())
    if not match:
        return None
    verb = (match.group("verb") or "").lower()
    if verb in NOT_A_DUTY or verb.startswith(("need", "have")):
        return None
    predicate = _predicate(sentence, match.start("verb") if verb else match.end())
    made = _MAKES_ME.match(predicate)
    if made:
        if _is_positive(made.group("how")):
            return Blame(NEGLECT, you.start(), match.end())
        return None
    if any(valence(w) <= HARMFUL_AT for w in _WORD.findall(predicate)) or HARMFUL_PHRASES.search(
        predicate
    ):
        return None  # not doing harm
    rest = sentence[match.end() :]
    if re.search(r"\balways\b", rest, re.I) and not _is_negative(rest):
        return None  # "you never gave me the answer, you always asked the question"
    if re.search(r"\bI\s+(?:didn't|don't)\s+(?:need|want)\b", sentence[: you.start()], re.I):
        return None  # "I didn't need advice and you didn't give any"
    return Blame(NEGLECT, you.start(), match.end())


_ACT = re.compile(_AUX + _ADVERBS + r"\s+(?P<act>[^,;:.!?]*)", re.I)


def _wrong(sentence: str, you: re.Match[str]) -> Blame | None:
    """ "You dismissed my idea", "you dumped the account on me without a handover",
    "you really hurt me": the reader as the doer of something harmful."""
    if _NEGATION.match(sentence, you.end()):
        return None  # what they did not do is _neglect's to judge
    match = _ACT.match(sentence, you.end())
    if not match:
        return None
    predicate = _predicate(sentence, match.start("act"))
    harmful = _harmful_words(predicate)
    if not harmful and (aside := HARMFUL_PHRASES.search(sentence, match.start("act"))):
        harmful = [aside]  # "you moved my desk while I was away"
    if _STATE_VERB.match(predicate) and all(m.group(0).lower() in SUFFERING for m in harmful):
        return None  # "you felt ignored", "you seem tired": their state, not a wrong
    if not harmful or _is_positive(predicate):
        return None
    lead = [w.lower() for w in _WORD.findall(predicate[: harmful[0].start()])]
    verb_first = (
        not lead
        or lead[-1] == "to"
        or all(w.endswith("ly") for w in lead)
        or any(HARMFUL_PHRASES.fullmatch(m.group(0)) or own_word(m.group(0)) for m in harmful)
    )
    if not verb_first and polarity(predicate) >= 0:
        return None  # "you handled a difficult client with grace": the harm is not theirs
    last = max(m.end() for m in harmful) + match.start("act")
    return Blame(WRONG, you.start(), last)


_KEEP = re.compile(r"\s+keep(?:s)?\s+(?:on\s+)?\w+ing\b", re.I)
_ALWAYS_PRESUMES = re.compile(
    r"(?:\s+\w+)?\s+always\s+(?:think|assume|expect|have\s+to|need\s+to|make\s+it|turn|"
    r"bring\s+it|twist|find\s+a\s+way)\b",
    re.I,
)
_ESCALATES = re.compile(
    r"[^,.;!?]*?\b(?:turn|turned|turns|make|makes|made)\s+(?:every\w*|it\s+all|each)\b[^,.;!?]*?"
    r"\b(?:into|about)\b",
    re.I,
)


def _habit(sentence: str, you: re.Match[str]) -> Blame | None:
    """ "You keep moving the goalposts", "you always have to have the last word", "you've
    turned every disagreement into a referendum": a wearing habit."""
    for pattern in (_KEEP, _ALWAYS_PRESUMES, _ESCALATES):
        match = pattern.match(sentence, you.end())
        if match and not _is_positive(_predicate(sentence, you.end())):
            return Blame(WRONG, you.start(), match.end())
    return None


def _makes_me_feel(sentence: str, you: re.Match[str]) -> Blame | None:
    """ "You make me feel judged": the reader made the owner of the writer's feeling. A
    warm or neutral feeling is thanks ("you make me feel like I can change this")."""
    if _NEGATION.match(sentence, you.end()):
        return None  # "you never make me feel stupid" is judged by _neglect
    match = re.compile(_AUX + _ADVERBS).match(sentence, you.end())
    made = _MAKES_ME.match(sentence, match.end() if match else you.end())
    if not made or not made.group("how").strip():
        return None
    how = made.group("how")
    if _is_negative(how) or re.search(r"\blike\s+(?:a|an)\s+(?:child|idiot|fool|kid)\b", how, re.I):
        return Blame(MAKES_ME_FEEL, you.start(), made.end())
    return None


_TREATS = re.compile(
    r"[^,.;!?]*?(?:,\s*)?\b(?:like\s+(?:I'm|I\s+am|I\s+was|it's|it\s+is|it\s+was|they're|"
    r"they\s+are|we're|a|an|I|my)\b|as\s+(?:if|though)\b|as\s+(?:a|an)\s+\w+|"
    r"(?:my|our)\s+\w+\s+(?:as|like)\b)|"
    r"(?:\s+\w+ly)?\s+(?:talk|speak|spoke|treat|act|behave|look|handle|address|respond|react)"
    r"\w*\b[^,.;!?]*?\b(?:like|as\s+if|as\s+though)\b",
    re.I,
)


def _treats_like(sentence: str, you: re.Match[str]) -> Blame | None:
    """ "You talk to me like I'm still an intern", "you treat my time as free", "you act
    as if my hours belong to you": a comparison that belittles."""
    predicate = _predicate(sentence, you.end())
    lowered = predicate.lower()
    if re.search(r"\b(?:feels?|felt|looks?|seems?|sounds?|would|'d|i|we)\s+like\b", lowered):
        return None
    match = _TREATS.match(sentence, you.end())
    if not match:
        return None
    rest = sentence[match.end() : match.end() + 60]
    belittles = re.search(
        r"\blike\s+(?:I'm|I\s+am|it's|it\s+is|it\s+was)\s*$", match.group(0), re.I
    )
    if not belittles and _is_positive(rest):
        return None
    return Blame(TREATS_LIKE, you.start(), match.end())


_ONLY = re.compile(
    r"(?:'re|\s+are|\s+were)?\s+only\s+(?!need\b|have\b|ever\b|want\b)[^,.;!?]*", re.I
)


_CONDITION = re.compile(r"\b(?:when|if|unless|after|because|to\s+get)\b", re.I)


def _motive(sentence: str, you: re.Match[str]) -> Blame | None:
    """ "You only text when you want a favour": an implied motive."""
    match = _ONLY.match(sentence, you.end())
    if match and (_CONDITION.search(match.group(0)) or not _is_positive(match.group(0))):
        return Blame(MOTIVE, you.start(), match.end())
    return None


_MUST = re.compile(
    _ADVERBS + r"\s*(?:\s+must|\s+should|'d\s+better|\s+had\s+better|\s+better|\s+ought\s+to|"
    r"\s+need\s+to|\s+needs\s+to|\s+have\s+to|\s+has\s+to|'ll\s+have\s+to)\b(?:\s+\w+)?",
    re.I,
)
_PERMISSION = re.compile(r"\b(?:feel\s+free|know\s+(?:that|I)|be\s+proud|rest|relax)\b", re.I)


def _demand(sentence: str, you: re.Match[str]) -> Blame | None:
    """ "You must stop rolling your eyes", "you ought to have warned me": a demand or a
    reproach. Not a condition ("if you have to cancel, tell me early") or permission."""
    match = _MUST.match(sentence, you.end())
    if not match:
        return None
    before = sentence[: you.start()]
    if re.search(r"\b(?:if|when|whenever|unless|in\s+case)\s+$", before, re.I):
        return None
    if _PERMISSION.search(sentence, match.start()) or _is_positive(sentence[match.start() :]):
        return None
    return Blame(DEMAND, you.start(), match.end())


_RULES_FOR_DOER = (_trait, _makes_me_feel, _treats_like, _motive, _habit, _neglect, _wrong)
_SHIELDED_BY_I = frozenset({TRAIT, WRONG, NEGLECT, TREATS_LIKE, MOTIVE, MAKES_ME_FEEL})


_CAUSE = re.compile(
    r"\byour\s+fault\b|\bbecause\s+of\s+you\b|\bthanks\s+to\s+you\b|"
    r"\b(?:that's|it's|this\s+is|that\s+is|it\s+is)\s+(?:all\s+)?on\s+you\b|"
    r"\byou(?:'re|\s+are|\s+were)\s+(?:the\s+(?:\w+\s+)?(?:reason|problem|issue|cause)\b|"
    r"(?:the\s+reason\s+)?why\b)|"
    r"\byour\s+(?:[\w'-]+\s+){1,12}?(?:is|was|are|were|'s|has\s+been|have\s+been|keeps?)\s+"
    r"(?:\w+\s+){0,2}?(?:the\s+(?:\w+\s+)?(?:problem|issue|reason|cause)|what'?s\s+wrong|"
    r"costing|killing|ruining|hurting|damaging|wrecking|a\s+problem|to\s+blame)\b",
    re.I,
)
_YOUR_THING_IS = re.compile(
    r"\byour\s+(?:[\w'-]+\s+){1,6}?(?:is|was|are|were|'s|has\s+been|have\s+been)\s+"
    r"(?:(?:so|really|too|very|just|getting|becoming|a\s+bit|what|the\s+thing\s+that)\s+)*"
    r"(?P<word>[\w'-]+)|"
    r"^\W*your\s+(?:[\w'-]+\s+){0,3}?(?P<act>[\w'-]+(?:ed|s))\b",
    re.I,
)
# "Your jokes at my expense have to stop", "your mess is all over the house".
_YOUR_WRONG = re.compile(
    r"^\W*your\s+(?P<thing>(?:[\w']+\s+){0,6}?[\w']+)\s+(?:is|are|was|were|has|have|keeps?|needs?)\b",
    re.I,
)
_HEDGED = re.compile(r"\b(?:maybe|perhaps)\b", re.I)
_HAS_TO_STOP = re.compile(r"\b(?:has|have|needs?)\s+to\s+stop\b", re.I)
_NOT_YOURS_TO = re.compile(r"\bnot\s+your\s+(?:place|job|call|right|business)\s+to\b", re.I)
_NOT_OKAY = re.compile(
    r"\b(?:that's|this\s+is|it's|that\s+is|it\s+is|was|is)\s+(?:not|n't)\s+"
    r"(?:okay|ok|fair|acceptable|alright|all\s+right|right|on|cool)\b",
    re.I,
)
_WITH_YOU = re.compile(r"\bwith\s+you\s*[.!?]*\s*$", re.I)
_MARTYR = re.compile(
    r"\bI(?:'m|\s+am|'ve\s+been|\s+was)\s+(?:always\s+)?the\s+(?:only\s+)?one\s+who\b", re.I
)
_HOW_OFTEN = re.compile(r"\bhow\s+(?:many\s+times|often)\s+you\b", re.I)
_ALWAYS_QUOTED = re.compile(r"\b(?:it's|it\s+is)\s+always\s+['\"]", re.I)
_NEED_YOU_TO_STOP = re.compile(
    r"\b(?:need|want|ask)\s+you\s+to\s+(?:stop|quit)\b|^\W*(?:just\s+|please\s+)?stop\s+\w+ing\b",
    re.I,
)


_BROKEN_PROMISE = re.compile(
    r"\byou\s+(?:\w+\s+)?(?:said|told\s+me|swore)\s+(?:that\s+)?you(?:'d|\s+would|\s+were\s+going\s+to)\b|"
    r"\byou\s+(?:\w+\s+)?promised\b(?=[^.?!;]*\b(?:and\s+then|but|never|yet|didn't|still|"
    r"nothing\s+(?:came|happened))\b)",
    re.I,
)
_QUOTED_BACK = re.compile(
    r"\byou\s+(?:\w+\s+)?(?:said|called|told|say|says|call|described|labell?ed)\b[^.?!]*?"
    r"(?<!\w)['\"](?P<quoted>\w[^'\"]*)['\"]",
    re.I,
)
_AND_THEN_NOT = re.compile(
    r"\b(?:and|but)\s+(?:then\s+)?(?:just\s+)?(?:didn't|never|don't|won't|did\s+not)\s+"
    r"(?P<verb>[\w'-]+)",
    re.I,
)
_NOT_ONCE_YOU = re.compile(
    r"\b(?:not\s+once|never)\b[^,.;!?]{0,40}?\b(?:have|has|did|do|does|had)\s+you\b", re.I
)


def _said_and_done(sentence: str) -> list[Blame]:
    """What they said or promised held against them: "you said you'd handle it", "you
    promised the role and then gave it away", "you said my idea was 'unrealistic'", "and
    didn't tell me", "not once have you apologised"."""
    found = []
    for m in _BROKEN_PROMISE.finditer(sentence):
        if not _inside_i_statement(sentence, m.start()):
            found.append(Blame(NEGLECT, m.start(), m.end()))
    for m in _QUOTED_BACK.finditer(sentence):
        if not _is_positive(m.group("quoted")) and not _inside_i_statement(sentence, m.start()):
            found.append(Blame(WRONG, m.start(), m.end()))
    doers = _doers(sentence)
    for m in _AND_THEN_NOT.finditer(sentence):
        verb = m.group("verb").lower()
        if verb in NOT_A_DUTY or valence(verb) <= HARMFUL_AT:
            continue
        if any(
            d.start() < m.start() and not _inside_i_statement(sentence, d.start()) for d in doers
        ):
            found.append(Blame(NEGLECT, m.start(), m.end()))
    found += [Blame(NEGLECT, m.start(), m.end()) for m in _NOT_ONCE_YOU.finditer(sentence)]
    return found


def _about_you(sentence: str, blamed_before: bool) -> list[Blame]:
    """Blame that needs no "you" as doer: "your tone is what's wrong here", "because of
    you", "that's not okay" after an accusation, "I'm always the one who has to ...,
    and you let me"."""
    found = [
        Blame(CAUSE, m.start(), m.end())
        for m in _CAUSE.finditer(sentence)
        if not _negated_before(sentence, m.start())
        and not (
            m.group(0).lower().startswith("thanks")
            and _is_positive(sentence)
            and not _SARCASTIC_OPENER.search(sentence)
        )
    ]
    found += [Blame(CAUSE, m.start(), m.end()) for m in _NOT_YOURS_TO.finditer(sentence)]
    if (m := _YOUR_WRONG.search(sentence)) and (
        _harmful_words(m.group("thing")) or _HAS_TO_STOP.search(sentence)
    ):
        found.append(Blame(CAUSE, m.start(), m.end()))
    for m in _YOUR_THING_IS.finditer(sentence):
        word = (m.group("word") or m.group("act")).lower()
        if (
            word not in SUFFERING
            and valence(word) <= HARMFUL_AT
            and not _negated_before(sentence, m.start())
        ):
            found.append(Blame(CAUSE, m.start(), m.end()))
    mentions_you = re.search(r"\byou\b", sentence, re.I)
    m = _NOT_OKAY.search(sentence)
    if m and (mentions_you or blamed_before) and not _HEDGED.search(sentence[: m.start()]):
        found.append(Blame(CAUSE, m.start(), m.end()))
    if (
        (m := _WITH_YOU.search(sentence))
        and _is_negative(sentence)
        and not _FIRST_PERSON_DOER.search(sentence)
    ):
        found.append(Blame(CAUSE, m.start(), m.end()))
    if mentions_you and (m := _MARTYR.search(sentence)):
        found.append(Blame(CAUSE, m.start(), m.end()))
    for pattern in (_HOW_OFTEN, _ALWAYS_QUOTED, _NEED_YOU_TO_STOP):
        found += [Blame(DEMAND, m.start(), m.end()) for m in pattern.finditer(sentence)]
    return found


_ACCUSING_QUESTION = re.compile(
    r"^\W*(?:[\w']+,\s*)?why\b(?!\s+(?:don't|not|do|shouldn't|can't)\s+we\b)(?!\s+not\b)|"
    r"\bhow\s+could\s+you\b|\bhow\s+(?:do|can|could|would|dare)\s+you\s+(?:justify|think|expect|explain|possibly|"
    r"say|not|even|dare|live)\b|\bhow\s+dare\b|"
    r"\bdo\s+you\s+(?:think|expect|really|honestly|even|actually|ever)\b|"
    r"\bwhat(?:'s|\s+is|\s+was)\s+the\s+point\b|\bwhen\s+was\s+the\s+last\s+time\b|"
    r"\b(?:can't|won't|couldn't|wouldn't)\s+you\s+(?:just|ever|even)\b|\bcan\s+you\s+not\b|"
    r"\bwho\s+(?:do\s+you\s+think|asked\s+you)\b|\bis\s+it\s+(?:too\s+much|so\s+hard)\b|"
    r"\bwould\s+it\s+kill\s+you\b",
    re.I,
)
_REPROACH = re.compile(
    r"\b(?:for\s+once|just\s+once|for\s+a\s+change|the\s+decency|ma(?:k|d)e\s+an\s+effort|"
    r"pull\s+your\s+weight|grow\s+up|get\s+over\s+it|the\s+least\s+you\s+could|"
    r"why\s+bother|what'?s\s+the\s+point)\b",
    re.I,
)
_IF_YOU_WONT = re.compile(
    r"\bif\s+you(?:'re|\s+are)?\s+(?:not|don't|do\s+not|won't|can't|aren't|didn't)\b[^.?!]*?"
    r"\b(?:say\s+so|say\s+it|what'?s\s+the\s+point|why\s+bother|don't\s+bother|instead\s+of)\b",
    re.I,
)


def _questions_and_reproaches(sentence: str) -> list[Blame]:
    """ "Why do you have to make everything complicated?", "can't you let it go for
    once?", "if you don't like them, have the decency to say it"."""
    found = []
    second_person = re.search(r"\byou(?:r|rs|rself)?\b|\bbother\b", sentence, re.I)
    if "?" in sentence and second_person and (m := _ACCUSING_QUESTION.search(sentence)):
        found.append(Blame(QUESTION, m.start(), m.end()))
    found += [Blame(QUESTION, m.start(), m.end()) for m in _REPROACH.finditer(sentence)]
    found += [Blame(DEMAND, m.start(), m.end()) for m in _IF_YOU_WONT.finditer(sentence)]
    return found


_SARCASTIC_OPENER = re.compile(
    r"^\W*(?:oh\s+)?(?:great|sure|wonderful|brilliant|perfect|fantastic|lovely|nice|cool|"
    r"well\s+done|good\s+job|great\s+job|right|terrific|amazing)\b(?:\s*,|\s+job\b|"
    r"\s+work\b|\s+of\s+you\b|\s+one\b|!)",
    re.I,
)
_SARCASM_ANYWHERE = re.compile(
    r"\b(?:funny|typical|interesting|amazing|convenient)\s+(?:how|of)\s+you\b|"
    r"\btypical\s+of\s+you\b|\bmust\s+be\s+nice\b|\bthanks\s+(?:a\s+lot|for\s+nothing)\b|"
    r"\bthanks\s+(?:so\s+much\s+)?for\s+(?:the|your|that)?\s*['\"]|"
    r"\bwhat\s+could\s+(?:possibly\s+)?go\s+wrong\b",
    re.I,
)
_IRONY_CUE = re.compile(
    r"['\"]\w[^'\"]*['\"]|\b(?:another|again|before|instead\s+of|without|really\s+well|"
    r"thanks\s+to\s+you)\b",
    re.I,
)
_WARM_OPENER = re.compile(r"^\W*(?:really|thanks|love|great|nice|good)\b", re.I)
_FIRST_PERSON_DOER = re.compile(r"\bI(?:'m|'ve|'d|'ll)?\b")


def _sarcasm(sentence: str, after_sarcasm: bool) -> list[Blame]:
    """ "Great, thanks to you the weekend is gone": praise words that mean the opposite.
    Sarcasm runs on: warm words right after a sarcastic sentence, with no "I" speaking,
    are read the same way ("Really feels like a priority.")."""
    found = []
    if (m := _SARCASTIC_OPENER.search(sentence)) and (
        _IRONY_CUE.search(sentence, m.end()) or _harmful_words(sentence)
    ):
        found.append(Blame(SARCASM, m.start(), m.end()))
    found += [Blame(SARCASM, m.start(), m.end()) for m in _SARCASM_ANYWHERE.finditer(sentence)]
    warm_words = polarity(sentence) > 0.2 or _WARM_OPENER.match(sentence)
    if not found and after_sarcasm and warm_words and not _FIRST_PERSON_DOER.search(sentence):
        found.append(Blame(SARCASM, 0, len(sentence.rstrip(".!?"))))
    return found


# "If you need to cancel, ...": what they might do is no charge.
_CONDITIONAL_BEFORE = re.compile(r"\b(?:if|unless|in\s+case|whether)\s+$", re.I)


def blames(sentence: str, *, after_blame: bool = False, after_sarcasm: bool = False) -> list[Blame]:
    """Every blaming phrase of ``sentence``, in order, overlaps merged.

    ``after_blame`` and ``after_sarcasm`` tell what the sentence before did: "That's not
    fair to me" blames only after an accusation; sarcasm runs on."""
    found: list[Blame] = []
    for you in _doers(sentence):
        if _negated_before(sentence, you.start()) or _CONDITIONAL_BEFORE.search(
            sentence[: you.start()]
        ):
            continue
        for rule in _RULES_FOR_DOER:
            if (blame := rule(sentence, you)) is None:
                continue
            if blame.form in _SHIELDED_BY_I and _inside_i_statement(sentence, you.start()):
                continue
            found.append(blame)
            break
        if (blame := _demand(sentence, you)) is not None:
            found.append(blame)
    found += _about_you(sentence, after_blame)
    found += _said_and_done(sentence)
    found += _questions_and_reproaches(sentence)
    found += _sarcasm(sentence, after_sarcasm)
    return _merged(found)


def _merged(found: list[Blame]) -> list[Blame]:
    merged: list[Blame] = []
    for blame in sorted(found, key=lambda b: (b.start, -b.end)):
        if merged and blame.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Blame(last.form, last.start, max(last.end, blame.end))
        else:
            merged.append(blame)
    return merged
