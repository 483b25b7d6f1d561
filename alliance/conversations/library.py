"""The built-in prompts and groundwork statements, written for Alliance.

Prompts are grouped by theme and ordered within a theme from qualitative to specific.
Where the kind of relationship changes what a good question is (a team is not a couple),
a prompt carries a variant per family of kinds.
"""

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from alliance.alliances.models import ROLE_SUGGESTIONS, Kind
from alliance.terms.models import Category

FAMILIES: dict[str, str] = {
    Kind.COACHING: "guided",
    Kind.MENTORING: "guided",
    Kind.CONSULTING: "guided",
    Kind.MANAGER_REPORT: "work",
    Kind.COFOUNDERS: "work",
    Kind.TEAM: "team",
    Kind.COUPLE: "personal",
    Kind.FAMILY: "personal",
    Kind.FRIENDSHIP: "personal",
    Kind.OTHER: "work",
}

# The closing conversation asks its own questions, and only those: the prompts of this
# theme belong to it alone, and it has no others.
CLOSING_THEME = "closing"

THEMES: list[tuple[str, str | Promise]] = [
    ("feel", _("How it should feel")),
    ("works", _("What works, what could be better")),
    ("rhythm", _("Expectations, rhythm and communication")),
    ("conflict", _("Triggers, derailers and conflict")),
    ("values", _("Values and what matters most")),
    (CLOSING_THEME, _("Closing the alliance")),
]
THEME_LABELS = dict(THEMES)


@dataclass(frozen=True)
class BuiltinPrompt:
    key: str
    theme: str
    category: str
    text: str | Promise
    variants: dict[str, str | Promise] = field(default_factory=dict)

    def text_for(self, kind: str) -> str:
        return str(self.variants.get(FAMILIES.get(kind, "work"), self.text))


PROMPTS: list[BuiltinPrompt] = [
    BuiltinPrompt(
        "feel-1",
        "feel",
        Category.EXPECTATIONS,
        _("When this relationship is at its best, how does it feel to you?"),
        {
            "guided": _("When our sessions are at their best, how do they feel to you?"),
            "team": _("On a good week in this team, how does working together feel to you?"),
        },
    ),
    BuiltinPrompt(
        "feel-2",
        "feel",
        Category.VALUES,
        _("What do you love about this relationship, or hope to come to love?"),
        {
            "work": _("What do you enjoy about working together, or hope to enjoy?"),
            "team": _("What do you enjoy about being part of this team?"),
        },
    ),
    BuiltinPrompt(
        "feel-3",
        "feel",
        Category.TIME,
        _("How much time and attention do you want to give it, honestly, in a normal month?"),
    ),
    BuiltinPrompt(
        "feel-4",
        "feel",
        Category.BOUNDARIES,
        _("How does it fit with the rest of your life: what does it need to leave room for?"),
        {
            "work": _(
                "How does it fit with the rest of your work and life: what must it leave room for?"
            )
        },
    ),
    BuiltinPrompt(
        "works-1",
        "works",
        Category.OTHER,
        _("What is already working that you want to keep, whatever else changes?"),
    ),
    BuiltinPrompt(
        "works-2",
        "works",
        Category.OTHER,
        _("Think of a recent moment that went well between you. What made it work?"),
        {"team": _("Think of a recent moment when the team worked well. What made it work?")},
    ),
    BuiltinPrompt(
        "works-3",
        "works",
        Category.EXPECTATIONS,
        _("What could be better, and what would you notice if it were?"),
    ),
    BuiltinPrompt(
        "rhythm-1",
        "rhythm",
        Category.EXPECTATIONS,
        _("What do you expect that you have not said aloud yet?"),
    ),
    BuiltinPrompt(
        "rhythm-2",
        "rhythm",
        Category.RHYTHM,
        _("Which regular touch points suit you: how often, how long, where?"),
        {
            "personal": _("Which regular moments together matter to you: how often, and when?"),
            "guided": _("How often and how long should we meet, and where or by which link?"),
        },
    ),
    BuiltinPrompt(
        "rhythm-3",
        "rhythm",
        Category.COMMUNICATION,
        _("Which channels do you want to use for what, and how soon do you expect an answer?"),
        {
            "personal": _(
                "How do you like to be reached between our moments together, and what can wait?"
            )
        },
    ),
    BuiltinPrompt(
        "conflict-1",
        "conflict",
        Category.CONFLICT,
        _("What tends to trigger you, and how can the others tell it is happening?"),
    ),
    BuiltinPrompt(
        "conflict-2",
        "conflict",
        Category.CONFLICT,
        _("Where do you expect this to get derailed: busy weeks, stress, old habits?"),
    ),
    BuiltinPrompt(
        "conflict-3",
        "conflict",
        Category.CONFLICT,
        _("How do you usually handle conflict, and how do you want it handled here?"),
        {"team": _("How do you want disagreements in this team raised and settled?")},
    ),
    BuiltinPrompt(
        "conflict-4",
        "conflict",
        Category.CONFLICT,
        _("When you feel the alliance is not working, how will you say so, and to whom?"),
    ),
    BuiltinPrompt(
        "values-1",
        "values",
        Category.VALUES,
        _("Which values do you hope you share here?"),
    ),
    BuiltinPrompt(
        "values-2",
        "values",
        Category.VALUES,
        _("What about “us” matters most to you?"),
        {
            "team": _("What about this team matters most to you?"),
            "guided": _("What about our working relationship matters most to you?"),
        },
    ),
    BuiltinPrompt(
        "values-3",
        "values",
        Category.VALUES,
        _("A year from now, what would make you say this alliance was worth it?"),
    ),
    # The closing conversation's own, from what was done to what comes next.
    BuiltinPrompt(
        "closing-1",
        CLOSING_THEME,
        Category.OTHER,
        _("Looking back, what did we achieve together that you are glad of?"),
        {"team": _("Looking back, what did this team achieve that you are glad of?")},
    ),
    BuiltinPrompt(
        "closing-2",
        CLOSING_THEME,
        Category.OTHER,
        _("What do you take away from this alliance into what you do next?"),
    ),
    BuiltinPrompt(
        "closing-3",
        CLOSING_THEME,
        Category.VALUES,
        _("What do you appreciate in the other person, and want them to hear before we close?"),
        {"team": _("What do you appreciate in the others, and want them to hear before we close?")},
    ),
    BuiltinPrompt(
        "closing-4",
        CLOSING_THEME,
        Category.OTHER,
        _("What was hard for you along the way, and what did it teach you?"),
    ),
    BuiltinPrompt(
        "closing-5",
        CLOSING_THEME,
        Category.EXPECTATIONS,
        _("What comes next for you, and what, if anything, would you like from us after today?"),
    ),
]
PROMPTS_BY_KEY = {p.key: p for p in PROMPTS}

GROUNDWORK: dict[str, str | Promise] = {
    Kind.COACHING: _(
        "Before we start on your goals, I want us to design how we will work together. "
        "This relationship works best when both of us say what we hope for and what we "
        "need, so I'd like each of us to reflect first, on our own, and then compare notes. "
        "Nothing here is fixed: we can change it whenever it stops serving you."
    ),
    Kind.MENTORING: _(
        "I care about this mentorship being useful to you and good for both of us. Let's "
        "each write down what we hope for and how we like to work, then agree on a few "
        "things we will both keep. We can revisit them as you grow."
    ),
    Kind.CONSULTING: _(
        "Good engagements start with clear expectations. Before we dive into the work, "
        "let's each say what we hope for, how we like to communicate and what would get in "
        "the way, and agree on how we will run this together."
    ),
    Kind.MANAGER_REPORT: _(
        "I want our working relationship to work well for both of us, not only for the "
        "work. Let's each reflect on what helps us do our best, how we like to communicate "
        "and how we want to handle it when things get hard, then agree on it together."
    ),
    Kind.COFOUNDERS: _(
        "We are building something that depends on how well we work together. Let's take "
        "an hour to say, each from our own side, what we hope for, what we fear and how we "
        "want to disagree, and turn it into an agreement we both keep."
    ),
    Kind.TEAM: _(
        "How we work together matters as much as what we work on. Let's each reflect on "
        "what helps us do good work here, then agree as a team on how we communicate, meet "
        "and handle disagreement. Anyone can ask to revisit it."
    ),
    Kind.COUPLE: _(
        "I care about us, and I want us to make room to say what each of us hopes for, "
        "without guessing. Let's each write on our own first, then share and listen, and "
        "agree on a few things we both want to keep."
    ),
    Kind.FAMILY: _(
        "We are a family, and we don't often stop to talk about how we want to be with "
        "each other. Let's each say what matters to us, listen to one another, and agree on "
        "a few things we will try."
    ),
    Kind.FRIENDSHIP: _(
        "This friendship matters to me, and I'd like us to be clear about what each of us "
        "needs from it. Let's each reflect, share, and agree on what we want to keep doing."
    ),
    Kind.OTHER: _(
        "I care about this relationship working well for both of us. Let's each share what "
        "we hope for, listen first, and then agree on how we will work together."
    ),
}

# The design conversation's opening from the other side of a relationship with a lead
# role (the client to a coach, the report to a manager): the texts above speak as the
# coach, the manager, the consultant or the mentor.
GROUNDWORK_OTHER_SIDE: dict[str, str | Promise] = {
    Kind.COACHING: _(
        "I want our coaching to work well for me and for you. Before we go further, I'd "
        "like each of us to say what we hope for and what we need from these sessions: "
        "first on our own, then together, so we can agree on how we will work."
    ),
    Kind.MANAGER_REPORT: _(
        "I'd like our working relationship to work well for both of us. Could we each "
        "reflect on what helps us do our best work, how we like to hear from each other "
        "and what to do when things get hard, and then agree on it together?"
    ),
    Kind.CONSULTING: _(
        "I want this engagement to go well on both sides. Before the work gets going, "
        "let's each say what we expect, how we like to communicate and what could get in "
        "the way, and then agree on how we will run it."
    ),
    Kind.MENTORING: _(
        "I want to make the most of this mentorship and keep it good for both of us. Let's "
        "each write down what we hope for and how we like to work, then agree on a few "
        "things we will both keep."
    ),
}

# Check-ins, redesigns and closings open the same way whoever proposes them.
GROUNDWORK_CHECKIN = _(
    "I'd like us to look at how our alliance is working. Let's each rate the terms we "
    "agreed and reflect on our own first, then compare notes and decide together whether "
    "to keep it as it is or change it."
)
GROUNDWORK_REDESIGN = _(
    "Some of what we agreed is not working as we hoped. Let's each reflect first on what "
    "we want to change and why, then agree on new terms together. What works stays."
)

GROUNDWORK_CLOSING = _(
    "We are coming to the end of this alliance, and I want us to end it well. Let's each "
    "reflect on our own first on what we achieved, what we take with us and what we "
    "appreciate in each other, then share it and close it together."
)


def groundwork_for(*, alliance_kind: str, stake_kind: str, role: str) -> str:
    """The default opening of a conversation, in the voice of the person proposing it:
    `role` is their role label in the alliance."""
    if stake_kind == "checkin":
        return str(GROUNDWORK_CHECKIN)
    if stake_kind == "redesign":
        return str(GROUNDWORK_REDESIGN)
    if stake_kind == CLOSING_THEME:
        return str(GROUNDWORK_CLOSING)
    lead_role = ROLE_SUGGESTIONS.get(alliance_kind, [""])[0]
    if alliance_kind in GROUNDWORK_OTHER_SIDE and role.strip().casefold() != lead_role:
        return str(GROUNDWORK_OTHER_SIDE[alliance_kind])
    return str(GROUNDWORK.get(alliance_kind, GROUNDWORK[Kind.OTHER]))


DISTRACTION_NOTE = _(
    "Please keep this time free of distractions: notifications off, no other work open."
)
