from django.contrib import admin
from django.http import HttpRequest

from alliance.outbox.models import NotificationPreferences, OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """For operators: what is queued, what failed and why. The bodies stay out of the
    list; they may quote what a person wrote."""

    list_display = ("kind", "to_email", "state", "attempts", "due_at", "sent_at", "last_error")
    list_filter = ("state", "kind")
    search_fields = ("to_email", "message_id")
    exclude = ("text", "html")
    readonly_fields = (
        "to_email",
        "recipient",
        "kind",
        "subject",
        "headers",
        "message_id",
        "created_at",
        "attempts",
        "claimed_at",
        "claimed_by",
        "sent_at",
        "last_error",
        "dedupe_key",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(NotificationPreferences)
class NotificationPreferencesAdmin(admin.ModelAdmin):
    list_display = ("user", "deliveries", "checkin_reminder_days", "updated_at")
    raw_id_fields = ("user",)
