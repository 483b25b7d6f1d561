from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from alliance.accounts.models import AccessToken, TokenScope
from alliance.accounts.selectors import access_tokens_of
from alliance.accounts.services import access_token_create, access_token_revoke
from alliance.lib.clock import now
from alliance.lib.commands import PracticeCommand, when
from alliance.lib.forms import MAX_ID


def token_row(token: AccessToken) -> dict[str, Any]:
    at = now()
    state = "revoked" if token.revoked_at else "usable" if token.is_usable(at) else "expired"
    return {
        "id": token.pk,
        "name": token.name,
        "scope": token.scope,
        "hint": token.hint,
        "state": state,
        "created_at": when(token.created_at),
        "expires_at": when(token.expires_at),
        "last_used_at": when(token.last_used_at),
        "revoked_at": when(token.revoked_at),
    }


def moment(iso: str | None) -> str:
    """An instant of `token_row` as the table shows it."""
    return formats.date_format(datetime.fromisoformat(iso), "j M Y H:i e") if iso else "-"


class Command(PracticeCommand):
    help = gettext_noop(
        "Make, list and revoke a person's access tokens for the JSON API. It does what they "
        "can do on their profile page; a new token's secret is printed once and never kept."
    )
    examples = gettext_noop(
        """examples:
  alliance token create --user ana@example.org --name "CRM" --scope write --expires-days 90
      prints the secret alone on standard output (the rest on standard error), so
      TOKEN=$(alliance token create --user ana@example.org --name CRM) keeps it
  alliance token list --user ana@example.org
  alliance token revoke --user ana@example.org 7
  alliance token list --user ana@example.org --json
      prints {"user", "tokens": [{"id", "name", "scope", "hint", "state", "created_at",
      "expires_at", "last_used_at", "revoked_at"}]}
  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/api/v1/me
      uses it"""
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help=_("Make a token and print its secret once."))
        listing = actions.add_parser("list", help=_("List the person's tokens."))
        revoke = actions.add_parser("revoke", help=_("Revoke one of the person's tokens."))
        for sub in (create, listing, revoke):
            sub.add_argument(
                "--user",
                required=True,
                metavar="EMAIL",
                help=_("The address the person signs in with."),
            )
            self.add_json_argument(sub, _("the token(s), and the secret on create"))
        create.add_argument(
            "--name", required=True, help=_("What will use it, e.g. CRM (at most 80 characters).")
        )
        create.add_argument(
            "--scope",
            choices=TokenScope.values,
            default=TokenScope.READ,
            help=_("read (the default), or write: read and write."),
        )
        create.add_argument(
            "--expires-days",
            type=int,
            metavar="N",
            help=_("It stops working N days from now (1 to %(days)d); without, it never expires.")
            % {"days": settings.DATE_HORIZON_DAYS},
        )
        revoke.add_argument("id", type=int, metavar="ID", help=_("The token's id (see list)."))

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.person(options["user"])
        as_json = options["json"]
        if options["action"] == "create":
            self.create(user, options, as_json=as_json)
        elif options["action"] == "list":
            tokens = [token_row(t) for t in access_tokens_of(user)]
            self.emit(
                {"user": user.email, "tokens": tokens},
                as_json=as_json,
                human=self.table(user.email, tokens),
            )
        else:
            token_id = options["id"]
            try:
                if not 0 < token_id <= MAX_ID:
                    raise AccessToken.DoesNotExist
                token = access_token_revoke(user=user, token_id=token_id)
            except AccessToken.DoesNotExist:
                raise CommandError(
                    _("%(email)s has no token %(id)d.") % {"email": user.email, "id": token_id}
                ) from None
            self.emit(
                token_row(token),
                as_json=as_json,
                human=_("Revoked token %(id)d “%(name)s” of %(email)s: it is refused from now on.")
                % {"id": token.pk, "name": token.name, "email": user.email},
            )

    def create(self, user: Any, options: dict[str, Any], *, as_json: bool) -> None:
        days = options["expires_days"]
        if days is not None and not 1 <= days <= settings.DATE_HORIZON_DAYS:
            raise CommandError(
                _("--expires-days must be from 1 to %(days)d, not %(given)d.")
                % {"days": settings.DATE_HORIZON_DAYS, "given": days}
            )
        try:
            token, secret = access_token_create(
                user=user,
                name=options["name"],
                scope=options["scope"],
                expires_at=now() + timedelta(days=days) if days else None,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if as_json:
            self.emit({**token_row(token), "secret": secret}, as_json=True, human="")
            return
        self.stderr.write(
            _(
                "Made token %(id)d “%(name)s” for %(email)s (%(scope)s, %(expiry)s). Its "
                "secret, shown only now, is on the next line: keep it somewhere safe, and "
                "send it as `Authorization: Bearer <secret>` to %(api)s (docs: %(docs)s)."
            )
            % {
                "id": token.pk,
                "name": token.name,
                "email": user.email,
                "scope": token.get_scope_display().lower(),
                "expiry": _("expires %(when)s") % {"when": moment(when(token.expires_at))}
                if token.expires_at
                else _("never expires"),
                "api": settings.BASE_URL + reverse("api:api-root"),
                "docs": settings.BASE_URL + reverse("api:openapi-view"),
            }
        )
        self.stdout.write(secret)

    def table(self, email: str, tokens: list[dict[str, Any]]) -> str:
        if not tokens:
            return _("%(email)s has no tokens.") % {"email": email}
        states = {"usable": _("usable"), "expired": _("expired"), "revoked": _("revoked")}
        rows = [
            [_("ID"), _("NAME"), _("SCOPE"), _("STARTS"), _("STATE"), _("EXPIRES"), _("LAST USED")]
        ]
        for t in tokens:
            rows.append(
                [
                    str(t["id"]),
                    t["name"],
                    t["scope"],
                    t["hint"] + "…",
                    states[t["state"]],
                    moment(t["expires_at"]),
                    moment(t["last_used_at"]),
                ]
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        return "\n".join(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in rows
        )
