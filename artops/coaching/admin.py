"""Admin pages of coaching. Observations and growth goals are private: a non-superuser's admin
list shows only their own (``visible_to``), as every page does; a superuser (support) sees all."""

from django.contrib import admin

from artops.coaching.models import CoPSession, GrowthGoal, Observation, Playbook, PlaybookVersion


class PrivateCoachingAdmin(admin.ModelAdmin):
    list_select_related = ("art", "coach", "coachee")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.visible_to(request.user)


@admin.register(Observation)
class ObservationAdmin(PrivateCoachingAdmin):
    list_display = ("observed_on", "event", "team", "coach", "coachee", "art")
    list_filter = ("art", "event")


@admin.register(GrowthGoal)
class GrowthGoalAdmin(PrivateCoachingAdmin):
    list_display = ("goal", "competency", "pi", "coach", "coachee", "next_check_in", "done")
    list_filter = ("art", "competency", "done")


@admin.register(CoPSession)
class CoPSessionAdmin(admin.ModelAdmin):
    list_display = ("topic", "starts_at", "art")
    list_filter = ("art",)


class PlaybookVersionInline(admin.TabularInline):
    model = PlaybookVersion
    extra = 0
    can_delete = False
    fields = ("number", "title", "author", "note", "created_at")
    readonly_fields = fields


@admin.register(Playbook)
class PlaybookAdmin(admin.ModelAdmin):
    list_display = ("title", "art", "version", "updated_at")
    list_filter = ("art",)
    inlines = (PlaybookVersionInline,)
