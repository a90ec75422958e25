"""The API of the syncs: ``/api/sync-meetings/`` and what a sync produces.

- ``sync-meetings``: ``POST`` opens a sync (an ART Sync gets its top 5 at once);
  ``POST …/{id}/start|pause|resume|advance|close|pick-agenda/`` with the meeting's ``version``.
- ``sync-agenda-items``: the top 5; ``POST …/{id}/pin|move|swap/`` with the meeting's ``version``.
- ``sync-decisions``, ``sync-action-items`` (``POST …/{id}/complete|drop/`` with the item's
  ``version``), ``sync-team-statuses`` (``POST`` posts or corrects a team's status).
"""

from __future__ import annotations

from typing import ClassVar

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from artops.api_base import (
    ApiViewSet,
    VisibleARTField,
    VisibleMemberField,
    VisiblePIField,
    VisibleTeamField,
)
from artops.parsing import ApiIntegerField
from sync import agenda, services
from sync.api.fields import (
    SyncVersionSerializer,
    VisibleAgendaItemField,
    VisibleDependencyField,
    VisibleImpedimentField,
    VisibleMeetingField,
    choice,
    name_of,
    shown_choice,
    text,
    version,
)
from sync.filters import ActionItemFilter, AgendaItemFilter, DecisionFilter, SyncMeetingFilter, TeamStatusFilter
from sync.models import ActionItem, AgendaItem, Decision, SyncMeeting, TeamStatus

FACILITATE = "sync.facilitate"
SECTION_KEYS = sorted({section.key for sections in agenda.SECTIONS.values() for section in sections})


# --- serializers ----------------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
        "example": "10:00",
        "description": "Local time of day in the train's time zone (HH:MM or HH:MM:SS), without an offset.",
    }
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time in the train's zone: OpenAPI's ``format: time`` would demand a UTC offset it has not."""


class MeetingSerializer(serializers.ModelSerializer):
    """A sync of a train, with its facilitator's timer: the current section and the seconds it has run."""

    art = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Slug of the train.")
    facilitator_name = name_of("facilitator.display_name")
    kind = shown_choice(SyncMeeting.Kind.choices)
    state = shown_choice(SyncMeeting.State.choices)
    elapsed = serializers.SerializerMethodField(help_text="Seconds the current section has run.")
    start_time = LocalTimeField(read_only=True)

    class Meta:
        model = SyncMeeting
        fields = (
            "id",
            "art",
            "pi",
            "kind",
            "date",
            "start_time",
            "state",
            "facilitator",
            "facilitator_name",
            "current_section",
            "section_started_at",
            "section_elapsed",
            "elapsed",
            "started_at",
            "closed_at",
            "calendar_event",
            "version",
        )
        read_only_fields = fields

    def get_elapsed(self, meeting: SyncMeeting) -> int:
        return agenda.elapsed_seconds(meeting, timezone.now())


class MeetingCreateSerializer(serializers.Serializer):
    art = VisibleARTField()
    kind = choice(SyncMeeting.Kind.choices, "kind of sync")
    date = serializers.DateField()
    start_time = LocalTimeField()
    pi = VisiblePIField(
        required=False, allow_null=True, help_text="Id of the PI; the one running on the day if left out."
    )


class AdvanceSerializer(SyncVersionSerializer):
    to = choice(
        [(key, key) for key in SECTION_KEYS],
        "section",
        required=False,
        help_text="A section; the next one if left out.",
    )


class AgendaItemSerializer(serializers.ModelSerializer):
    """One of the top 5 of an ART Sync: an impediment or a dependency, why it is there, whether it is pinned."""

    reason = serializers.IntegerField(read_only=True, help_text="1 (most severe) to 6, as ``reason_label`` says.")
    reason_label = serializers.CharField(source="get_reason_display", read_only=True)
    subject = serializers.CharField(source="subject.__str__", read_only=True)

    class Meta:
        model = AgendaItem
        fields = (
            "id",
            "meeting",
            "position",
            "impediment",
            "dependency",
            "reason",
            "reason_label",
            "subject",
            "pinned",
        )
        read_only_fields = fields


class PinSerializer(SyncVersionSerializer):
    pinned = serializers.BooleanField(default=True)


class MoveSerializer(SyncVersionSerializer):
    position = ApiIntegerField(min_value=1, max_value=AgendaItem.TOP)


class SwapSerializer(SyncVersionSerializer):
    impediment = VisibleImpedimentField(required=False, allow_null=True)
    dependency = VisibleDependencyField(required=False, allow_null=True)


class DecisionSerializer(serializers.ModelSerializer):
    by_name = name_of("by.display_name")

    class Meta:
        model = Decision
        fields = ("id", "meeting", "section", "agenda_item", "text", "by", "by_name", "at")
        read_only_fields = fields


class DecisionCreateSerializer(serializers.Serializer):
    meeting = VisibleMeetingField()
    text = text(1000)
    section = choice([(key, key) for key in SECTION_KEYS], "section", required=False, allow_blank=True)
    agenda_item = VisibleAgendaItemField(required=False, allow_null=True)


class ActionItemSerializer(serializers.ModelSerializer):
    """An action item with its owner and due date; open ones carry into the next sync of the kind."""

    owner_name = name_of("owner.display_name")
    state = shown_choice(ActionItem.State.choices)
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = (
            "id",
            "meeting",
            "agenda_item",
            "text",
            "owner",
            "owner_name",
            "due_date",
            "state",
            "is_overdue",
            "done_at",
            "drop_reason",
            "raised_by",
            "version",
            "created_at",
        )
        read_only_fields = fields

    def get_is_overdue(self, item: ActionItem) -> bool:
        todays = self.context.setdefault("train_todays", {})
        art = item.meeting.art
        if art.pk not in todays:
            todays[art.pk] = art.today()
        return item.is_overdue(todays[art.pk])


class ActionItemCreateSerializer(serializers.Serializer):
    meeting = VisibleMeetingField()
    text = text(500)
    owner = VisibleMemberField(error_messages={"required": "Every action item has an owner: choose who will do it."})
    due_date = serializers.DateField(error_messages={"required": "Every action item has a due date."})
    agenda_item = VisibleAgendaItemField(required=False, allow_null=True)


class DropActionSerializer(SyncVersionSerializer):
    reason = text(300)


class TeamStatusSerializer(serializers.ModelSerializer):
    team_name = name_of("team.name")
    posted_by_name = name_of("posted_by.display_name")
    status = shown_choice(TeamStatus.Status.choices)

    class Meta:
        model = TeamStatus
        fields = (
            "id",
            "meeting",
            "team",
            "team_name",
            "status",
            "note",
            "posted_by",
            "posted_by_name",
            "posted_at",
            "version",
        )
        read_only_fields = fields


class TeamStatusCreateSerializer(serializers.Serializer):
    meeting = VisibleMeetingField()
    team = VisibleTeamField()
    status = choice(TeamStatus.Status.choices, "team status")
    note = text(TeamStatus.NOTE_LENGTH, required=False, allow_blank=True, default="")
    version = version(required=False, allow_null=True, default=None)


# --- viewsets -------------------------------------------------------------------------------------


class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The syncs of your trains (ART Sync, Coach Sync, PO Sync), latest first. The RTE runs them."""

    serializer_class = MeetingSerializer
    filterset_class = SyncMeetingFilter
    capabilities: ClassVar[dict[str, str]] = dict.fromkeys(
        ("start", "pause", "resume", "advance", "close", "pick_agenda"), FACILITATE
    )
    ordering_fields = ("date", "created_at")

    def get_queryset(self):
        return SyncMeeting.objects.visible_to(self.request.user).with_related().order_by("-date", "-start_time", "-id")

    @extend_schema(request=MeetingCreateSerializer, responses={201: MeetingSerializer})
    def create(self, request: Request) -> Response:
        """Open a sync. A train has one open sync of a kind at a time."""
        data = self.validated(MeetingCreateSerializer)
        meeting = services.open_meeting(data.pop("art"), by=request.user, **data)
        return self.answer(meeting, MeetingSerializer, status.HTTP_201_CREATED)

    def _timer(self, call, serializer_class=SyncVersionSerializer) -> Response:
        meeting = self.get_object()
        data = self.validated(serializer_class)
        version_read = data.pop("version")
        result = call(meeting, by=self.request.user, expected_version=version_read, **data)
        return self.answer(result, MeetingSerializer)

    @extend_schema(request=SyncVersionSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk=None) -> Response:
        """Start the sync: the timer runs in its first section."""
        return self._timer(services.start_meeting)

    @extend_schema(request=SyncVersionSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk=None) -> Response:
        return self._timer(services.pause_timer)

    @extend_schema(request=SyncVersionSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk=None) -> Response:
        return self._timer(services.resume_timer)

    @extend_schema(request=AdvanceSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def advance(self, request: Request, pk=None) -> Response:
        """Move on to the next section (or to ``to``)."""
        return self._timer(services.advance_timer, AdvanceSerializer)

    @extend_schema(request=SyncVersionSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk=None) -> Response:
        """Close the sync; its open action items carry into the next one of its kind."""
        return self._timer(services.close_meeting)

    @extend_schema(request=SyncVersionSerializer, responses=AgendaItemSerializer(many=True))
    @action(detail=True, methods=["post"], url_path="pick-agenda")
    def pick_agenda(self, request: Request, pk=None) -> Response:
        """Choose the top 5 again from today's data; pins and settled items stay."""
        meeting = self.get_object()
        data = self.validated(SyncVersionSerializer)
        items = services.pick_agenda(meeting, by=request.user, expected_version=data["version"])
        return Response(AgendaItemSerializer(items, many=True).data)


class AgendaItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The top 5 of the ART Syncs of your trains, by sync and position. The RTE arranges them."""

    serializer_class = AgendaItemSerializer
    filterset_class = AgendaItemFilter
    capabilities: ClassVar[dict[str, str]] = dict.fromkeys(("pin", "move", "swap"), FACILITATE)

    def get_queryset(self):
        return (
            AgendaItem.objects.visible_to(self.request.user)
            .select_related(
                "meeting__art", "impediment__team", "dependency__needing_team", "dependency__providing_team"
            )
            .order_by("meeting_id", "position")
        )

    @extend_schema(request=PinSerializer, responses=AgendaItemSerializer)
    @action(detail=True, methods=["post"])
    def pin(self, request: Request, pk=None) -> Response:
        """Pin the item in its position (``pinned``: false unpins it)."""
        item = self.get_object()
        data = self.validated(PinSerializer)
        pinned = services.pin_agenda_item(
            item, by=request.user, expected_version=data["version"], pinned=data["pinned"]
        )
        return self.answer(pinned, AgendaItemSerializer)

    @extend_schema(request=MoveSerializer, responses=AgendaItemSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk=None) -> Response:
        """Put the item at ``position``; the item there takes its place. The moved item is pinned."""
        item = self.get_object()
        data = self.validated(MoveSerializer)
        moved = services.move_agenda_item(
            item, position=data["position"], by=request.user, expected_version=data["version"]
        )
        return self.answer(moved, AgendaItemSerializer)

    @extend_schema(request=SwapSerializer, responses=AgendaItemSerializer)
    @action(detail=True, methods=["post"])
    def swap(self, request: Request, pk=None) -> Response:
        """Replace the item with a candidate outside the five (one ``impediment`` or one ``dependency``)."""
        item = self.get_object()
        data = self.validated(SwapSerializer)
        swapped = services.swap_agenda_item(
            item,
            by=request.user,
            expected_version=data["version"],
            impediment=data.get("impediment"),
            dependency=data.get("dependency"),
        )
        return self.answer(swapped, AgendaItemSerializer)


class DecisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Decisions of the syncs of your trains. The RTE records them."""

    serializer_class = DecisionSerializer
    filterset_class = DecisionFilter

    def get_queryset(self):
        return Decision.objects.visible_to(self.request.user).select_related("by").order_by("meeting_id", "at", "id")

    @extend_schema(request=DecisionCreateSerializer, responses={201: DecisionSerializer})
    def create(self, request: Request) -> Response:
        """Record a decision in a section of the sync (the current one if left out), perhaps on a top-5 item."""
        data = self.validated(DecisionCreateSerializer)
        decision = services.record_decision(
            data["meeting"],
            text=data["text"],
            by=request.user,
            section=data.get("section") or None,
            agenda_item=data.get("agenda_item"),
        )
        return self.answer(decision, DecisionSerializer, status.HTTP_201_CREATED)


class ActionItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Action items of the syncs of your trains, by due date. Each has an owner and a due date."""

    serializer_class = ActionItemSerializer
    filterset_class = ActionItemFilter

    def get_queryset(self):
        return (
            ActionItem.objects.visible_to(self.request.user)
            .with_related()
            .select_related("meeting__art")
            .order_by("due_date", "created_at", "id")
        )

    @extend_schema(request=ActionItemCreateSerializer, responses={201: ActionItemSerializer})
    def create(self, request: Request) -> Response:
        """Add an action item: what, its owner (a member of the train) and its due date, all required."""
        data = self.validated(ActionItemCreateSerializer)
        item = services.add_action_item(data.pop("meeting"), by=request.user, **data)
        return self.answer(item, ActionItemSerializer, status.HTTP_201_CREATED)

    @extend_schema(request=SyncVersionSerializer, responses=ActionItemSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk=None) -> Response:
        """Mark it done (its owner, or the RTE)."""
        item = self.get_object()
        data = self.validated(SyncVersionSerializer)
        return self.answer(
            services.complete_action_item(item, by=request.user, expected_version=data["version"]), ActionItemSerializer
        )

    @extend_schema(request=DropActionSerializer, responses=ActionItemSerializer)
    @action(detail=True, methods=["post"])
    def drop(self, request: Request, pk=None) -> Response:
        """Drop it, with the reason (its owner, or the RTE)."""
        item = self.get_object()
        if item.owner_id != request.user.pk and not services.common.holds(
            request.user, FACILITATE, art=item.meeting.art
        ):
            raise PermissionDenied("Only the action's owner or the RTE closes it.")
        data = self.validated(DropActionSerializer)
        dropped = services.drop_action_item(
            item, reason=data["reason"], by=request.user, expected_version=data["version"]
        )
        return self.answer(dropped, ActionItemSerializer)


class TeamStatusViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The teams' status for the syncs of your trains. A team's Scrum Master or PO (or the RTE) posts it."""

    serializer_class = TeamStatusSerializer
    filterset_class = TeamStatusFilter

    def get_queryset(self):
        return TeamStatus.objects.visible_to(self.request.user).with_related().order_by("meeting_id", "team__name")

    @extend_schema(request=TeamStatusCreateSerializer, responses={201: TeamStatusSerializer})
    def create(self, request: Request) -> Response:
        """Post a team's status for a sync, or correct it (pass the ``version`` of the status you read)."""
        data = self.validated(TeamStatusCreateSerializer)
        version_read = data.pop("version")
        posted = services.post_team_status(data.pop("meeting"), by=request.user, expected_version=version_read, **data)
        return self.answer(posted, TeamStatusSerializer, status.HTTP_201_CREATED)
