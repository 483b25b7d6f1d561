from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Signed webhooks (Standard Webhooks): endpoints, and deliveries queued like mail."""

    name = "alliance.webhooks"
    label = "webhooks"

    def ready(self) -> None:
        # The events module registers what a line of history, a check-in reminder and an
        # erased account mean for the endpoints; the stages it listens to never import it.
        from alliance.webhooks import events, services  # noqa: F401
