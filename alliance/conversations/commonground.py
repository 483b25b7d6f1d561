"""Common ground: the content words that every party used, and the ones only one did.

Deliberately simple and explainable: lower-cased words, a stop list of function words and
filler, and a light suffix rule so that "weekend" and "weekends" count as one word.
"""

import re
from collections import Counter

WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")

_FUNCTION_WORDS = """
    a about above after again against all also am an and any are aren't as at be because
    been before being below between both but by can can't cannot could couldn't did didn't
    do does doesn't doing don't down during each even ever every few for from further get
    gets getting go goes going got had hadn't has hasn't have haven't having he her here
    hers herself him himself his how i i'd i'll i'm i've if in into is isn't it it's its
    itself just let's like lot lots make makes me more most much must my myself need needs
    no nor not now of off often on once one only or other ought our ours ourselves out over
    own really same say says she should shouldn't so some still such than that that's the
    their theirs them themselves then there there's these they they'd they'll they're
    they've thing things think this those though through to too under until up us very want
    wants was wasn't way we we'd we'll we're we've well were weren't what what's when where
    which while who whom why will with without won't would wouldn't yes yet you you'd you'll
    you're you've your yours yourself yourselves able already always around back bit day
    days enough feel feels felt good great keep kind know little maybe mean means next never
    new put quite rather right see something sometimes sure take time times try usually
    whole work working
"""
STOP_WORDS = frozenset(_FUNCTION_WORDS.split())


def stem(word: str) -> str:
    """A light, predictable normal form: lower case, no possessive, no plural s."""
    word = word.lower().replace("\u2019", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def content_stems(text: str) -> Counter[str]:
    return Counter(
        stem(w)
        for w in WORD.findall(text)
        if w.lower().replace("\u2019", "'") not in STOP_WORDS and len(w) > 2
    )


def common_words(texts: list[str]) -> set[str]:
    """Stems that appear in every one of the texts."""
    if not texts:
        return set()
    sets = [set(content_stems(t)) for t in texts]
    return set.intersection(*sets)


def highlight(text: str, stems: set[str]) -> list[tuple[str, bool]]:
    """The text cut into pieces, each marked True where it is a shared word."""
    pieces: list[tuple[str, bool]] = []
    last = 0
    for match in WORD.finditer(text):
        word = match.group()
        if stem(word) in stems and word.lower() not in STOP_WORDS:
            if match.start() > last:
                pieces.append((text[last : match.start()], False))
            pieces.append((word, True))
            last = match.end()
    if last < len(text):
        pieces.append((text[last:], False))
    return pieces


def words_by_party(
    texts_by_party: dict[str, list[str]], limit: int = 8
) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Across a conversation: the words everyone raised, and per person the words only
    they raised (most used first)."""
    counts = {name: content_stems(" ".join(texts)) for name, texts in texts_by_party.items()}
    speaking = {name: c for name, c in counts.items() if c}
    if len(speaking) < 2:
        return [], []
    everyone = set.intersection(*(set(c) for c in speaking.values()))
    total: Counter[str] = Counter()
    for c in speaking.values():
        total.update(c)
    shared_list = sorted(everyone, key=lambda w: (-total[w], w))[:limit]
    only = []
    for name, c in speaking.items():
        others = set().union(*(set(o) for n, o in speaking.items() if n != name))
        mine = [w for w, _ in c.most_common() if w not in others]
        if mine:
            only.append((name, sorted(mine, key=lambda w: (-c[w], w))[:limit]))
    return shared_list, only
