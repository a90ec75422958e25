"""Django admin of syncs, impediments and System Demos, for support: reading them with what they produced."""

from django.contrib import admin

from sync.models import (
    ActionItem,
    AgendaItem,
    Decision,
    DemoFeedback,
    DemoItem,
    DemoOutcome,
    Impediment,
    ImpedimentEscalation,
    SyncMeeting,
    SystemDemo,
    TeamStatus,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class AgendaItemInline(ReadOnlyInline):
    model = AgendaItem
    fields = readonly_fields = ["position", "impediment", "dependency", "reason", "pinned"]


class DecisionInline(ReadOnlyInline):
    model = Decision
    fields = readonly_fields = ["section", "text", "agenda_item", "by", "at"]


class ActionItemInline(ReadOnlyInline):
    model = ActionItem
    fields = readonly_fields = ["text", "owner", "due_date", "state", "done_at", "drop_reason"]


class TeamStatusInline(ReadOnlyInline):
    model = TeamStatus
    fields = readonly_fields = ["team", "status", "note", "posted_by", "posted_at"]


@admin.register(SyncMeeting)
class SyncMeetingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "art", "pi", "kind", "date", "start_time", "state", "current_section", "version"]
    list_filter = ["art", "kind", "state"]
    list_select_related = ["art", "pi"]
    readonly_fields = ["current_section", "section_started_at", "section_elapsed", "started_at", "closed_at", "version"]
    inlines = [AgendaItemInline, DecisionInline, ActionItemInline, TeamStatusInline]


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ["text", "meeting", "owner", "due_date", "state", "version"]
    list_filter = ["state", "meeting__art"]
    search_fields = ["text"]
    list_select_related = ["meeting", "owner"]
    readonly_fields = ["version", "created_at", "updated_at"]


class EscalationInline(ReadOnlyInline):
    model = ImpedimentEscalation
    fields = readonly_fields = ["from_level", "to_level", "note", "by", "at"]


@admin.register(Impediment)
class ImpedimentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "art", "team", "level", "state", "owner", "due_date", "raised_at", "version"]
    list_filter = ["art", "level", "state"]
    search_fields = ["description"]
    list_select_related = ["art", "team", "owner"]
    readonly_fields = ["version", "raised_at", "resolved_at", "updated_at"]
    inlines = [EscalationInline]


class DemoItemInline(ReadOnlyInline):
    model = DemoItem
    fields = readonly_fields = ["team", "feature", "objective", "shown", "integrated", "reason"]


class DemoOutcomeInline(ReadOnlyInline):
    model = DemoOutcome
    fields = readonly_fields = ["feature", "outcome", "note", "decided_by", "decided_at"]


class DemoFeedbackInline(ReadOnlyInline):
    model = DemoFeedback
    fields = readonly_fields = ["by", "text", "state", "backlog_feature", "close_reason", "handled_by"]


@admin.register(SystemDemo)
class SystemDemoAdmin(admin.ModelAdmin):
    list_display = ["__str__", "art", "pi", "iteration", "held_on", "version"]
    list_filter = ["art"]
    list_select_related = ["art", "pi", "iteration__pi"]
    readonly_fields = ["version", "created_at", "updated_at"]
    filter_horizontal = ["attendees"]
    inlines = [DemoItemInline, DemoOutcomeInline, DemoFeedbackInline]
