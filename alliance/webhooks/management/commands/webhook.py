import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from alliance.webhooks import services
from alliance.webhooks.models import Endpoint


class Command(BaseCommand):
    help = gettext_noop(
        "Webhooks from the command line. `alliance webhook test 3` sends a signed test event "
        "(ping) to endpoint 3 now, whether it is on or off, and prints the receiver's answer "
        "and how long it took; `--json` prints it for a script. Exits 1 when it was not "
        "delivered."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        test = actions.add_parser(
            "test",
            help="Send a test event to one endpoint now and print the attempt.",
            description="Example: alliance webhook test 3 --json",
        )
        test.add_argument("endpoint_id", type=int, help="The endpoint's id (see its page).")
        test.add_argument("--json", action="store_true", help="Print the attempt as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        endpoint = Endpoint.objects.filter(pk=options["endpoint_id"]).first()
        if endpoint is None:
            raise CommandError(
                _("There is no webhook endpoint %(id)s.") % {"id": options["endpoint_id"]}
            )
        delivery = services.endpoint_test(endpoint=endpoint)
        attempt = delivery.log.order_by("-at", "-pk").first()
        result = {
            "endpoint_id": endpoint.pk,
            "url": endpoint.url,
            "message_id": delivery.message_id,
            "state": delivery.state,
            "status_code": attempt.status_code if attempt else None,
            "error": attempt.error if attempt else "",
            "response_ms": attempt.response_ms if attempt else None,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        elif delivery.state == "delivered":
            self.stdout.write(
                _("Delivered to %(url)s: %(status)s in %(ms)s ms (%(id)s).")
                % {
                    "url": endpoint.url,
                    "status": result["status_code"],
                    "ms": result["response_ms"],
                    "id": delivery.message_id,
                }
            )
        else:
            self.stdout.write(
                _("Not delivered to %(url)s: %(error)s (%(ms)s ms).")
                % {"url": endpoint.url, "error": result["error"], "ms": result["response_ms"]}
            )
        if delivery.state != "delivered":
            raise SystemExit(1)
