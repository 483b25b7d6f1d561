from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    """The design conversation: a stake in the calendar, groundwork, private reflection,
    the reveal, and turning what was said into terms."""

    name = "alliance.conversations"
    label = "conversations"

    def ready(self) -> None:
        from alliance.alliances.models import EVENT_VERBS
        from alliance.conversations import nudges, services  # noqa: F401  (they register themselves)
        from alliance.conversations.models import ConversationEvent

        EVENT_VERBS.update({str(k.value): k.label for k in ConversationEvent})
