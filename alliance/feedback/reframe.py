"""The "I"-statement offered for a blaming sentence, built from the sentence's own parts.

The shape is "I feel <feeling> when <what happened>, and I'd like …". The feeling comes
from what the blame was about ("dismissed" → unheard, "careless" → worried); what
happened is the writer's own words, without the absolutes; the need is left to the
writer ("…"), since a guessed need would put words in their mouth. Where the sentence
gives no part that can be moved safely (sarcasm, an accusing question, an unknown
shape), the offer is the frame itself with the writer's sentence quoted beside it, never
a sentence that might say something they did not mean.
"""

import re
from functools import cache

import simplemma
from django.utils.translation import gettext as _

from alliance.feedback.blame import (
    CAUSE,
    DEMAND,
    MAKES_ME_FEEL,
    NEGLECT,
    TRAIT,
    TREATS_LIKE,
    WRONG,
)
from alliance.feedback.lexicon import valence

# Feelings named by the kind of hurt; the first pattern found in the sentence wins.
_FEELINGS = (
    (r"\broll\w*\s+(?:\w+\s+)?eyes\b|\blike\s+(?:a|an)\s+(?:child|kid|intern|junior)|\blike\s+I'?m\b|humiliat|embarrass|"
     r"belittl|patronis|condescend|mock|ridicul|lectur|judg|talk\w*\s+down|make\s+fun|"
     r"unrealistic|lack\s+discipline", "belittled"),
    (r"listen|interrupt|dismiss|ignor|talk\w*\s+over|spoke\s+over|cut\s+me\s+off|overrul|"
     r"brush|move\w*\s+(?:straight|right)|change\w*\s+the\s+subject|steamroll|arrogant|"
     r"last\s+word|second-guess", "unheard"),
    (r"undermin|credit|overrid|tore|tear\w*\s+apart|corrected", "undermined"),
    (r"forg[eo]t|cancel|promis|said\s+you'?d|anniversar|birthday|\blate\b|lateness|lazy|"
     r"unreliable|follow-?ups?|let\s+\w+(?:\s+\w+)?\s+down|turn\w*\s+up", "let down"),
    (r"without\s+(?:asking|telling|checking|consulting|a\s+conversation|a\s+word)|"
     r"found\s+out|behind\s+my\s+back|before\s+telling|told\s+me\s+(?:afterwards|last)|"
     r"didn't\s+tell|\btell\s+me\b|\bcold\b|distant|shut\w*\s+(?:me\s+)?out|friends", "left out"),
    (r"careless|reckless|runway|budget|money|costing|\bdata\b|risk|drinking|smoking",
     "worried"),
    (r"dump|left\s+(?:me|the\s+\w+\s+for\s+me)|fix\s+things|bills|chores|dishes|slack|"
     r"working\s+hours|on\s+call", "overloaded"),
    (r"\bcalls?\b|\bvisit|asked\s+about|ask\s+how|asked\s+how|text\s+back|\brepl", "forgotten"),
    (r"praise|proud|thank|appreciat|stingy|notice", "unappreciated"),
    (r"hurt|betray|snap|yell|shout|harsh|sulk|sigh|phone|rude|mean\b|weight", "hurt"),
    (r"dramatic|crisis|complicated", "overwhelmed"),
)  # fmt: skip

# Words that sweep or push, dropped from what happened ("you always interrupt me" →
# "you interrupt me"); "every time" becomes "when".
_SWEEPING = re.compile(
    r"\b(?:always|constantly|forever|even|just|really|actually|honestly|simply|literally|"
    r"for\s+once|just\s+once|at\s+least|all\s+the\s+time)\b,?\s*",
    re.I,
)
_CLAUSE_END = re.compile(
    r"[;:.!?]|,\s+(?:full\s+stop|period|and\s+it's|which)\b|\s+and\s+it's\b", re.I
)
_OPENING = re.compile(
    r"^\W*(?:(?:honestly|frankly|look|so|and|but|then|now|let\s+me\s+be\s+\w+)\s*[,:]?\s+)*"
    r"(?:(?:mum|dad|mom|papa|mama|[A-Z][a-z]+)\s*,\s+)?",
    re.I,
)

DEFAULT_FEELING = "…"


def feeling_for(sentence: str) -> str | None:
    """The feeling a blame of this kind usually stands for, or None when unsure."""
    for pattern, feeling in _FEELINGS:
        if re.search(pattern, sentence, re.I):
            return feeling
    return None


def _plain(words: str) -> str:
    """The writer's words without sweeping adverbs, spacing tidied, no end punctuation."""
    words = re.sub(r"\bevery\s+(?:single\s+)?time\b", "when", words, flags=re.I)
    words = _SWEEPING.sub("", words + " ")
    words = re.sub(r"\s+", " ", words).strip(" ,")
    return re.sub(r"\s+([,.])", r"\1", words)


def _up_to_clause_end(text: str) -> str:
    if cut := _CLAUSE_END.search(text):
        text = text[: cut.start()]
    return _plain(text)


# Stems that take back their "e" when "-ed" goes: "noticed", "judged", "changed", "used".
_STEM_NEEDS_E = re.compile(r"(?:[^aeiou]c|v|z|[aeiou]us|[^aeiou]at|dg|rg|ng|ur)$")


@cache
def _base(verb: str) -> str:
    """The base form of a verb: "asked" → "ask", "noticed" → "notice", "told" → "tell".
    Irregular verbs come from simplemma's English lexicon; for "-ed" it is unreliable
    ("thanked" → "thanke"), so the ending is undone by rule, checked against the
    lexicon where only one of the two forms is a word."""
    word = verb.lower()
    if not word.endswith("ed") or len(word) < 5:
        return str(simplemma.lemmatize(word, lang="en"))
    if word.endswith("ied"):
        return word[:-3] + "y"
    stem = word[:-2]
    doubled = stem[-1] == stem[-2] and stem[-1] not in "sz"
    if doubled and (stem[-1] != "l" or len(stem) > 5):
        return stem[:-1]  # "stopped", "cancelled"; not "called"
    known, known_with_e = (simplemma.is_known(w, lang="en") for w in (stem, stem + "e"))
    if known != known_with_e:
        return stem if known else stem + "e"
    return stem + "e" if _STEM_NEEDS_E.search(stem) else stem


def _quoted(text: str) -> str:
    return "“" + text + "”"


def _statement(feeling: str | None, situation: str, *, past: bool) -> str:
    feeling = feeling or DEFAULT_FEELING
    if past:
        text = _("I felt {feeling} {situation}, and I’d like …")
    else:
        text = _("I feel {feeling} {situation}, and I’d like …")
    return _quoted(text.format(feeling=feeling, situation=situation))


def _frame(sentence: str) -> str:
    """The safe offer: the shape of an I-statement beside the writer's own sentence."""
    return _(
        "{frame}, saying plainly what happened and what you felt (you wrote {sentence})"
    ).format(
        frame=_quoted(_("I feel … when …, and I’d like …")),
        sentence=_quoted(sentence.strip()),
    )


def reframe(sentence: str, form: str | None = None) -> str:
    """The I-statement for a blaming ``sentence``, in quotes, or the frame beside the
    sentence. ``form`` is how the sentence blamed (see ``blame``); without it, every
    builder is tried in turn."""
    written = re.sub(r"\s+", " ", sentence.strip())
    core = _OPENING.sub("", written).rstrip(" .!?")
    feeling = feeling_for(core)
    builders = _BUILDERS.get(form or "", ()) + _ALL_BUILDERS
    for builder in builders:
        if (built := builder(core, feeling)) is not None:
            return built
    return _frame(written)


_MAKES_ME = re.compile(
    r"^you\s+(?:\w+\s+)?(?P<verb>make|makes|made)\s+me\s+(?:feel\s+)?(?P<how>[^,;]+?)"
    r"(?:\s+(?P<when>(?:when|whenever|if)\s+.+))?$",
    re.I,
)


def _made_me_feel(core: str, feeling: str | None) -> str | None:
    """ "You make me feel judged when I admit it" → "I feel judged when I admit it"."""
    match = _MAKES_ME.match(core)
    if not match:
        return None
    how = _plain(match["how"])
    when = _plain(match["when"]) if match["when"] else "when …"
    return _statement(how, when, past=match["verb"].lower() == "made")


_DID_TO_ME = re.compile(r"^you\s+(?:\w+ly\s+)?(?P<verb>\w+ed|hurt|upset)\s+me\b(?P<rest>.*)$", re.I)
_YOU_DID = re.compile(
    r"^you(?:\s+(?:all|guys|lot))?\s+(?:(?:\w+ly|just|really|then)\s+)*(?P<act>(?:\w+ed|took|"
    r"gave|broke|made|told|said|left|went|put|let|spoke|tore|kept|brought|sent|hid|threw|"
    r"forgot)\b.*)$",
    re.I,
)
_YOU_DO = re.compile(
    r"^you(?:\s+(?:all|guys|lot))?\s+(?P<act>(?![a-z]+ing\b)(?!(?:are|were|'re|was|will|"
    r"would|should|must|can|could|need|have|has|had|do|did|don't|didn't|never|only)\b)"
    r"[a-z]+\b.*)$",
    re.I,
)


def _did(core: str, feeling: str | None) -> str | None:
    """ "You embarrassed me in front of your friends" → "I felt embarrassed in front of
    your friends"; "you dismissed my idea" → "I felt unheard when you dismissed my idea";
    "you sulk for the whole evening" → "I feel hurt when you sulk for the whole evening"."""
    if (match := _DID_TO_ME.match(core)) and valence(match["verb"]) <= -1:
        rest = _up_to_clause_end(match["rest"])
        return _statement(match["verb"].lower(), rest, past=True).replace(" , ", ", ")
    if match := _YOU_DID.match(core):
        return _statement(feeling, "when you " + _up_to_clause_end(match["act"]), past=True)
    if match := _YOU_DO.match(core):
        return _statement(feeling, "when you " + _up_to_clause_end(match["act"]), past=False)
    return None


_YOU_NOT = re.compile(
    r"^you(?:\s+(?:all|guys|lot))?(?P<aux>'ve|\s+have|'ll|\s+will)?\s+"
    r"(?P<neg>never|don't|didn't|won't|do\s+not|did\s+not|haven't)\s+"
    r"(?:(?:even|once|ever|actually|really|seem\s+to)\s+)*(?P<verb>[a-z']+)(?P<rest>.*)$",
    re.I,
)


def _not_done(core: str, feeling: str | None) -> str | None:
    """ "You never call unless you need something" → "I feel let down when you don't
    call unless you need something"; "you never asked" → "when you didn't ask"."""
    match = _YOU_NOT.match(core)
    if not match:
        return None
    verb, rest = match["verb"], _up_to_clause_end(match["rest"])
    negation = match["neg"].lower()
    if negation == "never":
        if match["aux"] and "'ll" not in match["aux"] and "will" not in match["aux"]:
            helper, past = "haven't", False
        elif verb.lower() != _base(verb):
            helper, verb, past = "didn't", _base(verb), True
        else:
            helper, past = "don't", False
    else:
        helper, past = negation, negation.startswith("did")
    return _statement(feeling, f"when you {helper} {verb}{' ' + rest if rest else ''}", past=past)


_YOU_ARE = re.compile(
    r"^you(?P<be>'re|\s+are|\s+were|\s+come\s+across\s+as|\s+came\s+across\s+as|\s+seem)\s+"
    r"(?:(?:so|too|really|very|such\s+an?|a\s+bit|always|being)\s+)*(?P<trait>[\w'-]+)"
    r"(?:\s+(?P<prep>with|about|in|at|when|whenever|during|around)\s+(?P<rest>.+))?$",
    re.I,
)


def _trait(core: str, feeling: str | None) -> str | None:
    """ "You're careless with the client's data" → "I feel worried about the client's
    data"; "you were dismissive when I brought it up" → "I felt unheard when I brought
    it up". The trait itself is dropped: it is the judgement."""
    match = _YOU_ARE.match(core)
    if not match or (match["rest"] is None and core.lower() != match.group(0).lower()):
        return None
    past = "were" in match["be"].lower() or "came" in match["be"].lower()
    if not match["prep"]:
        return _statement(feeling, "when …", past=past)
    prep = "when it comes to" if match["prep"].lower() == "with" else match["prep"].lower()
    rest = _up_to_clause_end(match["rest"])
    rest = re.split(r",\s+(?:mum|dad|mom)\b", rest, flags=re.I)[0]
    return _statement(feeling, f"{prep} {rest}", past=past)


_SHOULD = re.compile(
    r"^you\s+(?:(?P<have>should(?:'ve|\s+have)|ought\s+to\s+have)|must|should|need\s+to|"
    r"have\s+to|ought\s+to|'d\s+better)\s+(?P<rest>.+)$|"
    r"^I\s+(?:need|want)\s+you\s+to\s+(?P<ask>.+)$",
    re.I,
)


def _demanded(core: str, feeling: str | None) -> str | None:
    """ "You should have told me" → "I wish you had told me"; "you need to double check"
    → "I'd like you to double check": a wish and a request in place of an order."""
    match = _SHOULD.match(core)
    if not match:
        return None
    rest = _up_to_clause_end(match["rest"] or match["ask"])
    if match["have"]:
        text = _("I wish you had {what}; I felt {feeling}, and I’d like …")
    else:
        text = _("I’d like you to {what}, because …")
    return _quoted(text.format(what=rest, feeling=feeling or DEFAULT_FEELING))


_CAUSED = re.compile(
    r"^(?P<what>.+?),?\s+(?:because\s+of\s+you|thanks\s+to\s+you)$|"
    r"^(?:because\s+of\s+you|thanks\s+to\s+you),?\s+(?P<after>.+)$|"
    r"^it's\s+your\s+fault\s+(?:that\s+)?(?P<fault>.+)$",
    re.I,
)
_YOUR_PROBLEM = re.compile(
    r"^(?P<what>your\s+.+?)\s+(?:is|was|are|were|'s)\s+(?:\w+\s+){0,2}?(?:the\s+|a\s+)?"
    r"(?:real\s+|whole\s+)?(?:problem|issue|costing|killing|ruining|what'?s\s+wrong)\b",
    re.I,
)


def _caused(core: str, feeling: str | None) -> str | None:
    """ "The deal fell through because of you" → "I'm upset that the deal fell through";
    "your drinking is the problem" → "I feel worried about your drinking"."""
    if match := _YOUR_PROBLEM.match(core):
        text = _("I feel {feeling} about {what}, and I’d like …")
        what = _plain(match["what"])
        what = what[:1].lower() + what[1:]
        return _quoted(text.format(feeling=feeling or _("concerned"), what=what))
    match = _CAUSED.match(core)
    if not match:
        return None
    what = _plain(match["what"] or match["after"] or match["fault"])
    what = what[:1].lower() + what[1:]
    text = _("I feel {feeling} that {what}, and I’d like …")
    return _quoted(text.format(feeling=feeling or _("upset"), what=what))


_TREATS = re.compile(
    r"^you\s+(?:\w+ly\s+)?(?P<act>(?:talk|treat|act|speak|behave|look)\w*\b.+)$", re.I
)


def _treated(core: str, feeling: str | None) -> str | None:
    """ "You talk to me like I'm still an intern" → "I feel belittled when you talk to me
    like I'm still an intern": the comparison stays, as the writer's experience."""
    match = _TREATS.match(core)
    if not match:
        return None
    return _statement(feeling, "when you " + _up_to_clause_end(match["act"]), past=False)


_BUILDERS = {
    MAKES_ME_FEEL: (_made_me_feel,),
    WRONG: (_did,),
    NEGLECT: (_not_done,),
    TRAIT: (_trait,),
    DEMAND: (_demanded,),
    CAUSE: (_caused,),
    TREATS_LIKE: (_treated,),
}
_ALL_BUILDERS = (_made_me_feel, _demanded, _not_done, _trait, _caused, _treated, _did)
