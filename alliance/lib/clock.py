"""The one clock of the project. Tests move it with time_machine; code never sleeps on it."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
