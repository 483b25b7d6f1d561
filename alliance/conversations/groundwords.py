"""The word lists behind common ground, written for this product (English only).

Each list answers one question about a word in a reflection, so that anyone can see why a
word was or was not listed as something two people share:

- STOP_WORDS: words that hold a sentence together and mean nothing on their own
  (pronouns, articles, prepositions, conjunctions, auxiliary and modal verbs, negations,
  question words, contractions);
- FILLER: content words so general in reflections that two people using them tells them
  nothing: light verbs ("get", "make", "come", "leave"), hedges and intensifiers
  ("really", "actually"), bare units of time ("hour", "week"), praise with no object
  ("good", "important") and words any relationship uses ("relationship", "together");
- NUMBER_WORDS: counts, ordinals and fractions, which matter only inside a phrase such as
  "every two weeks" (read by PHRASES first);
- SYNONYMS and PHRASES: the equivalences the product can tell, kept small on purpose:
  rhythms ("fortnightly" = "every two weeks"), lengths ("sixty minutes" = "an hour"),
  channels ("e-mail" = "email", "zoom" = "video", "ring you" = "call"), meeting in
  person, being on time, conflict words, gratitude, children and home.

A word is compared by its lemma and word family (see commonground.py), and the lists are
matched against both the word as written and its lemma, so "felt" is filler like "feel".
"""

import re
from collections.abc import Callable


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_WORDS = _words(
    """
    a about above across after afterwards again against all almost along also although am
    among an and another any anybody anyone anything anyway anywhere are aren't around as at
    be became because become becomes been before behind being below beside besides between
    beyond both but by can can't cannot could couldn't did didn't do does doesn't doing
    don't done down during each either else elsewhere etc even ever every everybody everyone
    everything everywhere except few for from front further had hadn't has hasn't have
    haven't having he he'd he'll he's her here hers herself him himself his how however i
    i'd i'll i'm i've if in inside instead into is isn't it it'd it'll it's its itself just
    least less let's many may me might mine more moreover most much must mustn't my myself
    neither never no nobody none noone nor not nothing now nowhere of off on only onto or
    other others otherwise ought our ours ourselves out outside over own per rather same
    several shall she she'd she'll she's should shouldn't since so some somebody somehow
    someone something somewhere such than that that's the their theirs them themselves then
    there there's thereby therefore these they they'd they'll they're they've this those
    though through throughout thus to too toward towards under unless unlike until up upon
    us via was wasn't we we'd we'll we're we've were weren't what what's whatever when
    whenever where whereas wherever whether which while who who's whoever whole whom whose
    why will with within without won't would wouldn't yet you you'd you'll you're you've
    your yours yourself yourselves
    """
)

FILLER = _words(
    """
    able absolutely actually ago ahead already alright always anymore ask asked away back
    bad basically be become begin best better big bit certain certainly clear clearly come
    completely could day definitely different do easy enough especially exactly fact fairly
    feel feeling felt fine get getting give go going good got great guess happen hard have
    help honestly hope hour important just keep kind know large last late lately leave left
    let like likely little long look lot lots make maybe mean minute moment month mostly
    much need new next nice normal obviously often ok okay old once part people perhaps
    person place please plus point possible pretty probably put quite real really
    relationship right say see seem sense simply small so sometimes somewhat sort start
    still stuff sure take tell thing think time today together totally true truly try use
    usually very want way week well whole work year yes
    """
)

NUMBER_WORDS = _words(
    """
    couple double dozen eight eighteen eighth eighty eleven eleventh fifteen fifth fifty
    first five forty four fourteen fourth half halves hundred hundreds million nine nineteen
    ninety ninth one quarter second seven seventeen seventh seventy single six sixteen sixth
    sixty ten tenth third thirteen thirty thousand thousands three thrice triple twelfth
    twelve twenty twice two zero
    """
)

# A lemma on the left is compared as the word on the right (a word family's base, as
# commonground.family gives it).
SYNONYMS = {
    "e-mail": "email",
    "mail": "email",
    "phone": "call",
    "telephone": "call",
    "text": "message",
    "texting": "message",
    "sms": "message",
    "whatsapp": "message",
    "zoom": "video",
    "facetime": "video",
    "skype": "video",
    "videocall": "video",
    "argue": "conflict",
    "argument": "conflict",
    "fight": "conflict",
    "quarrel": "conflict",
    "clash": "conflict",
    "row": "conflict",
    "disagree": "conflict",
    "thankful": "grateful",
    "gratitude": "grateful",
    "thanks": "grateful",
    "kid": "child",
    "children": "child",
    "house": "home",
    "household": "home",
    "punctuality": "punctual",
    "candid": "honest",
    "frank": "honest",
    "truthful": "honest",
}

_COUNT = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45,
    "fifty": 50, "sixty": 60, "ninety": 90, "other": 2, "second": 2, "third": 3,
}  # fmt: skip
_UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14, "month": 30, "quarter": 91, "year": 365}
_NUMBER = r"(?P<n>\d{1,3}|" + "|".join(sorted(_COUNT, key=len, reverse=True)) + r")"
_UNIT = r"(?P<unit>day|week|fortnight|month|quarter|year)s?"


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _COUNT[word.lower()]


def _every(count: int, unit: str) -> str:
    """One name for a rhythm however it was put: in weeks up to twelve weeks, then months."""
    days = count * _UNIT_DAYS[unit]
    if days == 1:
        return "rhythm:daily"
    if days % 7 == 0 and days <= 84:
        return f"rhythm:{days // 7}w"
    if days in (30, 60, 90, 91, 180, 182):
        return f"rhythm:{round(days / 30)}m"
    if days == 365:
        return "rhythm:12m"
    return f"rhythm:{count}{unit}"


def _interval(match: re.Match[str]) -> str:
    return _every(_count(match["n"]) if match["n"] else 1, match["unit"].lower())


def _adverb(match: re.Match[str]) -> str:
    named = {"daily": "day", "weekly": "week", "fortnightly": "fortnight", "biweekly": "fortnight",
             "bi-weekly": "fortnight", "monthly": "month", "quarterly": "quarter",
             "yearly": "year", "annually": "year"}  # fmt: skip
    return _every(1, named[match.group().lower()])


def _frequency(match: re.Match[str]) -> str:
    times = {"once": 1, "twice": 2}.get(match["times"].lower())
    count = times or _count(match["times"].split()[0])
    unit = match["unit"].lower()
    if count == 1:
        return _every(1, unit)
    if unit == "month" and count == 2:
        return _every(2, "week")
    return f"rhythm:{count}x{unit}"


def _length(match: re.Match[str]) -> str:
    if match["half"]:
        return "length:30"
    minutes = _count(match["n"]) * (60 if match["unit"].lower().startswith("hour") else 1)
    if match["and_half"]:
        minutes += 30
    return f"length:{minutes}"


# Phrases read before single words, in this order; each gives the key two mentions share.
PHRASES: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (
        re.compile(
            rf"\b(?:every|each|once an?|once per|once every)\s+(?:{_NUMBER}\s+)?{_UNIT}\b",
            re.IGNORECASE,
        ),
        _interval,
    ),
    (
        re.compile(
            r"\b(?:daily|weekly|fortnightly|bi-?weekly|monthly|quarterly|yearly|annually)\b",
            re.IGNORECASE,
        ),
        _adverb,
    ),
    (
        re.compile(
            r"\b(?P<times>once|twice|(?:\d|two|three|four|five) times)\s+(?:a|an|per|each)\s+"
            r"(?P<unit>day|week|month|quarter|year)\b",
            re.IGNORECASE,
        ),
        _frequency,
    ),
    (
        re.compile(
            r"\b(?:(?P<half>half an hour)|(?P<n>\d{1,3}|an?|one|two|three|five|ten|fifteen|twenty|"
            r"thirty|forty-five|forty|fifty|sixty|ninety)[ -](?P<unit>hours?|minutes?|mins?)"
            r"(?P<and_half> and a half)?)\b",
            re.IGNORECASE,
        ),
        _length,
    ),
    (re.compile(r"\b(?:in person|face[ -]to[ -]face|in the same room)\b", re.IGNORECASE), "person"),
    (re.compile(r"\bon time\b", re.IGNORECASE), "punctual"),
    (re.compile(r"\bphone calls?\b", re.IGNORECASE), "call"),
    (re.compile(r"\bvideo calls?\b", re.IGNORECASE), "video"),
    (
        re.compile(
            r"\b(?:ring|call) (?:you|me|him|her|them)\b(?! out)|\bgive \w+ a (?:ring|call)\b",
            re.IGNORECASE,
        ),
        "call",
    ),
]
