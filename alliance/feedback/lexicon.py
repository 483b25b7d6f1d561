"""Word lists the feedback coach reads with, beside VADER's lexicon.

VADER (which ships its lexicon inside the package) knows most words of feeling and
judgement; these lists hold what it does not know or reads otherwise in a reflection
about a relationship. Each list is a class of words, not sentences of any data set: add a
word when it belongs to the class, wherever it was met.
"""

import re
from functools import cache, lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


@cache
def analyser() -> SentimentIntensityAnalyzer:
    """Built on first use: loading the lexicon takes a moment and many processes never
    review anything."""
    return SentimentIntensityAnalyzer()


# VADER reads each emoji as the words of its name and its negation check is quadratic in
# words, so a line of emoji would cost seconds: a few are read, the rest set aside.
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f\u200d]")
MAX_EMOJI = 8


@lru_cache(maxsize=1024)
def polarity(text: str) -> float:
    """VADER's compound score of ``text`` (each sentence is also read as the one before
    the next, hence the small cache)."""
    kept = 0

    def first_few(match: re.Match[str]) -> str:
        nonlocal kept
        kept += 1
        return match.group(0) if kept <= MAX_EMOJI else " "

    text = _EMOJI.sub(first_few, text)
    return float(analyser().polarity_scores(text)["compound"])


# Ways of treating someone badly that VADER has no valence for ("steamrolled", "sulk"):
# roots, each with its usual endings.
HARMFUL_VERBS = re.compile(
    r"(?:belittl|betray|condescend|dismiss|gaslight|humiliat|ignor|interrupt|lectur|"
    r"micromanag|mock|nag|overpromis|overrul|overrid|patronis|patroniz|rattl|ridicul|"
    r"sabotag|scoff|shout|sigh|smirk|snap|sneer|steamroll|stonewall|sulk|undermin|yell|"
    r"judg|snub|neglect|abandon|exclud|scold|nitpick|bull(?:y|ie)|forg[eo]t(?:t)?|complain|"
    r"second-guess|gossip|hog|rush|badmouth|backstab|manipulat|guilt-trip|overshar|overstep|"
    r"overreact|overcommit)"
    r"(?:e|es|s|ed|d|ing|p?ed|p?ing|ive|ively|ment)?",
    re.I,
)

# Traits of a person that VADER does not read as negative.
HARMFUL_TRAITS = frozenset(
    {
        "cold", "dramatic", "dismissive", "controlling", "condescending", "patronising",
        "patronizing", "unreliable", "disposable", "distant", "flaky", "passive-aggressive",
        "defensive", "stubborn", "bossy", "pushy", "sarcastic", "smug", "petty", "moody",
        "grumpy", "vague", "absent", "late", "useless", "clueless", "inconsiderate",
        "thoughtless", "judgmental", "judgemental", "critical", "negative", "impossible",
        "closed", "closed-off", "dishonest", "mean", "rude", "entitled", "preachy",
        "unreasonable", "irresponsible", "insensitive", "inflexible", "ungrateful",
        "unsupportive", "unhelpful", "hypocritical", "manipulative", "immature", "childish",
        "possessive", "clingy", "rigid", "demanding", "overbearing", "nosy", "sloppy",
        "disorganised", "disorganized", "forgetful", "neglectful", "exhausting", "draining",
        "tiresome", "unbearable", "unfair", "selfish", "lazy", "arrogant", "lateness",
    }
)  # fmt: skip

# How being wronged feels, when VADER has no valence for it ("you make me feel invisible").
HURT_FEELINGS = frozenset(
    {
        "invisible", "small", "unwanted", "unheard", "unseen", "worthless", "judged",
        "unimportant", "inadequate", "belittled", "dismissed", "insecure", "unwelcome",
        "stupid", "guilty", "useless", "excluded", "replaceable", "foolish", "silly",
    }
)  # fmt: skip

# Things done to someone that are wrongs as a whole phrase, though no word of them is.
HARMFUL_PHRASES = re.compile(
    r"\b(?:too?k|takes?|taking)\s+(?:the\s+)?credit\b|\broll(?:s|ed|ing)?\s+(?:\w+\s+)?eyes\b|"
    r"\b(?:tore|tear(?:s|ing)?|torn)\s+(?:\w+\s+){0,3}?(?:apart|into|to\s+pieces)\b|"
    r"\b(?:went|go(?:es)?|going|gone)\s+(?:quiet|silent|dark|cold)\b|"
    r"\bchang(?:e|es|ed|ing)\s+the\s+subject\b|\bcheck(?:s|ed|ing)?\s+your\s+phone\b|"
    r"\b(?:leave|leaves|left|leaving)\s+early\b|\b(?:just\s+)?(?:went|go|goes)\s+home\b|"
    r"\boff\s+the\s+hook\b|\bmov(?:e|es|ed|ing)\s+the\s+goalposts\b|"
    r"\bmov(?:e|es|ed|ing)\s+(?:straight|right)\s+(?:on|to)\b|"
    r"\b(?:talk(?:s|ed|ing)?|spoke|speak(?:s|ing)?)\s+(?:over|down\s+to)\b|\bbehind\s+my\s+back\b|"
    r"\bma(?:k|d)e?(?:s|ing)?\s+fun\s+of\b|\b(?:left|leave|leaves|leaving)\s+(?:[\w']+\s+){1,3}(?:for|to)\s+me\b|"
    r"\bcut(?:s|ting)?\s+me\s+off\b|\bbrush(?:es|ed|ing)?\s+(?:\w+\s+)?off\b|"
    r"\b(?:already\s+decided|decided\s+(?:\w+\s+){0,3}?already|made\s+up\s+your\s+mind)\b|"
    r"\bthe\s+same\s+(?:questions?|mistakes?|things?|excuses?|arguments?)\b|"
    r"\b(?:dump(?:s|ed|ing)?|offload(?:s|ed|ing)?)\b|\bleft\s+me\s+(?:out|to)\b|"
    r"\bwithout\s+(?:asking|telling|checking|consulting|warning|discussing|a\s+word|"
    r"a\s+handover|a\s+conversation|any\s+notice|notice|letting\s+(?:me|us)\s+know|"
    r"having\s+read)\b|\bfor\s+granted\b|\bshut(?:s|ting)?\s+(?:me|us|\w+)\s+(?:out|down)\b|"
    r"\b(?:froze|freeze|freezes|freezing)\s+me\s+out\b|\bas\s+(?:yours|your\s+own)\b|"
    r"\bpass(?:es|ed|ing)?\s+\w+\s+off\b|\b(?:an?\s+|another\s+)?excuses?\b|"
    r"\buntil\s+(?:the\s+)?last(?:\s+minute)?\b|\bat\s+the\s+last\s+minute\b|"
    r"\blet\w*\s+(?:[\w']+\s+){0,3}down\b|\bon\s+your\s+(?:phone|laptop|screen)\b|"
    r"\bleft\s+(?:[\w']+\s+){1,3}(?:waiting|hanging|stranded|alone|behind)\b|"
    r"\bwear(?:s|ing)?\s+(?:[\w']+\s+){0,2}(?:down|out|thin)\b|\bwore\s+(?:[\w']+\s+){0,2}(?:down|out|thin)\b|"
    r"\bwhile\s+I\s+was\s+(?:away|out|on\s+leave|off|sick|ill)\b|\bwalk(?:s|ed|ing)?\s+(?:out|off)\b|"
    r"\brais(?:e|es|ed|ing)\s+your\s+voice\b|\bat\s+my\s+expense\b|\bthe\s+slack\b|"
    r"\bpretend\w*\s+to\b|\b(?:told|tell|telling|informed)\s+me\s+(?:afterwards|after\s+the\s+fact|"
    r"last|later)\b|\bput\w*\s+(?:[\w']+\s+){1,3}before\s+(?:me|my|our|us)\b|"
    r"\btreat\w*\s+(?:[\w']+\s+){1,3}as\s+(?:free|optional|a\s+given|nothing|an?\s+afterthought)\b",
    re.I,
)

# States a person suffers rather than traits they have: "you seem tired" is concern.
SUFFERING = frozenset(
    {
        "tired", "exhausted", "sad", "stressed", "upset", "hurt", "ignored", "worried",
        "anxious", "overwhelmed", "lonely", "unhappy", "scared", "afraid", "nervous", "busy",
        "ill", "sick", "unwell", "stuck", "lost", "down", "low", "drained", "frustrated",
        "burnt", "burned", "overworked", "struggling", "grieving", "hurting", "sorry",
        "left", "disappointed", "confused", "embarrassed", "ashamed", "excluded",
    }
)  # fmt: skip

# Verbs whose absence is no failing: "you don't have to", "you didn't mean to".
NOT_A_DUTY = frozenset(
    {
        "mean", "meant", "need", "needed", "have", "had", "has", "deserve", "deserved",
        "want", "wanted", "owe", "mind", "worry", "doubt", "hesitate", "seem", "realise",
        "realize", "intend", "intended", "pretend", "feel", "felt",
    }
)  # fmt: skip

# Words VADER reads as praise that are not praise in a reflection, or its valence is
# misleading: "I'd like", "no" as in "no phones", "promised" in a broken promise.
NEUTRAL = frozenset(
    {"like", "no", "promised", "please", "pretty", "well", "sure", "okay", "ok", "treat", "treats"}
)


def _stems(word: str) -> list[str]:
    """Candidate base forms of an English word, by its common endings."""
    forms = [word]
    for ending in ("ing", "ed", "es", "s", "d", "ly"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            base = word[: -len(ending)]
            forms += [base, base + "e"]
            if len(base) > 3 and base[-1] == base[-2]:
                forms.append(base[:-1])
    return forms


@cache
def valence(word: str) -> float:
    """How negative or positive ``word`` is, -4 to 4, 0 when unknown. Our lists first,
    then VADER's lexicon for the word or its base form."""
    word = word.lower().strip("'")
    if word in NEUTRAL:
        return 0.0
    if word in HARMFUL_TRAITS or word in HURT_FEELINGS or HARMFUL_VERBS.fullmatch(word):
        return -2.0
    lexicon = analyser().lexicon
    for form in _stems(word):
        if form in lexicon:
            return float(lexicon[form])
    return 0.0


def own_word(word: str) -> bool:
    """Whether ``word`` is in our own lists of wrongs (a doer's act or trait), which name
    what someone does rather than the circumstances ("late", not "difficult")."""
    word = word.lower()
    return word in HARMFUL_TRAITS or bool(HARMFUL_VERBS.fullmatch(word))
