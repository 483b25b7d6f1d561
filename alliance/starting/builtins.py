"""The templates that come with Alliance, written for it. Every text is lazy, so a
template reads in the language of whoever looks at it (and is exported in that language).

Each one is a starting point the parties still go through term by term: the terms arrive
as proposals, and nothing is agreed until everyone agrees.
"""

from django.utils.translation import gettext_lazy as _

from alliance.alliances.models import Kind
from alliance.starting.content import Role, TemplateContent, TemplatePrompt, TemplateTerm
from alliance.terms.models import Category

C = Category

COACHING = TemplateContent(
    key="coaching",
    name=_("Coaching agreement"),
    kind=Kind.COACHING,
    purpose=_("A coaching engagement the client steers and the coach serves."),
    roles=(Role(_("coach")), Role(_("client")), Role(_("sponsor"), observer=True)),
    terms=(
        TemplateTerm(
            C.RHYTHM,
            _(
                "We meet every two weeks for 60 minutes, by video unless we agree otherwise, "
                "for six months: twelve sessions in all."
            ),
        ),
        TemplateTerm(
            C.TIME,
            _(
                "Either of us may move or cancel a session up to 48 hours before it starts, "
                "with a new time proposed in the same message. A session cancelled later "
                "than that by the client counts as held, unless illness or an emergency "
                "is the reason."
            ),
        ),
        TemplateTerm(
            C.BOUNDARIES,
            _(
                "What the client says in sessions stays between us. The coach shares nothing "
                "of it with anyone, the sponsor included, without the client’s agreement "
                "each time."
            ),
        ),
        TemplateTerm(
            C.BOUNDARIES,
            _(
                "Confidentiality has limits, and we name them now: the coach will break it "
                "only where someone’s safety is at serious risk or the law requires it, and "
                "will tell the client first whenever that is possible."
            ),
        ),
        TemplateTerm(
            C.EXPECTATIONS,
            _(
                "The client chooses what each session is about and owns the actions that "
                "come out of it. The coach asks, listens, reflects and challenges; the coach "
                "does not decide for the client."
            ),
        ),
        TemplateTerm(
            C.EXPECTATIONS,
            _(
                "The sponsor pays for the coaching and agrees its goals with the client at "
                "the start. The sponsor hears about progress only from the client, or in a "
                "three-way meeting the client asked for."
            ),
        ),
        TemplateTerm(
            C.COMMUNICATION,
            _(
                "Between sessions the client may send a short message when something comes "
                "up; the coach answers within two working days. Anything longer waits for "
                "the next session."
            ),
        ),
        TemplateTerm(
            C.CONFLICT,
            _(
                "If the coaching stops helping, either of us says so at the start of the "
                "next session, and we spend time on it before anything else."
            ),
        ),
        TemplateTerm(
            C.VALUES,
            _(
                "The coach follows a professional code of ethics and tells the client which "
                "one; either of us can raise a concern about it at any time."
            ),
        ),
        TemplateTerm(
            C.OTHER,
            _(
                "The engagement ends after the last agreed session, or earlier when either of "
                "us gives two weeks’ notice. We end it with a closing session that looks back "
                "at what changed and what the client takes forward."
            ),
        ),
    ),
    prompts=(
        TemplatePrompt(
            "works",
            C.EXPECTATIONS,
            _("What would you like to be different in your work or life when our sessions end?"),
        ),
        TemplatePrompt(
            "conflict",
            C.BOUNDARIES,
            _("What would you need to hear from me to trust that what you say here stays here?"),
        ),
    ),
    groundwork=_(
        "Before we start working on your goals, I would like us to agree on how we will work "
        "together: how often we meet, what stays between us, what happens when plans change, "
        "and how this ends. I want this to be a relationship you can rely on, so please say "
        "what you hope for and what worries you."
    ),
    rhythm="FREQ=WEEKLY;INTERVAL=6",
)

MANAGER_REPORT = TemplateContent(
    key="manager-report",
    name=_("Manager and report working agreement"),
    kind=Kind.MANAGER_REPORT,
    purpose=_("How we work together so that the report does their best work and grows."),
    roles=(Role(_("manager")), Role(_("report"))),
    terms=(
        TemplateTerm(
            C.RHYTHM,
            _(
                "We have a 30-minute one-to-one every week. The report sets the agenda; the "
                "manager adds to it only after the report’s points."
            ),
        ),
        TemplateTerm(
            C.TIME,
            _(
                "The one-to-one is the last meeting we cancel. If one of us must move it, we "
                "move it within the same week rather than skip it."
            ),
        ),
        TemplateTerm(
            C.COMMUNICATION,
            _(
                "Urgent things go by phone or chat; everything else by message, answered "
                "within one working day. Nobody is expected to answer outside working hours."
            ),
        ),
        TemplateTerm(
            C.COMMUNICATION,
            _(
                "Feedback goes both ways, in private, within a few days of what prompted it, "
                "and about what happened rather than about the person."
            ),
        ),
        TemplateTerm(
            C.EXPECTATIONS,
            _(
                "The report decides how to do their work. The manager says what outcome is "
                "needed and why, and says in advance which decisions they want to be part of."
            ),
        ),
        TemplateTerm(
            C.EXPECTATIONS,
            _(
                "Once a quarter, one of the one-to-ones is about growth instead of the work "
                "at hand: what the report wants to learn and what the manager can open up."
            ),
        ),
        TemplateTerm(
            C.CONFLICT,
            _(
                "When we disagree, we first make sure each of us can say the other’s view in "
                "our own words. If we still disagree, the manager decides and explains why."
            ),
        ),
        TemplateTerm(
            C.BOUNDARIES,
            _(
                "What the report shares about their health or private life stays with the "
                "manager unless the report agrees otherwise."
            ),
        ),
    ),
    groundwork=_(
        "I would like us to agree on how we work together, instead of guessing. I care that "
        "you can do your best work here and that you can tell me when something is in the "
        "way, me included."
    ),
    rhythm="FREQ=MONTHLY;BYDAY=+1MO",
)

TEAM = TemplateContent(
    key="team",
    name=_("Team working agreement"),
    kind=Kind.TEAM,
    purpose=_("How this team works together, decides and looks after each other."),
    roles=(Role(_("team member")), Role(_("team lead"))),
    terms=(
        TemplateTerm(
            C.RHYTHM,
            _(
                "We meet for 15 minutes at the start of each working day to say what we work "
                "on and where we are stuck, and for an hour every two weeks to look back on "
                "how we work."
            ),
        ),
        TemplateTerm(
            C.TIME,
            _(
                "Our core hours are 10:00 to 15:00. Meetings happen only then; outside them, "
                "everyone arranges their day as they need."
            ),
        ),
        TemplateTerm(
            C.COMMUNICATION,
            _(
                "Questions and decisions go in the team’s shared channel, not in private "
                "messages, so that nobody has to be in the right conversation to know."
            ),
        ),
        TemplateTerm(
            C.COMMUNICATION,
            _(
                "A message that needs an answer says by when. Without a date, the next "
                "working day is soon enough."
            ),
        ),
        TemplateTerm(
            C.EXPECTATIONS,
            _(
                "Decisions that affect the whole team are written down with who made them and "
                "why. Whoever was not there can ask for one to be reopened within a week."
            ),
        ),
        TemplateTerm(
            C.EXPECTATIONS,
            _(
                "Anyone who will miss a commitment says so as soon as they know, and the "
                "team helps before it judges."
            ),
        ),
        TemplateTerm(
            C.CONFLICT,
            _(
                "Disagreements about the work are welcome in the open. Disagreements that "
                "have become personal are first talked through by the two people concerned, "
                "with someone they both trust if they want."
            ),
        ),
        TemplateTerm(
            C.VALUES,
            _("We give credit by name and take blame as a team."),
        ),
        TemplateTerm(
            C.BOUNDARIES,
            _(
                "Holidays and days off are protected: nobody is contacted during them, and "
                "work is handed over before they start."
            ),
        ),
    ),
    prompts=(
        TemplatePrompt(
            "works",
            C.EXPECTATIONS,
            _("Which team habit would you most like to start, and which one to stop?"),
        ),
    ),
    hidden_prompts=("values-2",),
    groundwork=_(
        "We spend a large part of our days together. I would like us to say out loud how we "
        "want to work, so that newcomers and old hands have the same picture, and so that "
        "we can change it when it stops serving us."
    ),
    rhythm="FREQ=MONTHLY;BYDAY=+1TU",
)

COFOUNDERS = TemplateContent(
    key="cofounders",
    name=_("Co-founders’ agreement"),
    kind=Kind.COFOUNDERS,
    purpose=_("How we build the company together and stay partners while we do."),
    roles=(Role(_("co-founder")),),
    terms=(
        TemplateTerm(
            C.EXPECTATIONS,
            _(
                "Each of us owns an area and decides within it. We write down who owns what "
                "and review the split whenever the company changes shape."
            ),
        ),
        TemplateTerm(
            C.EXPECTATIONS,
            _(
                "Decisions about money beyond an agreed amount, hiring, fundraising and the "
                "company’s direction are taken together, never alone."
            ),
        ),
        TemplateTerm(
            C.TIME,
            _(
                "We both work full time on the company. Anything else that takes our time "
                "(a side project, an advisory role) is discussed before it is accepted."
            ),
        ),
        TemplateTerm(
            C.RHYTHM,
            _(
                "Every week we have an hour about us, not about the product: how each of us "
                "is doing, what is bothering us, what we need from the other."
            ),
        ),
        TemplateTerm(
            C.COMMUNICATION,
            _(
                "We never learn about an important problem from someone else first. Bad "
                "news goes to the other founder the same day."
            ),
        ),
        TemplateTerm(
            C.CONFLICT,
            _(
                "We do not argue in front of the team. When we cannot agree after two "
                "conversations, we ask an adviser we both chose in advance to help us decide."
            ),
        ),
        TemplateTerm(
            C.VALUES,
            _(
                "We tell each other the truth about the company’s state, even when it is "
                "uncomfortable, and we assume good intent when we hear it."
            ),
        ),
        TemplateTerm(
            C.OTHER,
            _(
                "If one of us wants to leave, they say so at least three months ahead, and "
                "we agree together how to hand over and how to tell the team."
            ),
        ),
    ),
    groundwork=_(
        "We have agreed on shares and titles; I would like us to agree on how we work as "
        "partners too, while things are good, so that we know what to do when they are not."
    ),
    rhythm="FREQ=WEEKLY;INTERVAL=12",
)

COUPLE = TemplateContent(
    key="couple-checkin",
    name=_("Couple’s regular check-in"),
    kind=Kind.COUPLE,
    purpose=_("A regular, gentle look at how we are doing together."),
    roles=(Role(_("partner")),),
    terms=(
        TemplateTerm(
            C.RHYTHM,
            _(
                "Once a week, on an evening we both keep free, we take half an hour for "
                "ourselves: no phones, no logistics, no children in the room."
            ),
        ),
        TemplateTerm(
            C.COMMUNICATION,
            _(
                "We begin each check-in with something we appreciated in the other that week, "
                "before anything we would like to change."
            ),
        ),
        TemplateTerm(
            C.COMMUNICATION,
            _("We speak for ourselves: “I felt…”, “I need…”, rather than “you always…”."),
        ),
        TemplateTerm(
            C.CONFLICT,
            _(
                "Either of us can call a pause when a talk gets heated. The one who called it "
                "comes back to it within a day."
            ),
        ),
        TemplateTerm(
            C.TIME,
            _(
                "We plan time for just the two of us at least twice a month, and we protect "
                "it like any other appointment."
            ),
        ),
        TemplateTerm(
            C.EXPECTATIONS,
            _(
                "Household work is divided in the open. We look at the split once a month "
                "and change it when it feels unfair to either of us."
            ),
        ),
        TemplateTerm(
            C.BOUNDARIES,
            _(
                "What we say in our check-ins is ours; we do not repeat it to friends or "
                "family without asking."
            ),
        ),
    ),
    prompts=(
        TemplatePrompt(
            "feel",
            C.VALUES,
            _("When did you feel closest to me lately?"),
        ),
    ),
    hidden_prompts=("rhythm-3",),
    groundwork=_(
        "I love us and I want us to keep talking about how we are, not only about what needs "
        "doing. Can we agree on a small ritual for that, and keep it even in busy weeks?"
    ),
    rhythm="FREQ=MONTHLY;BYDAY=+1SU",
)

MENTORING = TemplateContent(
    key="mentoring",
    name=_("Mentoring agreement"),
    kind=Kind.MENTORING,
    purpose=_("A mentoring relationship in which the mentee grows on their own terms."),
    roles=(Role(_("mentor")), Role(_("mentee"))),
    terms=(
        TemplateTerm(
            C.RHYTHM,
            _("We meet once a month for an hour, for nine months to begin with."),
        ),
        TemplateTerm(
            C.EXPECTATIONS,
            _(
                "The mentee brings the topics and sends them two days before we meet. The "
                "mentor shares experience and contacts, and says clearly when something is "
                "outside what they know."
            ),
        ),
        TemplateTerm(
            C.EXPECTATIONS,
            _(
                "The mentee writes down one or two goals for our time together at the "
                "start, and we look at them again every three months."
            ),
        ),
        TemplateTerm(
            C.BOUNDARIES,
            _(
                "What we discuss stays between us. The mentor does not speak to the mentee’s "
                "manager about it unless the mentee asks."
            ),
        ),
        TemplateTerm(
            C.COMMUNICATION,
            _(
                "Between meetings the mentee may write with a quick question; the mentor "
                "answers within a week, or says when they will."
            ),
        ),
        TemplateTerm(
            C.TIME,
            _(
                "Either of us may move a meeting with a week’s notice. Three meetings missed "
                "in a row mean we talk about whether to go on."
            ),
        ),
        TemplateTerm(
            C.OTHER,
            _(
                "At the end of the nine months we decide together whether to continue, and "
                "if we stop, we end with a conversation about what the mentee takes with them."
            ),
        ),
    ),
    prompts=(
        TemplatePrompt(
            "values",
            C.EXPECTATIONS,
            _("What do you hope to be able to do in a year that you cannot do today?"),
        ),
    ),
    groundwork=_(
        "Before we talk about your career, I would like us to agree on how our meetings "
        "work, so that you get what you came for and we both know what to expect."
    ),
    rhythm="FREQ=WEEKLY;INTERVAL=12",
)

BUILTINS: tuple[TemplateContent, ...] = (
    COACHING,
    MANAGER_REPORT,
    TEAM,
    COFOUNDERS,
    COUPLE,
    MENTORING,
)
BUILTINS_BY_KEY = {template.key: template for template in BUILTINS}
