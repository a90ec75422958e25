"""Forms of the calendar pages: the cadence settings, one event (to add, edit or move it), the
PI whose calendar is generated, and the version a cancel or restore passes.

Forms check shape; ``artops.calendar.services`` checks the rules (the RTE alone, an end after
the start, the version). Times are typed in the train's time zone: the event form turns a day
and two times into aware datetimes there, and an all-day event's last day into the exclusive
end day the model stores.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError

from artops.calendar.models import DESCRIPTION_MAX, LOCATION_MAX, TITLE_MAX, CalendarCadence, CalendarEvent
from artops.calendar.schedule import Placement, WorkingDay
from artops.forms import version_field
from artops.models import ProgramIncrement
from artops.parsing import IdChoiceField, shown, validate_storable_text

ISO_DAY = ["%Y-%m-%d"]
ISO_DAY_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
FIRST_YEAR, LAST_YEAR = 1970, 2999
DAY_MESSAGES = {"invalid": "Enter the day as YYYY-MM-DD (a real date)."}
TIME_MESSAGES = {"invalid": "Enter the time as HH:MM, for example 10:00."}
WORKING_DAY_MESSAGES = {"invalid_choice": "Choose a working day: Monday to Friday (0 to 4); %(value)s is not one."}


def parse_day(value: str | None, *, name: str = "day") -> date | None:
    """A day written YYYY-MM-DD (a ``?from=`` or an API filter), None when absent; ``ValidationError``
    for anything else: another format, an impossible date (2026-02-30), a year out of range."""
    if value in (None, ""):
        return None
    reason = f"{name}: “{shown(value)}” is not a day: write it as YYYY-MM-DD, for example 2026-10-05."
    if not isinstance(value, str) or not ISO_DAY_TEXT.fullmatch(value):
        raise ValidationError({name: reason})
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValidationError({name: f"{name}: {value} is not a date of the calendar."}) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationError({name: f"{name}: give a day between {FIRST_YEAR} and {LAST_YEAR}."})
    return day


class DayField(forms.DateField):
    """A day typed as YYYY-MM-DD, in the years a calendar holds (date arithmetic stays in range)."""

    def validate(self, value) -> None:
        super().validate(value)
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValidationError(f"Give a day between {FIRST_YEAR} and {LAST_YEAR}.", code="out_of_range")


def day_field(label: str, **kwargs) -> DayField:
    """A day typed as YYYY-MM-DD (the browser's date input sends that), nothing else."""
    return DayField(
        label=label,
        input_formats=ISO_DAY,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages=DAY_MESSAGES,
        **kwargs,
    )


def time_field(label: str, **kwargs) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages=TIME_MESSAGES,
        **kwargs,
    )


def weekday_choice(label: str, *, required: bool = True, empty: str = "") -> forms.TypedChoiceField:
    choices = WorkingDay.choices if required else [("", empty), *WorkingDay.choices]
    return forms.TypedChoiceField(
        label=label,
        choices=choices,
        coerce=int,
        empty_value=None,
        required=required,
        error_messages=WORKING_DAY_MESSAGES,
    )


def text_field(label: str, max_length: int, **kwargs) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, validators=[validate_storable_text], **kwargs)


# --- the cadence ------------------------------------------------------------------------------


class CadenceForm(forms.Form):
    """When the train holds its recurring events (``CalendarCadence``), in its own time zone."""

    art_sync_weekday = weekday_choice("ART Sync on")
    art_sync_second_weekday = weekday_choice("and also on", required=False, empty="— none (weekly) —")
    art_sync_time = time_field("ART Sync at", help_text="90 minutes.")
    po_coach_syncs_apart = forms.BooleanField(
        label="Hold PO Sync and Coach Sync as their own meetings (larger trains do)", required=False
    )
    po_sync_weekday = weekday_choice("PO Sync on")
    po_sync_time = time_field("PO Sync at", help_text="60 minutes.")
    coach_sync_weekday = weekday_choice("Coach Sync on")
    coach_sync_time = time_field("Coach Sync at", help_text="60 minutes.")
    system_demo_time = time_field(
        "System Demo at", help_text="On the last working day of each development iteration; two hours."
    )
    inspect_adapt_time = time_field("Inspect & Adapt at", help_text="In the IP iteration; four hours.")
    pi_planning_placement = forms.ChoiceField(
        label="PI Planning", choices=Placement.choices, widget=forms.RadioSelect, initial=Placement.PREVIOUS_IP
    )
    version = version_field()

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("art_sync_weekday"), cleaned.get("art_sync_second_weekday")
        if first is not None and second is not None and first == second:
            self.add_error("art_sync_second_weekday", "A twice-weekly ART Sync is held on two different days.")
        return cleaned

    GROUPS = (
        ("ART Sync", ("art_sync_weekday", "art_sync_second_weekday", "art_sync_time")),
        (
            "PO Sync and Coach Sync",
            ("po_coach_syncs_apart", "po_sync_weekday", "po_sync_time", "coach_sync_weekday", "coach_sync_time"),
        ),
        (
            "System Demo, Inspect & Adapt and PI Planning",
            ("system_demo_time", "inspect_adapt_time", "pi_planning_placement"),
        ),
    )

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields by event, as the settings page shows them (one fieldset each)."""
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]

    @classmethod
    def initial_of(cls, cadence: CalendarCadence) -> dict:
        initial = {name: getattr(cadence, name) for name in cls.base_fields if name != "version"}
        return {**initial, "version": cadence.version}


# --- one event ------------------------------------------------------------------------------


class EventForm(forms.Form):
    """One event: timed (a day, a start and an end time) or all-day (a first and a last day)."""

    title = text_field("Title", TITLE_MAX, error_messages={"required": "Give the event a title."})
    kind = forms.ChoiceField(label="Kind", choices=CalendarEvent.Kind.choices, initial=CalendarEvent.Kind.OTHER)
    all_day = forms.BooleanField(label="All day (the times above are then left aside)", required=False)
    day = day_field("Day", required=False)
    starts = time_field("Starts at", required=False)
    ends = time_field("Ends at", required=False)
    end_day = day_field("Ends on", required=False, help_text="Leave empty when it ends the same day.")
    first_day = day_field("First day", required=False)
    last_day = day_field("Last day", required=False, help_text="Leave empty for a single day.")
    location = text_field("Location", LOCATION_MAX, required=False, help_text="A room or a video call link.")
    description = text_field("Description", DESCRIPTION_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    GROUPS = (
        ("The event", ("title", "kind", "location", "description")),
        ("At a time", ("day", "starts", "ends", "end_day")),
        ("Or all day", ("all_day", "first_day", "last_day")),
    )

    def __init__(self, *args, tz: ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.tz = tz

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned["all_day"]:
            first, last = cleaned.get("first_day"), cleaned.get("last_day") or cleaned.get("first_day")
            if first is None:
                self.add_error("first_day", "Give the first day of the all-day event.")
            elif last < first:
                self.add_error("last_day", "The event ends before it starts: the last day is before the first.")
            else:
                cleaned["timing"] = {"start_date": first, "end_date": last + timedelta(days=1)}
                cleaned["timing"].update(starts_at=None, ends_at=None)
            return cleaned
        day, starts, ends = cleaned.get("day"), cleaned.get("starts"), cleaned.get("ends")
        missing = [(name, label) for name, label, value in self._timed_parts(day, starts, ends) if value is None]
        for name, label in missing:
            self.add_error(name, f"Give the {label} of the event.")
        if missing:
            return cleaned
        starts_at = self.local(day, starts)
        ends_at = self.local(cleaned.get("end_day") or day, ends)
        if ends_at <= starts_at:
            self.add_error("ends", "The event ends before it starts: the end must be after the start.")
            return cleaned
        cleaned["timing"] = {"starts_at": starts_at, "ends_at": ends_at, "start_date": None, "end_date": None}
        return cleaned

    @staticmethod
    def _timed_parts(day, starts, ends):
        return [("day", "day", day), ("starts", "start time", starts), ("ends", "end time", ends)]

    def local(self, day: date, at: time) -> datetime:
        """``day`` at ``at`` in the train's time zone (a time skipped by a clock change moves forward)."""
        moment = datetime.combine(day, at, tzinfo=self.tz)
        return moment.astimezone(ZoneInfo("UTC")).astimezone(self.tz)

    def changes(self) -> dict:
        """What the services take: the event's fields, its timing as stored."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "kind": data["kind"],
            "location": data["location"],
            "description": data["description"],
            **data["timing"],
        }

    @staticmethod
    def initial_of(event: CalendarEvent) -> dict:
        initial = {
            "title": event.title,
            "kind": event.kind,
            "location": event.location,
            "description": event.description,
            "all_day": event.all_day,
            "version": event.version,
        }
        if event.all_day:
            initial.update(first_day=event.start_date, last_day=event.end_date - timedelta(days=1))
        else:
            tz = event.art.tz
            starts, ends = event.starts_at.astimezone(tz), event.ends_at.astimezone(tz)
            initial.update(day=starts.date(), starts=starts.time(), ends=ends.time())
            if ends.date() != starts.date():
                initial["end_day"] = ends.date()
        return initial


class EventEditForm(EventForm):
    version = version_field()


class VersionForm(forms.Form):
    """A cancel or a restore: the version of the event the RTE saw."""

    version = version_field()


# --- generating a PI's calendar -------------------------------------------------------------


class PIChoiceField(IdChoiceField):
    def label_from_instance(self, obj: ProgramIncrement) -> str:
        return f"{obj.name} ({obj.start_date:%-d %b %Y} – {obj.end_date:%-d %b %Y})"


class GenerateForm(forms.Form):
    pi = PIChoiceField(
        label="PI",
        queryset=ProgramIncrement.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Choose a PI of this train.", "required": "Choose a PI of this train."},
    )

    def __init__(self, *args, pis: list[ProgramIncrement], **kwargs):
        super().__init__(*args, **kwargs)
        # Offer exactly ``pis`` (read once by the page): the queryset validates, the list renders.
        field = self.fields["pi"]
        field.queryset = ProgramIncrement.objects.filter(pk__in=[pi.pk for pi in pis]).select_related("art")
        field.choices = [(pi.pk, field.label_from_instance(pi)) for pi in pis]
