"""Django admin for setup and support."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from artops.calendar.models import CalendarCadence, CalendarEvent, CalendarFeedToken
from artops.models import ART, Iteration, Membership, ProgramIncrement, Team, User
from artops.onboarding.models import Invitation


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_active", "is_staff", "last_login"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["display_name", "assignment_notices"]}),
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


# --- the ART calendar (support only: the RTE manages it on the calendar pages) -----------------


@admin.register(CalendarCadence)
class CalendarCadenceAdmin(admin.ModelAdmin):
    list_display = ["art", "art_sync_weekday", "art_sync_second_weekday", "art_sync_time", "pi_planning_placement"]
    readonly_fields = ["version", "updated_at"]


@admin.register(CalendarEvent)
class CalendarEventAdmin(admin.ModelAdmin):
    """Read-mostly: changes made here would not raise the feed's SEQUENCE; the calendar pages do."""

    list_display = ["title", "art", "kind", "starts_at", "start_date", "status", "sequence", "edited_by_hand"]
    list_filter = ["art", "kind", "status"]
    search_fields = ["title"]
    list_select_related = ["art"]
    readonly_fields = ["uid", "sequence", "source_key", "edited_by_hand", "version", "created_at", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(admin.ModelAdmin):
    """Who holds a feed link, and when it was made or revoked; the secret itself is never stored."""

    list_display = ["user", "art", "created_at", "revoked_at"]
    list_filter = ["art"]
    list_select_related = ["user", "art"]
    exclude = ["token_hash"]
    readonly_fields = ["user", "art", "time_zone", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are sent and resent by the RTE in the app (they send mail)."""

    list_display = ["user", "art", "invited_by", "last_sent_at", "send_count", "accepted_at"]
    list_filter = ["art"]
    search_fields = ["user__email", "user__display_name"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


from artops.coaching import admin as coaching_admin  # noqa: E402, F401  (registers the coaching admin pages)
