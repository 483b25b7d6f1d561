from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from alliance.alliances.models import Alliance, Event, Invitation, Party


class PresentPartiesFormSet(BaseInlineFormSet):
    """The formset checks the rows it gets back against the model's default manager,
    which leaves observers out: it must take them back too, or no alliance with an
    observer could be saved."""

    def add_fields(self, form: Any, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["id"].queryset = Party.present.all()


class PartyInline(admin.TabularInline):
    model = Party
    formset = PresentPartiesFormSet
    extra = 0
    fields = ("user", "role_label", "is_observer", "joined_at")
    readonly_fields = ("joined_at",)
    raw_id_fields = ("user",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Party]:
        # Observers are in the alliance too, though the default manager leaves them out.
        return Party.present.select_related("user")


@admin.register(Alliance)
class AllianceAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "created_by", "created_at")
    list_filter = ("kind",)
    search_fields = ("title",)
    readonly_fields = ("current_version", "created_at")
    raw_id_fields = ("created_by",)
    inlines = [PartyInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("alliance", "email", "created_at", "expires_at", "accepted_at", "revoked_at")
    exclude = ("token_hash",)
    readonly_fields = ("alliance", "invited_by", "accepted_by", "accepted_at", "created_at")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: the history is append-only, for operators too."""

    list_display = ("created_at", "alliance", "actor", "kind")
    list_filter = ("kind",)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
