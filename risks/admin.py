"""Django admin of risks and dependencies, for support: reading them with their history."""

from django.contrib import admin

from risks.models import Dependency, DependencyChange, Risk, RiskChange


class RiskChangeInline(admin.TabularInline):
    model = RiskChange
    extra = 0
    readonly_fields = ["kind", "changes", "note", "at", "by"]
    can_delete = False


class DependencyChangeInline(admin.TabularInline):
    model = DependencyChange
    extra = 0
    readonly_fields = ["kind", "changes", "note", "at", "by"]
    can_delete = False


@admin.register(Risk)
class RiskAdmin(admin.ModelAdmin):
    list_display = ["title", "art", "pi", "team", "state", "severity", "owner", "due_date", "version"]
    list_filter = ["art", "state"]
    search_fields = ["title"]
    list_select_related = ["art", "pi", "team", "owner"]
    readonly_fields = ["severity", "version", "created_at", "updated_at"]
    inlines = [RiskChangeInline]


@admin.register(Dependency)
class DependencyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "art", "pi", "state", "needed_by", "planned_iteration", "owner", "version"]
    list_filter = ["art", "state"]
    search_fields = ["description", "external_party"]
    list_select_related = ["art", "pi", "needing_team", "providing_team", "needed_by", "planned_iteration", "owner"]
    readonly_fields = ["version", "created_at", "closed_at", "updated_at"]
    inlines = [DependencyChangeInline]
