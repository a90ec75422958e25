"""Django admin for setup and support."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from artops.models import ART, Iteration, Membership, ProgramIncrement, Team, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_active", "is_staff", "last_login"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["display_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]})]


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0


@admin.register(ART)
class ARTAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone", "iteration_weeks", "development_iterations", "wip_limit"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    inlines = [TeamInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "art", "role", "team"]
    list_filter = ["art", "role"]
    search_fields = ["user__email", "user__display_name"]
    list_select_related = ["user", "art", "team"]
    autocomplete_fields = ["user"]


class IterationInline(admin.TabularInline):
    model = Iteration
    extra = 0
    can_delete = False
    readonly_fields = ["number", "name", "start_date", "end_date", "is_ip"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # iterations are generated from the PI's cadence


@admin.register(ProgramIncrement)
class ProgramIncrementAdmin(admin.ModelAdmin):
    """Read-mostly: PIs are created and rescheduled through the app, which keeps the cadence rules."""

    list_display = ["name", "art", "start_date", "end_date", "state"]
    list_filter = ["art", "state"]
    readonly_fields = ["start_date", "end_date", "iteration_weeks", "development_iterations"]
    inlines = [IterationInline]

    def has_add_permission(self, request) -> bool:
        return False
