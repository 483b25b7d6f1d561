"""Fill a PostgreSQL database with N alliances shaped like real ones, in SQL.

Each statement makes one kind of row for every alliance at once (`generate_series`), so a
million alliances take minutes, not the hours the ORM would need row by row. The shape,
per alliance `i` (all of it derived from `i`, so two runs make the same data):

- a coach (one per 20 alliances, as a coach has dozens of clients) and a client; every
  tenth alliance has a third party (a sponsor), one in five of them joined last week;
- five terms with every party's consent; every tenth alliance is a draft nobody ratified
  (the client never answered two terms, long ago); one in 25 has a change proposed in the
  last 20 days that the client has not answered yet;
- version 1 (a snapshot of the terms and signatures) for the ratified ones, and for 95%
  of those a rhythm every six weeks whose next check-in falls in the next 42 days;
- one person in five chose their notification preferences (reminders 0 to 14 days ahead);
- a scheduled design conversation with three prompts, both parties' shared reflections
  and their reveals; one alliance in 50 has a new conversation whose times nobody
  answered yet;
- a check-in closed months ago with everyone's ratings for one in four, and one open
  since last week and rated by the coach alone for one in 40;
- outbox history as a worker that kept running leaves it: the invitation and the
  ratification mail, the check-in reminders and the nudges due so far (but for one
  alliance in 5,000, whose reminders are still owed), all sent.

    .venv/bin/python bench/scale_data.py 100000   # into DATABASE_URL (a PostgreSQL database)
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")

# Each step: (what it makes, SQL). `%(n)s` is the number of alliances, `%(coaches)s` the
# number of coaches; `now()` is the moment of the run.
STEPS: list[tuple[str, str]] = [
    (
        "users",
        """
        INSERT INTO accounts_user (id, password, is_superuser, email, display_name, time_zone,
            is_staff, is_active, date_joined, declined_time_zone)
        SELECT u, '!', false, 'person' || u || '@example.org', 'Person ' || u,
            (ARRAY['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'UTC',
                   'Pacific/Kiritimati', 'America/Los_Angeles'])[1 + u %% 6],
            false, true, now() - interval '800 days', ''
        FROM generate_series(1, %(n)s + %(coaches)s + %(n)s / 10 + 1) u
        """,
    ),
    (
        "alliances",
        """
        INSERT INTO alliances_alliance (id, title, kind, purpose, created_at, created_by_id,
            revision)
        SELECT i, 'Coaching: person ' || i, CASE WHEN i %% 10 = 5 THEN 'team' ELSE 'coaching' END,
            'We grow together and keep our word to each other.',
            now() - ((i::bigint * 7919) %% 700 + 30) * interval '1 day',
            %(n)s + 1 + (i - 1) %% %(coaches)s, 0
        FROM generate_series(1, %(n)s) i
        """,
    ),
    (
        "parties",
        """
        INSERT INTO alliances_party (id, role_label, joined_at, alliance_id, user_id,
            is_observer, is_lead)
        SELECT 3 * (a.id - 1) + r, (ARRAY['coach', 'client', 'sponsor'])[r],
            CASE WHEN r = 3 AND a.id %% 50 = 5 THEN now() - interval '7 days'
                 ELSE a.created_at + r * interval '1 hour' END,
            a.id,
            CASE r WHEN 1 THEN a.created_by_id WHEN 2 THEN a.id
                   ELSE %(n)s + %(coaches)s + 1 + a.id / 10 END,
            false, false
        FROM alliances_alliance a, generate_series(1, 3) r
        WHERE r < 3 OR a.id %% 10 = 5
        """,
    ),
    (
        "terms",
        """
        INSERT INTO terms_term (id, category, text, note, created_at, updated_at, revision,
            status, alliance_id, proposed_by_id)
        SELECT 5 * (a.id - 1) + k,
            (ARRAY['rhythm', 'communication', 'time', 'conflict', 'values'])[k],
            'Term ' || k || ' of alliance ' || a.id || ': we say so early and kindly.', '',
            a.created_at + interval '1 day',
            CASE WHEN k = 5 AND a.id %% 25 = 1
                 THEN now() - ((a.id * 13) %% 20) * interval '1 day' - interval '1 hour'
                 ELSE a.created_at + interval '1 day' END,
            CASE WHEN k = 5 AND a.id %% 25 = 1 THEN 2 ELSE 1 END,
            'active', a.id, 3 * (a.id - 1) + 1
        FROM alliances_alliance a, generate_series(1, 5) k
        """,
    ),
    (
        "consents",
        """
        INSERT INTO terms_consent (decision, comment, decided_at, party_id, term_id)
        SELECT 'agree', '', t.updated_at + interval '2 hours', p.id, t.id
        FROM terms_term t JOIN alliances_party p ON p.alliance_id = t.alliance_id
        WHERE NOT (p.role_label = 'client' AND t.alliance_id %% 10 = 0 AND t.category IN
                   ('conflict', 'values'))
          AND NOT (p.role_label <> 'coach' AND t.revision = 2)
          AND NOT (p.role_label = 'sponsor' AND p.joined_at > now() - interval '8 days')
        """,
    ),
    (
        "versions",
        """
        INSERT INTO terms_version (id, number, ratified_at, snapshot, previous_hash,
            content_hash, alliance_id, ratified_by_id, scheme, names)
        SELECT a.id, 1, a.created_at + interval '3 days',
            jsonb_build_object(
                'terms', (SELECT jsonb_agg(jsonb_build_object('id', t.id, 'category',
                          t.category, 'text', t.text, 'note', '') ORDER BY t.id)
                          FROM terms_term t WHERE t.alliance_id = a.id),
                'signatures', (SELECT jsonb_agg(jsonb_build_object('party_id', p.id,
                          'name', 'Person ' || p.user_id, 'role', p.role_label,
                          'agreed_at', a.created_at + interval '2 days') ORDER BY p.id)
                          FROM alliances_party p WHERE p.alliance_id = a.id
                          AND p.joined_at < a.created_at + interval '1 day')),
            '', md5(a.id::text) || md5(a.title), a.id, 3 * (a.id - 1) + 1, 1, '{}'::jsonb
        FROM alliances_alliance a WHERE a.id %% 10 <> 0
        """,
    ),
    (
        "current versions",
        "UPDATE alliances_alliance SET current_version_id = id WHERE id %% 10 <> 0",
    ),
    (
        "rhythms",
        """
        INSERT INTO tending_rhythm (starts_on, at_time, time_zone, rule, next_at, updated_at,
            alliance_id, set_by_id)
        SELECT (a.created_at + interval '10 days')::date, '09:00', 'Europe/Berlin',
            'FREQ=WEEKLY;INTERVAL=6',
            date_trunc('minute', now()) + ((a.id * 104729) %% (42 * 24 * 60)) * interval '1 minute',
            a.created_at + interval '3 days', a.id, a.created_by_id
        FROM alliances_alliance a WHERE a.id %% 10 <> 0 AND a.id %% 20 <> 7
        """,
    ),
    (
        "notification preferences",
        """
        INSERT INTO outbox_notificationpreferences (deliveries, checkin_reminder_days,
            updated_at, user_id)
        SELECT CASE WHEN u %% 35 = 0 THEN '{"nudge": "off"}'::jsonb ELSE '{}'::jsonb END,
            (u / 5) %% 15, now() - interval '100 days', u
        FROM generate_series(5, %(n)s, 5) u
        """,
    ),
    (
        "conversations",
        """
        INSERT INTO conversations_stake (id, kind, proposer_time_zone, duration_minutes,
            location, note, groundwork, state, starts_at, uid, sequence, created_at,
            alliance_id, proposed_by_id, groundwork_revision, includes_observers)
        SELECT a.id, 'design', 'Europe/Berlin', 60, 'Video call', '',
            'I care about this working well for both of us.', 'scheduled',
            a.created_at + interval '2 days', 'stake-' || a.id || '@alliance', 1,
            a.created_at, a.id, 3 * (a.id - 1) + 1, 1, false
        FROM alliances_alliance a
        """,
    ),
    (
        "prompts",
        """
        INSERT INTO conversations_allianceprompt (id, builtin_key, theme, category, text,
            position, hidden, alliance_id)
        SELECT 3 * (a.id - 1) + k, 'feel-' || k, 'feel', 'values',
            'How should this relationship feel? (' || k || ')', k, false, a.id
        FROM alliances_alliance a, generate_series(1, 3) k
        """,
    ),
    (
        "reflections",
        """
        INSERT INTO conversations_reflection (text, state, revision, updated_at, shared_at,
            party_id, prompt_id, stake_id)
        SELECT 'I would like our sessions to feel calm and honest, prompt ' || k || '.',
            'shared', 1, a.created_at + interval '1 day', a.created_at + interval '1 day',
            3 * (a.id - 1) + r, 3 * (a.id - 1) + k, a.id
        FROM alliances_alliance a, generate_series(1, 3) k, generate_series(1, 2) r
        """,
    ),
    (
        "reveals",
        """
        INSERT INTO conversations_reveal (id, revealed_at, prompt_id, stake_id)
        SELECT 3 * (a.id - 1) + k, a.created_at + interval '1 day', 3 * (a.id - 1) + k, a.id
        FROM alliances_alliance a, generate_series(1, 3) k
        """,
    ),
    (
        "reveal parties",
        """
        INSERT INTO conversations_reveal_parties (reveal_id, party_id)
        SELECT 3 * (a.id - 1) + k, 3 * (a.id - 1) + r
        FROM alliances_alliance a, generate_series(1, 3) k, generate_series(1, 2) r
        """,
    ),
    (
        "new conversations",
        """
        INSERT INTO conversations_stake (id, kind, proposer_time_zone, duration_minutes,
            location, note, groundwork, state, uid, sequence, created_at, alliance_id,
            proposed_by_id, groundwork_revision, includes_observers)
        SELECT %(n)s + a.id, 'checkin', 'Europe/Berlin', 60, '', '', 'Shall we check in?',
            'proposed', 'stake-new-' || a.id || '@alliance', 0,
            now() - ((a.id / 50) %% 10) * interval '1 day', a.id, 3 * (a.id - 1) + 1, 1, false
        FROM alliances_alliance a WHERE a.id %% 50 = 3
        """,
    ),
    (
        "candidate times",
        """
        INSERT INTO conversations_candidatetime (starts_at, stake_id, proposed_at,
            proposed_by_id)
        SELECT s.created_at + (10 + c) * interval '1 day', s.id, s.created_at, s.proposed_by_id
        FROM conversations_stake s, generate_series(1, 3) c WHERE s.state = 'proposed'
        """,
    ),
    (
        "the proposers' answers",
        """
        INSERT INTO conversations_timeanswer (works, answered_at, candidate_id, party_id)
        SELECT true, c.proposed_at, c.id, c.proposed_by_id
        FROM conversations_candidatetime c
        """,
    ),
    (
        "check-ins",
        """
        INSERT INTO tending_checkin (opened_at, completed_at, closed_at, outcome, alliance_id,
            opened_by_id, version_id)
        SELECT CASE WHEN a.id %% 40 = 8 THEN now() - interval '6 days'
                    ELSE now() - interval '90 days' END,
            CASE WHEN a.id %% 40 = 8 THEN NULL ELSE now() - interval '89 days' END,
            CASE WHEN a.id %% 40 = 8 THEN NULL ELSE now() - interval '89 days' END,
            CASE WHEN a.id %% 40 = 8 THEN '' ELSE 'kept' END,
            a.id, a.created_by_id, a.id
        FROM alliances_alliance a WHERE a.id %% 4 = 0 AND a.id %% 10 <> 0
        """,
    ),
    (
        "ratings",
        """
        INSERT INTO tending_rating (term_id, score, comment, checkin_id, party_id)
        SELECT t.id, (ARRAY['well', 'okay', 'tending'])[1 + t.id %% 3], '', c.id, p.id
        FROM tending_checkin c
        JOIN terms_term t ON t.alliance_id = c.alliance_id
        JOIN alliances_party p ON p.alliance_id = c.alliance_id AND p.role_label <> 'sponsor'
        WHERE c.closed_at IS NOT NULL OR p.role_label = 'coach'
        """,
    ),
    (
        "outbox history",
        """
        INSERT INTO outbox_outboxmessage (to_email, kind, subject, text, html, headers,
            message_id, created_at, due_at, state, attempts, claimed_at, claimed_by, sent_at,
            last_error, attachments, recipient_id)
        SELECT 'person' || a.id || '@example.org', m.kind,
            '[Alliance] ' || m.kind || ' for alliance ' || a.id,
            repeat('A line of the message body that says what happened. ', 8),
            '<p>' || repeat('A line of the message body that says what happened. ', 14)
                || '</p>',
            '{"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}'::jsonb,
            '<' || md5(a.id || m.kind) || '@example.org>', a.created_at, a.created_at, 'sent',
            1, a.created_at, 'bench', a.created_at + interval '1 second', '', '[]'::jsonb, a.id
        FROM alliances_alliance a, unnest(ARRAY['invitation', 'ratified']) m(kind)
        """,
    ),
    (
        "reminders sent so far",
        """
        INSERT INTO tending_remindersent (due_at, kind, sent_at, alliance_id, user_id)
        SELECT r.next_at, k.kind, now() - interval '1 hour', r.alliance_id, p.user_id
        FROM tending_rhythm r
        JOIN alliances_party p ON p.alliance_id = r.alliance_id
        LEFT JOIN outbox_notificationpreferences n ON n.user_id = p.user_id,
        (VALUES ('before'), ('day_of')) k(kind)
        WHERE r.alliance_id %% 5000 <> 1 AND CASE k.kind
            WHEN 'day_of' THEN r.next_at <= now() + interval '25 hours'
            ELSE r.next_at <= now() + (coalesce(n.checkin_reminder_days, 3) + 2) * interval '1 day'
        END
        """,
    ),
    (
        "nudges sent so far",
        """
        INSERT INTO outbox_outboxmessage (to_email, kind, subject, text, html, headers,
            message_id, created_at, due_at, state, attempts, claimed_by, sent_at, last_error,
            attachments, recipient_id, dedupe_key)
        SELECT 'person' || w.user_id || '@example.org', 'nudge', '[Alliance] It waits for you',
            'Something waits for your answer.', '', '{}'::jsonb,
            '<' || md5(w.key || n) || '@example.org>', w.since + n * interval '2 days',
            w.since + n * interval '2 days', 'sent', 1, 'bench',
            w.since + n * interval '2 days', '', '[]'::jsonb, w.user_id, w.key || n
        FROM (
            -- changes the client has not answered (their first nudge is made below)
            SELECT t.updated_at AS since, a.id AS user_id, 2 AS first,
                'nudge:terms:' || a.id || ':' || floor(extract(epoch FROM t.updated_at))
                    || ':' || a.id || ':' AS key
            FROM terms_term t JOIN alliances_alliance a ON a.id = t.alliance_id
            WHERE t.revision = 2
            UNION ALL
            -- sponsors who joined last week, waited for on every term since they came
            SELECT p.joined_at - interval '2 days', p.user_id, 1,
                'nudge:terms:' || p.alliance_id || ':'
                    || floor(extract(epoch FROM a.created_at + interval '1 day'))
                    || ':' || p.user_id || ':'
            FROM alliances_party p JOIN alliances_alliance a ON a.id = p.alliance_id
            WHERE p.role_label = 'sponsor' AND p.joined_at > now() - interval '8 days'
            UNION ALL
            -- clients who have not rated the check-in opened last week
            SELECT c.opened_at, c.alliance_id, 1,
                'nudge:checkins:' || c.id || ':1:' || c.alliance_id || ':'
            FROM tending_checkin c WHERE c.closed_at IS NULL
            UNION ALL
            -- clients who have not answered the times proposed lately
            SELECT s.created_at, s.alliance_id, 1,
                'nudge:times:' || s.id || ':1:' || s.alliance_id || ':'
            FROM conversations_stake s WHERE s.state = 'proposed'
        ) w, generate_series(1, 2) n
        WHERE n >= w.first AND w.since + n * interval '2 days' <= now()
        """,
    ),
    (
        "first nudges of pending changes",
        """
        INSERT INTO outbox_outboxmessage (to_email, kind, subject, text, html, headers,
            message_id, created_at, due_at, state, attempts, claimed_by, sent_at, last_error,
            attachments, recipient_id, dedupe_key)
        SELECT 'person' || t.alliance_id || '@example.org', 'nudge',
            '[Alliance] A term waits for your answer', 'A term waits for your answer.', '',
            '{}'::jsonb, '<nudge-' || t.id || '@example.org>', t.updated_at + interval '2 days',
            t.updated_at + interval '2 days', 'sent', 1, 'bench',
            t.updated_at + interval '2 days', '', '[]'::jsonb, t.alliance_id,
            'nudge:terms:' || t.alliance_id || ':' || floor(extract(epoch FROM t.updated_at))
                || ':' || t.alliance_id || ':1'
        FROM terms_term t
        WHERE t.revision = 2 AND t.updated_at < now() - interval '2 days'
        """,
    ),
]

SEQUENCED = [
    "accounts_user",
    "alliances_alliance",
    "alliances_party",
    "terms_term",
    "terms_version",
    "conversations_stake",
    "conversations_allianceprompt",
    "conversations_reveal",
]


def generate(n: int, *, verbose: bool = True) -> float:
    """Fill the (empty, migrated) database with `n` alliances; returns the seconds taken."""
    from django.db import connection

    from alliance.lib import stamps

    assert connection.vendor == "postgresql", "the generator writes PostgreSQL's SQL"
    params = {"n": n, "coaches": max(1, n // 20)}
    started = time.monotonic()
    # A stamp for each row written would cost more than writing it: every alliance gets
    # one at the end instead (alliance.lib.stamps.install).
    stamps.drop()
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        for what, sql in STEPS:
            step = time.monotonic()
            cursor.execute(sql, params)
            if verbose:
                print(f"  {what}: {cursor.rowcount} rows, {time.monotonic() - step:.1f} s")
        for table in SEQUENCED:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    stamps.install()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("alliances", type=int)
    args = parser.parse_args()
    import django

    django.setup()
    print(f"{args.alliances} alliances made in {generate(args.alliances):.0f} s")


if __name__ == "__main__":
    main()
