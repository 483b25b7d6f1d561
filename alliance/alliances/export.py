"""The whole of an alliance as one person may see it, as JSON to keep or move elsewhere.

Built from the same selectors as the pages, so the export can show nothing the pages
would not: the reader's own drafts are in it, the others' only once revealed. Versions and
history lines carry what their hashes seal, so the file verifies on its own, with no
database (`alliance verify FILE`, or the README's few lines of Python).
"""

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from alliance.alliances.models import Party
from alliance.alliances.selectors import event_history
from alliance.conversations.selectors import conversation_for, stakes_of
from alliance.lib.clock import now
from alliance.record.chain import utc_iso
from alliance.record.verify import EXPORT_FORMAT
from alliance.tending.selectors import checkin_list, checkin_page, signal_list
from alliance.terms.selectors import draft_for

FORMAT = EXPORT_FORMAT


def _when(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def alliance_export(party: Party) -> dict[str, Any]:
    alliance = party.alliance
    draft = draft_for(alliance)
    return {
        "format": FORMAT,
        "exported_at": _when(now()),
        "exported_by": party.user.name,
        "alliance": {
            "id": alliance.pk,
            "title": alliance.title,
            "kind": alliance.kind,
            "purpose": alliance.purpose,
            "created_at": _when(alliance.created_at),
            "closed_at": _when(alliance.closed_at),
        },
        "parties": [
            {"name": p.user.name, "role": p.role_label, "joined_at": _when(p.joined_at)}
            for p in draft.parties
        ],
        "versions": [
            {
                "number": v.number,
                "ratified_at": _when(v.ratified_at),
                "ratified_by": v.ratified_by.user.name,
                "scheme": v.scheme,
                "snapshot": v.snapshot,
                "previous_hash": v.previous_hash,
                "content_hash": v.content_hash,
                "names": v.names,
            }
            for v in alliance.versions.select_related("ratified_by__user").order_by("number")
        ],
        "draft": [
            {
                "category": item.term.category,
                "text": item.term.text,
                "note": item.term.note,
                "change": item.change,
                "answers": [
                    {"name": p.user.name, "decision": c.decision if c else None}
                    for p, c in item.answers(draft.parties)
                ],
            }
            for item in draft.items
        ],
        "conversations": [_conversation(party, stake) for stake in stakes_of(alliance)],
        "checkins": [_checkin(party, checkin.pk) for checkin in checkin_list(alliance)],
        "signals": [
            {
                "raised_by": signal.raiser_name,
                "raised_at": _when(signal.raised_at),
                "about": signal.term_text,
                "note": signal.note,
                "state": signal.state,
                "resolution": signal.resolution,
            }
            for signal in signal_list(alliance)
        ],
        "history": [
            {
                "position": event.position,
                "kind": event.kind,
                "actor": event.actor_id,
                "at": utc_iso(event.created_at),
                "data": event.data,
                "previous_hash": event.previous_hash,
                "content_hash": event.content_hash,
                "who": event.actor.name if event.actor else _("Someone"),
                "what": event.verb,
                "details": event.details,
            }
            for event in event_history(alliance).order_by("position")
        ],
    }


def _conversation(party: Party, stake: Any) -> dict[str, Any]:
    view = conversation_for(party, stake)
    return {
        "kind": stake.kind,
        "state": stake.state,
        "starts_at": _when(stake.starts_at),
        "duration_minutes": stake.duration_minutes,
        "location": stake.location,
        "groundwork": stake.groundwork,
        "prompts": [
            {
                "prompt": board.prompt.text,
                "revealed": board.revealed,
                "reflections": [
                    {"name": seen.party.user.name, "state": seen.state, "text": seen.text}
                    for seen in board.answers
                    if seen.text or seen.state == "skipped"
                ],
            }
            for board in view.boards
        ],
    }


def _checkin(party: Party, checkin_id: int) -> dict[str, Any]:
    page = checkin_page(party=party, checkin_id=checkin_id)
    assert page is not None
    mine = page.my_reflection
    return {
        "version": page.checkin.version.number,
        "opened_at": _when(page.checkin.opened_at),
        "outcome": page.checkin.outcome,
        "my_ratings": [
            {"term": row.term["text"], "score": row.mine.score, "comment": row.mine.comment}
            for row in page.rows
            if row.mine
        ],
        "my_reflection": {"text": mine.text, "shared": mine.shared_at is not None}
        if mine
        else None,
        "shared_reflections": [
            {"name": name, "text": r.text}
            for name, r in page.revealed_reflections
            if r.party_id != party.pk
        ],
    }
