import zoneinfo
from datetime import datetime
from functools import cache
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _


@cache
def time_zone_names() -> list[str]:
    return sorted(known_time_zones())


@cache
def known_time_zones() -> frozenset[str]:
    """The zones a person may choose, to look one up in (every page asks of the
    browser's)."""
    return frozenset(zoneinfo.available_timezones() - {"localtime", "Factory"})


def validate_time_zone(value: str) -> None:
    if value not in known_time_zones():
        raise ValidationError(
            _("“%(zone)s” is not a time zone we know, e.g. Europe/Berlin.") % {"zone": value}
        )


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


def pseudonym(number: int) -> str:
    return _("Former party %(number)d") % {"number": number}


def stored_pseudonym(number: int) -> str:
    """The pseudonym as stored beside the record: in the site's language, not in that of
    whoever happened to ask for the erasure."""
    with translation.override(settings.LANGUAGE_CODE):
        return pseudonym(number)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. Email is the login; the display name is what others see."""

    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=80, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    # The browser's zone this person last chose not to switch to: not asked about it again.
    declined_time_zone = models.CharField(max_length=64, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Set when the person erased their account: what others keep shows "Former party N".
    erased_at = models.DateTimeField(null=True, blank=True)
    pseudonym_number = models.PositiveIntegerField(null=True, blank=True, unique=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """What other people see: the display name, or the part of the email before the @;
        once the account is erased, its stable pseudonym."""
        if self.pseudonym_number is not None:
            return pseudonym(self.pseudonym_number)
        return self.display_name or self.email.split("@")[0]

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name


class InvitationSignup(models.Model):
    """An account made through an invitation link while sign-up is closed. Each link opens
    sign-up for one account: a link sent again is a new link, and opens it once more."""

    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Sign-up of {self.user} through an invitation"


class TokenScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


# What every personal access token starts with, so that a secret scanner (or a person)
# recognises one pasted where it should not be.
TOKEN_PREFIX = "alliance_pat_"


class AccessToken(models.Model):
    """A personal access token for the JSON API: the secret is shown once, when made, and
    only its hash is kept. It acts as its owner, within its scope, until it expires or is
    revoked."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(max_length=80)
    scope = models.CharField(max_length=8, choices=TokenScope.choices, default=TokenScope.READ)
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the secret, shown beside the name so a person can tell which
    # token a script holds.
    hint = models.CharField(max_length=24)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @property
    def may_write(self) -> bool:
        return self.scope == TokenScope.WRITE

    def is_usable(self, at: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > at)
