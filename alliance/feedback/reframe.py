"""The "I"-statement offered for a blaming sentence, built from the sentence's own parts.

The shape is "I feel <feeling> when <what happened>, and I'd like …": the feeling comes
from the verb or trait that blamed ("dismissed", "careless"), what happened is the
writer's own words without the absolutes, and the need is left to the writer ("…"),
since a guessed need would put words in their mouth. When the sentence gives no safe
parts (sarcasm, an accusing question, a form the builder does not know) the offer is
the frame itself with the writer's words quoted, never a sentence that might be wrong.
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
    Blame,
)

# Feelings named by the kind of hurt; the first pattern that matches the sentence wins.
_FEELINGS = (
    (r"listen|hear|interrupt|dismiss|ignor|talk(?:s|ed)?\s+over|cut\s+me\s+off|overrul|"
     r"brush|move\w*\s+(?:straight|right)|change\w*\s+the\s+subject|steamroll|arrogant|"
     r"opinion|idea|concern|last\s+word", "unheard"),
    (r"humiliat|embarrass|belittl|patronis|condescend|mock|ridicul|lectur|like\s+(?:a|an)\s+"
     r"(?:child|kid|intern|junior)|like\s+I'?m|judg|unrealistic|lack", "belittled"),
    (r"undermin|credit|overrid|tore|tear|correct", "undermined"),
    (r"hurt|betray|snap|yell|shout|harsh|cold|sulk|sigh|phone|leave\s+early|drinking|"
     r"smile", "hurt"),
    (r"forg[eo]t|cancel|promis|said\s+you'?d|birthday|anniversary|late|lazy|unreliable|"
     r"follow-?ups?|priority|busy|never\s+(?:call|visit|ask)", "let down"),
    (r"told|tell|without\s+(?:asking|telling|a\s+conversation|checking)|found\s+out|"
     r"behind\s+my\s+back|decid|pivot|before\s+telling", "left out"),
    (r"careless|reckless|data|runway|budget|money|costing|risk", "worried"),
    (r"dump|left\s+me|fix\s+things|bills|chores|work|load|pushing", "overloaded"),
    (r"praise|thank|proud|notice|appreciat|stingy|recogni", "unappreciated"),
    (r"dramatic|crisis|everything|complicated", "overwhelmed"),
)  # fmt: skip
_ABSOLUTE_WORDS = re.compile(
    r"\b(?:always|never|constantly|forever|ever|even|just|really|actually|honestly|"
    r"once|at\s+least|all\s+the\s+time|every\s+single\s+time|every\s+time|for\s+once|"
    r"anymore|so|too)\b\s*",
    re.I,
)
_CLAUSE_END = re.compile(r"[;:.!?]|,\s*(?:full\s+stop|period|and\s+it's|which)\b", re.I)
_VOCATIVE = re.compile(r"^\W*(?:(?:honestly|frankly|look|so|and|but|let\s+me\s+be\s+\w+)[,:]?\s+)*"
                       r"(?:[A-Z][a-z]+,\s+)?", re.I)  # fmt: skip


def feeling_for(sentence: str) -> str | None:
    lowered = sentence.lower()
    for pattern, feeling in _FEELINGS:
        if re.search(pattern, lowered):
            return feeling
    return None


def _clean(words: str) -> str:
    """The writer's words without absolutes and doubled spaces, closing punctuation off."""
    words = _ABSOLUTE_WORDS.sub("", words + " ")
    words = re.sub(r"\s+", " ", words).strip(" ,")
    return re.sub(r"\s+([,.])", r"\1", words)


def _clause_from(sentence: str, start: int) -> str:
    rest = sentence[start:]
    if cut := _CLAUSE_END.search(rest):
        rest = rest[: cut.start()]
    return _clean(rest)


@cache
def _base(verb: str) -> str:
    return str(simplemma.lemmatize(verb.lower(), lang="en"))


def _frame(sentence: str, feeling: str | None = None) -> str:
    """The safe offer: the shape of an I-statement, with the writer's words to draw on."""
    quoted = _clean(_VOCATIVE.sub("", sentence.strip()).rstrip(".!?"))
    return _(
        "\u201cI feel {feeling} when \u2026, and I\u2019d like \u2026\u201d, saying what "
        "happened in place of \u201c{quoted}\u201d"
    ).format(feeling=feeling or "\u2026", quoted=quoted)


def _statement(feeling: str, situation: str, *, past: bool) -> str:
    if past:
        text = _("I felt {feeling} {situation}, and I\u2019d like \u2026")
    else:
        text = _("I feel {feeling} {situation}, and I\u2019d like \u2026")
    return "\u201c" + text.format(feeling=feeling, situation=situation) + "\u201d"


_YOU_DID = re.compile(
    r"\byou(?:\s+(?:all|guys|lot))?\s+(?:\w+ly\s+)?(?:(?P<aux>'ve|have|had|were|'re|are)\s+)?"
    r"(?P<verb>[a-z]+(?:ed|t))\s+(?P<object>me\b|my\s+\w+|[^,;.!?]*)",
    re.I,
)
_YOU_BE = re.compile(
    r"\byou(?:'re|\s+are|\s+were|\s+come\s+across\s+as|\s+came\s+across\s+as|\s+seem)\s+"
    r"(?:(?:so|too|really|very|such\s+an?|a\s+bit|always)\s+)*(?P<trait>[\w'-]+)\s*(?P<rest>.*)",
    re.I,
)
_YOU_NOT = re.compile(
    r"\byou(?:\s+(?:all|guys|lot))?(?P<aux>'ve|\s+have|'ll|\s+will)?\s+(?:\w+\s+)?"
    r"(?P<neg>never|don't|didn't|won't|do\s+not|did\s+not|haven't)\s+(?:(?:even|once|ever|"
    r"actually|really)\s+)*(?P<rest>.*)",
    re.I,
)
_MAKES_ME = re.compile(r"\byou\s+(?:\w+\s+)?(?P<verb>make|makes|made)\s+me\s+(?:feel\s+)?(?P<rest>.*)", re.I)
_SHOULD = re.compile(
    r"\byou\s+(?:(?P<have>should(?:'ve|\s+have)|ought\s+to\s+have)|must|should|need\s+to|"
    r"have\s+to|ought\s+to|'d\s+better)\s+(?P<rest>.*)",
    re.I,
)
_CAUSED = re.compile(
    r"^(?P<what>.*?)\s*(?:because\s+of\s+you|thanks\s+to\s+you|(?:is|was)\s+your\s+fault)\b",
    re.I,
)
_YOUR_PROBLEM = re.compile(
    r"\b(?P<what>your\s+[^,;.!?]*?)\s+(?:is|was|are|were|'s)\s+(?:\w+\s+){0,2}?(?:the\s+|a\s+)?"
    r"(?:real\s+|whole\s+)?(?:problem|issue|costing|killing|ruining|what'?s\s+wrong)",
    re.I,
)


def reframe(sentence: str, form: str | None = None) -> str:
    """The I-statement for a blaming ``sentence``, quoted, or the frame with its words.

    ``form`` is how it blamed (see ``blame``); without it the sentence's own shape
    decides."""
    sentence = _VOCATIVE.sub("", sentence.strip())
    feeling = feeling_for(sentence)
    built = None
    if feeling:
        for builder in _BUILDERS.get(form, ()) if form else _ALL_BUILDERS:
            if (built := builder(sentence, feeling)) is not None:
                break
    return built or _frame(sentence, feeling)


def _made_me(sentence: str, feeling: str) -> str | None:
    match = _MAKES_ME.search(sentence)
    if not match:
        return None
    felt = _clause_from(sentence, match.start("rest"))
    if not felt:
        return None
    return _statement(felt.split(" when ")[0], _when(felt), past=match["verb"].lower() == "made")


def _when(felt: str) -> str:
    parts = felt.split(" when ", 1)
    return "when " + parts[1] if len(parts) > 1 else "when \u2026"


def _did_to_me(sentence: str, feeling: str) -> str | None:
    """"You embarrassed me in front of your friends" → "I felt embarrassed in front of
    your friends"; "you dismissed my idea" → "I felt unheard when you dismissed my idea"."""
    match = _YOU_DID.search(sentence)
    if not match:
        return None
    verb = match["verb"]
    if match["object"].lower() == "me" and verb.lower().endswith("ed"):
        rest = _clause_from(sentence, match.end("object"))
        return _statement(verb.lower(), rest or "", past=True).replace(" ,", ",")
    what = _clause_from(sentence, match.start())
    return _statement(feeling, "when " + _you_to_lower(what), past=True)


def _you_to_lower(text: str) -> str:
    return re.sub(r"^You\b", "you", text)


def _not_done(sentence: str, feeling: str) -> str | None:
    """"You never call unless you need something" → "I feel let down when you don't call
    unless you need something"."""
    match = _YOU_NOT.search(sentence)
    if not match:
        return None
    rest = _clause_from(sentence, match.start("rest"))
    if not rest:
        return None
    negation = match["neg"].lower()
    first, _sep, after = rest.partition(" ")
    if negation == "never":
        past = bool(match["aux"]) or first.lower().endswith("ed") or _base(first) != first.lower()
        helper = "haven't" if match["aux"] and "'ll" not in match["aux"] else (
            "didn't" if past else "don't"
        )
        verb = first if helper == "haven't" else _base(first)
        action = f"{helper} {verb} {after}".strip()
    else:
        past = negation.startswith("did") or negation == "haven't"
        action = f"{negation} {rest}"
    return _statement(feeling, f"when you {action}", past=past)


def _trait(sentence: str, feeling: str) -> str | None:
    """"You're careless with the client's data" → "I feel worried about the client's data"."""
    match = _YOU_BE.search(sentence)
    if not match:
        return None
    rest = _clause_from(sentence, match.start("rest"))
    rest = re.sub(r"^(?:with|at|in)\s+", "about ", rest, flags=re.I)
    if not rest:
        return _statement(feeling, "when \u2026", past=False)
    if not rest.lower().startswith(("about", "when", "in", "if", "during", "around", "at")):
        return None
    return _statement(feeling, rest, past=" were " in match.group(0).lower())


def _demanded(sentence: str, feeling: str) -> str | None:
    """"You should have told me" → "I wish you had told me"; "you need to double check"
    → "I'd like you to double check"."""
    match = _SHOULD.search(sentence)
    if not match:
        return None
    rest = _clause_from(sentence, match.start("rest"))
    if not rest:
        return None
    if match["have"]:
        text = _("I wish you had {what}; I felt {feeling}, and I\u2019d like \u2026")
    else:
        text = _("I\u2019d like you to {what}, because I feel {feeling} when \u2026")
    return "\u201c" + text.format(what=rest, feeling=feeling) + "\u201d"


def _caused(sentence: str, feeling: str) -> str | None:
    """"The deal fell through because of you" → "I'm upset the deal fell through";
    "your drinking is the problem" → "I'm worried about your drinking"."""
    if match := _YOUR_PROBLEM.search(sentence):
        what = _clean(match["what"])
        return "\u201c" + _("I feel {feeling} about {what}, and I\u2019d like \u2026").format(
            feeling=feeling, what=what
        ) + "\u201d"
    match = _CAUSED.search(sentence)
    if not match or not (what := _clean(match["what"]).rstrip(",")):
        return None
    what = what[0].lower() + what[1:]
    return "\u201c" + _("I feel {feeling} that {what}, and I\u2019d like \u2026").format(
        feeling=feeling, what=what
    ) + "\u201d"


def _treated(sentence: str, feeling: str) -> str | None:
    match = re.search(r"\byou\s+(?P<what>(?:talk|treat|act|speak)[^,;.!?]*)", sentence, re.I)
    if not match:
        return None
    return _statement(feeling, "when you " + _clean(match["what"]), past=False)


_BUILDERS = {
    MAKES_ME_FEEL: (_made_me,),
    WRONG: (_did_to_me,),
    NEGLECT: (_not_done,),
    TRAIT: (_trait,),
    DEMAND: (_demanded,),
    CAUSE: (_caused,),
    TREATS_LIKE: (_treated,),
}
_ALL_BUILDERS = (_made_me, _demanded, _not_done, _trait, _caused, _treated, _did_to_me)


def form_of(blames: list[Blame]) -> str | None:
    return blames[0].form if blames else None
