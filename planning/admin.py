"""Django admin of the ART backlog, for support: reading features and their state history."""

from django.contrib import admin

from planning.models import Feature, FeatureStateChange


class FeatureStateChangeInline(admin.TabularInline):
    model = FeatureStateChange
    extra = 0
    readonly_fields = ["from_state", "to_state", "at", "by"]
    can_delete = False


@admin.register(Feature)
class FeatureAdmin(admin.ModelAdmin):
    list_display = ["key", "title", "art", "type", "state", "pi", "cost_of_delay", "wsjf", "version"]
    list_filter = ["art", "type", "state"]
    search_fields = ["key", "title"]
    list_select_related = ["art", "pi"]
    readonly_fields = ["key", "cost_of_delay", "wsjf", "version", "created_at", "updated_at"]
    inlines = [FeatureStateChangeInline]
