"""How the record is sealed: the hashes of versions and history lines.

Standard library only, on purpose: `alliance verify` checks an exported file with no
database and no Django, and the README's recipe does the same in a few lines. Every hash
here is the SHA-256 of the previous hash, a newline, and the canonical JSON of what is
sealed (keys sorted, no spaces, characters as themselves), written as lowercase hex.

Hashing schemes of versions (a version says which it was made with, and keeps verifying
under it for good):

1. Names inside the snapshot: each signature and agreement carries the person's name.
2. Names outside the snapshot: each signature carries `name_commitment`, the hash of a
   random salt, a newline and the name; the name and salt are kept beside the version, so
   erasing a person replaces their name without touching what was sealed.

History lines have one scheme: each seals the alliance, its position in the history, the
kind, the actor's stable id, the time and the line's data, but never a person's name
(names shown in a line live beside it, in `personal`).
"""

import hashlib
import json
import secrets
from datetime import UTC, datetime
from typing import Any

SCHEME_NAMES_IN_SNAPSHOT = 1
SCHEME_NAME_COMMITMENTS = 2
VERSION_SCHEME = SCHEME_NAME_COMMITMENTS
VERSION_SCHEMES = (SCHEME_NAMES_IN_SNAPSHOT, SCHEME_NAME_COMMITMENTS)


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def seal(previous_hash: str, sealed: Any) -> str:
    """The hash of one link of a chain: what came before, then what this link holds."""
    return hashlib.sha256(f"{previous_hash}\n{canonical(sealed)}".encode()).hexdigest()


def new_salt() -> str:
    return secrets.token_hex(16)


def name_commitment(salt: str, name: str) -> str:
    """Binds a sealed signature to a name without holding the name itself."""
    return hashlib.sha256(f"{salt}\n{name}".encode()).hexdigest()


def utc_iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def event_sealed(
    *, alliance_id: int, position: int, kind: str, actor_id: int | None, at: str, data: Any
) -> dict[str, Any]:
    """What a history line's hash covers (`at` is the ISO 8601 time in UTC)."""
    return {
        "alliance": alliance_id,
        "position": position,
        "kind": kind,
        "actor": actor_id,
        "at": at,
        "data": data,
    }


def readable_snapshot(snapshot: dict[str, Any], names: dict[str, Any]) -> dict[str, Any]:
    """The snapshot as people read it, whatever its scheme: every signature and agreement
    with the signer's name from `names` (scheme 2) or from inside the snapshot (scheme 1)."""
    by_party = {key: entry.get("name", "") for key, entry in names.items()}

    def named(entry: dict[str, Any]) -> dict[str, Any]:
        return {**entry, "name": by_party.get(str(entry["party_id"]), entry.get("name", ""))}

    return {
        **snapshot,
        "terms": [
            {**term, "agreements": [named(a) for a in term.get("agreements", [])]}
            for term in snapshot.get("terms", [])
        ],
        "signatures": [named(s) for s in snapshot.get("signatures", [])],
    }
