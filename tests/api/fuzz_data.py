"""The data set schemathesis runs against (tests/api/test_schemathesis.py): run as
`python -m tests.api.fuzz_data` with ALLIANCE_DATA_DIR set, it migrates that data
directory's database, fills it and prints what the fuzzer needs as one line of JSON.

Ana, whose write token the fuzzer holds, is a party of the first alliance with Ben: two
terms ratified as version 1, a third proposed, a rhythm, a design conversation with a
shared and a draft reflection, a check-in, a signal, an invitation and an observer. Being
the first of their kind, the alliance and each of its objects have id 1, the value a
fuzzer tries first and most often, so most calls reach a real object. Ana's token does
not: its id is far from any the fuzzer tries, so revoking tokens by id does not revoke
the fuzzer's own.
"""

import json
import os
from datetime import time, timedelta

FUZZER_TOKEN_ID = 7_654_321


def build() -> dict[str, object]:
    from alliance.accounts.models import AccessToken, TokenScope
    from alliance.accounts.services import access_token_create
    from alliance.alliances import services as alliance_services
    from alliance.conversations import services as conversation_services
    from alliance.conversations.selectors import prompts_of
    from alliance.lib.clock import now
    from alliance.tending import services as tending_services
    from alliance.terms.models import Category
    from tests.conversations.factories import plant, share
    from tests.factories import join, make_alliance, make_user, party_of, propose, ratify_with

    ana = make_user("Ana", "ana@fuzz.example")
    ben = make_user("Ben", "ben@fuzz.example")
    sam = make_user("Sam", "sam@fuzz.example")
    alliance = make_alliance(ana, title="Fuzzed coaching")
    join(alliance, ben)
    join(alliance, sam, role="sponsor", as_observer=True)
    a, b = party_of(alliance, ana), party_of(alliance, ben)
    propose(a, "We meet every Tuesday at nine.")
    propose(a, "I answer within two working days.", category=Category.COMMUNICATION)
    ratify_with([a, b])
    propose(b, "We keep Fridays free of meetings.")
    tending_services.rhythm_set(
        party=a,
        starts_on=(now() + timedelta(days=20)).date(),
        at_time=time(10, 0),
        rule="FREQ=WEEKLY;INTERVAL=6",
    )
    stake = plant(a)
    prompts = prompts_of(alliance)
    share(a, stake, prompts[0], "I hope we keep our Tuesdays.")
    conversation_services.reflection_save(
        party=b, stake_id=stake.pk, prompt_id=prompts[1].pk, text="A draft.", revision=None
    )
    tending_services.checkin_start(party=a)
    tending_services.signal_raise(party=b, note="Our Tuesdays slip.")
    alliance_services.invitation_create(party=a, email="ivy@fuzz.example", role_label="client")
    # Another person's alliance, for the fuzzer to miss.
    olga = make_user("Olga", "olga@fuzz.example")
    make_alliance(olga, title="Olga's own")

    token, raw = access_token_create(user=ana, name="schemathesis", scope=TokenScope.WRITE)
    AccessToken.objects.filter(pk=token.pk).update(id=FUZZER_TOKEN_ID)
    return {"token": raw, "alliance_id": alliance.pk}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")
    import django
    from django.core.management import call_command
    from django.db import transaction

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    with transaction.atomic():
        print(json.dumps(build()))


if __name__ == "__main__":
    main()
