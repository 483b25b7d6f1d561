from django.contrib import admin

from alliance.tending.models import Rhythm, Signal


@admin.register(Rhythm)
class RhythmAdmin(admin.ModelAdmin):
    list_display = ("alliance", "next_at", "rule", "time_zone")
    readonly_fields = ("alliance", "set_by", "updated_at")


@admin.register(Signal)
class SignalAdmin(admin.ModelAdmin):
    """Anonymous signals keep no raiser, so none can show here either."""

    list_display = ("alliance", "raised_at", "raiser_name", "state")
    list_filter = ("state",)
    fields = ("alliance", "raiser_name", "term_text", "note", "state", "resolution")
    readonly_fields = ("alliance", "raiser_name", "term_text", "note")
