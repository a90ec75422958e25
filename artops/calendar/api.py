"""The API of the ART calendar (``/api/calendar-events/``): the events of your trains, in start order.

``GET`` lists them (filters: ``art``, ``pi``, ``kind``, ``status``, and ``from`` / ``to`` days
in each train's time zone) and reads one; the RTE (``art.manage``) adds one (``POST``),
changes or moves one (``PATCH …/{id}/`` with the ``version`` read: a stale one answers 409),
cancels or restores one (``POST …/{id}/cancel/``, ``…/restore/``) and generates a PI's
calendar from the train's cadence (``POST …/generate/``). Every write goes through
``artops.calendar.services``, as the calendar pages do. Another train's event answers 404,
another train's PI reads as unknown (400).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import DateField, F, Func, Q, QuerySet
from django.db.models.functions import Cast
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from artops.api_base import ApiViewSet, VersionSerializer, VisibleARTField, VisiblePIField, version_field
from artops.calendar import services
from artops.calendar.forms import FIRST_YEAR, LAST_YEAR, parse_day
from artops.calendar.models import DESCRIPTION_MAX, LOCATION_MAX, TITLE_MAX, CalendarEvent
from artops.parsing import IdFilter, validate_storable_text

# --- filters ----------------------------------------------------------------------------------


class IsoDayField(forms.Field):
    """A day written YYYY-MM-DD and nothing else (not 5/10/2026, not 2026-W41-1)."""

    def to_python(self, value) -> date | None:
        try:
            return parse_day(value, name=self.label or "day")
        except ValidationError as error:
            raise ValidationError(error.messages, code="invalid") from None


class IsoDayFilter(django_filters.Filter):
    field_class = IsoDayField


def local_date(field: str) -> Cast:
    """The day of a timestamp in the event's train's time zone."""
    return Cast(Func(F("art__time_zone"), F(field), function="timezone"), DateField())


class CalendarEventFilter(django_filters.FilterSet):
    """Events by train, PI, kind, status, and the days they cover (in their train's time zone)."""

    art = django_filters.CharFilter(field_name="art__slug", help_text="Slug of the train.")
    pi = IdFilter(field_name="pi", help_text="Id of the Planning Interval.")
    kind = django_filters.ChoiceFilter(choices=CalendarEvent.Kind.choices)
    status = django_filters.ChoiceFilter(choices=CalendarEvent.Status.choices)

    class Meta:
        model = CalendarEvent
        fields = ("art", "pi", "kind", "status")

    def filter_from(self, queryset: QuerySet, name: str, value: date | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.alias(local_end=local_date("ends_at")).filter(Q(local_end__gte=value) | Q(end_date__gt=value))

    def filter_to(self, queryset: QuerySet, name: str, value: date | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.alias(local_start=local_date("starts_at")).filter(
            Q(local_start__lte=value) | Q(start_date__lte=value)
        )


# ``from`` and ``to`` are Python keywords: the two filters are added by name.
CalendarEventFilter.base_filters["from"] = IsoDayFilter(
    method="filter_from", label="from", help_text="Events that end on or after this day (YYYY-MM-DD)."
)
CalendarEventFilter.base_filters["to"] = IsoDayFilter(
    method="filter_to", label="to", help_text="Events that start on or before this day (YYYY-MM-DD)."
)


# --- what is read -----------------------------------------------------------------------------


class CalendarEventSerializer(serializers.ModelSerializer):
    """An event of the train's calendar: timed (``starts_at``/``ends_at``) or all-day
    (``start_date`` and an exclusive ``end_date``, as iCalendar counts)."""

    art = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Slug of the train.")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    all_day = serializers.BooleanField(read_only=True)
    page = serializers.SerializerMethodField(help_text="The event's page in ARTops.")
    generated = serializers.SerializerMethodField(help_text="Generated from the train's cadence.")

    class Meta:
        model = CalendarEvent
        fields = (
            "id",
            "art",
            "pi",
            "kind",
            "kind_label",
            "title",
            "all_day",
            "starts_at",
            "ends_at",
            "start_date",
            "end_date",
            "location",
            "description",
            "status",
            "uid",
            "sequence",
            "generated",
            "edited_by_hand",
            "version",
            "page",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields
        extra_kwargs: ClassVar[dict] = {
            "end_date": {"help_text": "All-day events: the day after the last day."},
            "uid": {"help_text": "The iCalendar UID (with “@artops”): never changes."},
            "sequence": {"help_text": "The iCalendar SEQUENCE: goes up when the start, the end or the status changes."},
        }

    @extend_schema_field(serializers.URLField())
    def get_page(self, event: CalendarEvent) -> str:
        path = reverse("calendar_event", kwargs={"art_slug": event.art.slug, "event_id": event.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(serializers.BooleanField())
    def get_generated(self, event: CalendarEvent) -> bool:
        return event.source_key is not None


class GenerationSerializer(serializers.Serializer):
    pi = serializers.IntegerField(help_text="Id of the PI.")
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    kept = serializers.IntegerField(help_text="Past, changed by hand, or already as the cadence says.")


# --- what is written --------------------------------------------------------------------------


def in_calendar_years(value: date | datetime | None) -> None:
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise serializers.ValidationError(f"Give a day between {FIRST_YEAR} and {LAST_YEAR}.")


def text(max_length: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, validators=[validate_storable_text], **kwargs)


class EventFields(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CalendarEvent.Kind.choices, required=False)
    title = text(TITLE_MAX, required=False)
    starts_at = serializers.DateTimeField(
        required=False, allow_null=True, validators=[in_calendar_years], help_text="Timed events: the start."
    )
    ends_at = serializers.DateTimeField(
        required=False, allow_null=True, validators=[in_calendar_years], help_text="Timed events: the end."
    )
    start_date = serializers.DateField(
        required=False, allow_null=True, validators=[in_calendar_years], help_text="All-day events: the first day."
    )
    end_date = serializers.DateField(
        required=False,
        allow_null=True,
        validators=[in_calendar_years],
        help_text="All-day events: the day after the last day (exclusive, as iCalendar counts).",
    )
    location = text(LOCATION_MAX, required=False, allow_blank=True)
    description = text(DESCRIPTION_MAX, required=False, allow_blank=True)


class EventCreateSerializer(EventFields):
    art = VisibleARTField()
    pi = VisiblePIField(required=False, allow_null=True, help_text="Id of a PI of the train, or null.")
    title = text(TITLE_MAX)


class EventUpdateSerializer(EventFields):
    version = version_field()


class GenerateSerializer(serializers.Serializer):
    pi = VisiblePIField(help_text="Id of the PI whose calendar is generated from the train's cadence.")


# --- the endpoints ----------------------------------------------------------------------------


class CalendarEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Events of your trains' calendars, in start order. Members read; the RTE manages."""

    serializer_class = CalendarEventSerializer
    filterset_class = CalendarEventFilter
    capabilities: ClassVar[dict[str, str]] = {
        "partial_update": "art.manage",
        "cancel": "art.manage",
        "restore": "art.manage",
    }
    ordering_fields = ("starts_at", "start_date", "created_at", "updated_at", "title")
    http_method_names = ("get", "post", "patch", "head", "options")

    def get_queryset(self) -> QuerySet[CalendarEvent]:
        return CalendarEvent.objects.visible_to(self.request.user).with_related()

    def get_serializer_class(self):
        return {
            "create": EventCreateSerializer,
            "partial_update": EventUpdateSerializer,
            "cancel": VersionSerializer,
            "restore": VersionSerializer,
            "generate": GenerateSerializer,
        }.get(self.action, CalendarEventSerializer)

    @extend_schema(request=EventCreateSerializer, responses={201: CalendarEventSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Add an event by hand (a community of practice session, anything): the RTE only.
        Timed: ``starts_at`` and ``ends_at``; all-day: ``start_date`` and ``end_date``."""
        data = self.validated(EventCreateSerializer)
        event = services.add_event(data.pop("art"), by=request.user, **data)
        return self.answer(event, CalendarEventSerializer, status.HTTP_201_CREATED)

    @extend_schema(request=EventUpdateSerializer, responses=CalendarEventSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        """Change or move an event (SEQUENCE goes up when it moves); give the ``version`` you read.
        To turn a timed event into an all-day one, give the days and null times (or the reverse)."""
        event = self.get_object()  # the capability, before the input is read
        data = self.validated(EventUpdateSerializer)
        version = data.pop("version")
        event = services.edit_event(event, by=request.user, expected_version=version, **data)
        return self.answer(event, CalendarEventSerializer)

    @extend_schema(request=VersionSerializer, responses=CalendarEventSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel the event: it stays, with status cancelled, so subscribed calendars remove it."""
        event = self.get_object()
        version = self.validated(VersionSerializer)["version"]
        return self.answer(
            services.cancel_event(event, by=request.user, expected_version=version), self.serializer_class
        )

    @extend_schema(request=VersionSerializer, responses=CalendarEventSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        """Hold a cancelled event after all."""
        event = self.get_object()
        version = self.validated(VersionSerializer)["version"]
        return self.answer(
            services.restore_event(event, by=request.user, expected_version=version), self.serializer_class
        )

    @extend_schema(request=GenerateSerializer, responses=GenerationSerializer)
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def generate(self, request: Request) -> Response:
        """Publish (or refresh) a PI's calendar from its train's cadence: the RTE only. Past events
        and events changed by hand are kept; generated future events the cadence no longer has
        are cancelled."""
        pi = self.validated(GenerateSerializer)["pi"]
        result = services.generate_calendar(pi, by=request.user)
        return Response(
            GenerationSerializer(
                {
                    "pi": pi.pk,
                    "created": result.created,
                    "updated": result.updated,
                    "cancelled": result.cancelled,
                    "kept": result.kept,
                }
            ).data
        )


def register(router) -> None:
    """Add the calendar endpoints to the API router of ``artops/api_urls.py``."""
    router.register("calendar-events", CalendarEventViewSet, basename="api-calendar-event")
