"""Django admin for support: the snapshots can be read, never edited by hand (they are computed)."""

from django.contrib import admin

from metrics.models import TeamSnapshot, TrainSnapshot


class ReadOnlyAdmin(admin.ModelAdmin):
    date_hierarchy = "day"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TrainSnapshot)
class TrainSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["art", "day", "pi", "predictability", "final", "accepted", "wip", "wip_limit", "open_dependencies"]
    list_filter = ["art"]


@admin.register(TeamSnapshot)
class TeamSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["team", "day", "pi", "predictability", "final", "objectives_assessed", "objectives"]
    list_filter = ["art"]
