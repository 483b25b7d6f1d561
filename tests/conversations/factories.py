from datetime import datetime, timedelta

from alliance.alliances.models import Party
from alliance.conversations import services
from alliance.conversations.models import AlliancePrompt, Stake
from alliance.lib.clock import now


def soon(days: int = 3, hour: int = 9) -> datetime:
    return (now() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def plant(party: Party, times: list[datetime] | None = None, **extra: object) -> Stake:
    return services.stake_plant(
        party=party,
        kind=str(extra.pop("kind", "design")),
        times=times or [soon(3), soon(4)],
        duration_minutes=int(extra.pop("duration_minutes", 60)),  # type: ignore[call-overload]
        location=str(extra.pop("location", "https://meet.example.org/ana-ben")),
        note=str(extra.pop("note", "")),
        includes_observers=bool(extra.pop("includes_observers", False)),
    )


def first_prompt(stake: Stake) -> AlliancePrompt:
    return stake.alliance.prompts.order_by("position").first()  # type: ignore[return-value]


def share(party: Party, stake: Stake, prompt: AlliancePrompt, text: str) -> None:
    services.reflection_share(
        party=party, stake_id=stake.pk, prompt_id=prompt.pk, text=text, revision=None
    )
