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
        from alliance.lib import stamps

        EVENT_VERBS.update({str(k.value): k.label for k in ConversationEvent})
        # Which times, schedules and reflections wait on someone, and what the
        # conversation page shows (`alliance.lib.stamps`).
        of_stake = "SELECT alliance_id FROM conversations_stake WHERE id = {row}.stake_id"
        stamps.watch("conversations_stake", "SELECT {row}.alliance_id AS alliance_id")
        stamps.watch("conversations_candidatetime", of_stake)
        stamps.watch(
            "conversations_timeanswer",
            "SELECT stake.alliance_id FROM conversations_candidatetime AS candidate "
            "JOIN conversations_stake AS stake ON stake.id = candidate.stake_id "
            "WHERE candidate.id = {row}.candidate_id",
        )
        stamps.watch("conversations_reflection", of_stake)
        stamps.watch("conversations_reveal", of_stake)
        stamps.watch(
            "conversations_reveal_parties",
            "SELECT stake.alliance_id FROM conversations_reveal AS reveal "
            "JOIN conversations_stake AS stake ON stake.id = reveal.stake_id "
            "WHERE reveal.id = {row}.reveal_id",
        )
        stamps.watch("conversations_allianceprompt", "SELECT {row}.alliance_id AS alliance_id")
        of_term = "SELECT alliance_id FROM terms_term WHERE id = {row}.term_id"
        stamps.watch("conversations_termorigin", of_term)
