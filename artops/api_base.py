"""What every API module builds on: one base viewset, the fields that name objects of the
caller's trains, the version a change passes, free text and dates, and the pagination of lists.

Every app's endpoints (``artops.api``, ``planning.api``, ``risks.api``) extend ``ApiViewSet``
and name trains, PIs, teams, iterations and people with the ``Visible*Field`` family, so that
an object of another train reads as unknown (400), never as forbidden; their ids are read by
``artops.parsing`` (ASCII digits, within a bigint). A change of a versioned object passes the
``version`` it read (``version_field``); a stale one answers 409 (see ``artops.api_errors``).
Free text takes its model field's bound (``text_field``), dates the range of
``artops.parsing.validate_sane_date`` (``date_field``). Every list is paginated by
``artops.api_pagination.Pagination``, which refuses a page that is not one; what each operation
may answer is documented once for all by ``artops.api_schema.ApiAutoSchema``.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers, status, viewsets
from rest_framework.fields import empty
from rest_framework.relations import MANY_RELATION_KWARGS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils import html

from artops.models import ART, Iteration, ProgramIncrement, Team, User, max_length_of
from artops.parsing import ApiIdRelatedField, ApiIntegerField, shown, validate_sane_date
from artops.permissions import HasCapability

VERSION_HELP = "The version you read; a newer one answers 409."


# --- the base viewset -----------------------------------------------------------------------------


class ApiViewSet(viewsets.GenericViewSet):
    """What every endpoint shares: the capability table, numeric ids, validated input, answers.

    ``capabilities`` maps an action to the capability ``HasCapability`` asks of an existing
    object; actions on new objects ask the service (whose train comes from the payload). A
    viewset adds the mixins of the actions it offers.
    """

    permission_classes = (HasCapability,)
    # Action → capability, asked by HasCapability of existing objects (the services ask it too).
    capabilities: ClassVar[dict[str, str]] = {}
    # ASCII digits only: in a URL pattern \d would also match "١٢", which the id lookup then reads as 12.
    lookup_value_regex = "[0-9]+"

    def validated(self, serializer_class: type[serializers.Serializer]) -> dict:
        """The request's input, checked by ``serializer_class`` (400 with its messages otherwise)."""
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def answer(self, obj, serializer_class, status_code: int = status.HTTP_200_OK) -> Response:
        """``obj`` as ``serializer_class`` shows it."""
        return Response(serializer_class(obj, context=self.get_serializer_context()).data, status=status_code)


# --- versions -------------------------------------------------------------------------------------


# A version is a PositiveIntegerField: it never grows past this.
VERSION_MAX = 2_147_483_647


def version_field(**kwargs) -> ApiIntegerField:
    """The version of the object the caller read, which a change passes back."""
    return ApiIntegerField(min_value=1, max_value=VERSION_MAX, help_text=VERSION_HELP, **kwargs)


class VersionSerializer(serializers.Serializer):
    version = version_field()


def version_of(request: Request) -> int:
    """The version a deletion read: ``?version=`` or ``version`` in the body (400 without it)."""
    version = request.query_params.get("version")
    if version is None and hasattr(request.data, "get"):
        version = request.data.get("version")
    serializer = VersionSerializer(data={} if version is None else {"version": version})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data["version"]


# The ``version`` query parameter of a DELETE, for the schema.
VERSION_PARAMETER = OpenApiParameter("version", OpenApiTypes.INT, required=True, description=VERSION_HELP)


# --- free text and dates ----------------------------------------------------------------------


def text_field(model: type[models.Model], name: str, **kwargs) -> serializers.CharField:
    """The free text ``model.name``, bounded as the model bounds it (DRF refuses NUL and lone surrogates)."""
    kwargs.setdefault("max_length", max_length_of(model, name))
    return serializers.CharField(**kwargs)


def date_field(**kwargs) -> serializers.DateField:
    """A date a caller gives, from 2000 to 2100 (``artops.parsing.validate_sane_date``)."""
    kwargs.setdefault("validators", [validate_sane_date])
    return serializers.DateField(**kwargs)


class ChoiceField(serializers.ChoiceField):
    """One of ``choices``; anything else is refused, quoting what was sent made safe (``shown``)."""

    def to_internal_value(self, data):
        if data == "" and self.allow_blank:
            return ""
        if str(data) in self.choice_strings_to_values:
            return self.choice_strings_to_values[str(data)]
        self.fail("invalid_choice", input=shown(data))


# --- form posts -----------------------------------------------------------------------------------


class KeptBooleanField(serializers.BooleanField):
    """A boolean that a form post leaves out is left alone (DRF would otherwise read it as false)."""

    default_empty_html = empty


class KeptListField(serializers.ManyRelatedField):
    """A list of ids that a form post leaves out is left alone (DRF would otherwise read it as empty)."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and self.field_name not in dictionary:
            return empty
        return super().get_value(dictionary)


# --- objects of the caller's trains ---------------------------------------------------------------


def request_user(field: serializers.Field):
    """The person calling, for a field that limits its choices to what they may see (None without a request)."""
    request = field.context.get("request")
    return request.user if request is not None else None


class VisibleARTField(serializers.SlugRelatedField):
    """A train named by slug, among the trains the requesting user is a member of."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Slug of the train.")
        super().__init__(slug_field="slug", queryset=ART.objects.all(), **kwargs)

    def get_queryset(self):
        user = request_user(self)
        return ART.objects.visible_to(user) if user is not None else ART.objects.none()


class VisibleObjectField(ApiIdRelatedField):
    """An object by id, among those of the requesting user's trains; any other id reads as unknown.

    A subclass names its ``model`` (whose manager has ``visible_to``) and the message of an
    unknown id. ``many=True`` gives a ``KeptListField``.
    """

    model: ClassVar[type[models.Model]]

    def __init__(self, **kwargs):
        super().__init__(queryset=self.model.objects.all(), **kwargs)

    @classmethod
    def many_init(cls, *args, **kwargs) -> KeptListField:
        list_kwargs = {key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS}
        return KeptListField(child_relation=cls(*args, **kwargs), **list_kwargs)

    def get_queryset(self):
        user = request_user(self)
        return self.visible(user) if user is not None else self.model.objects.none()

    def visible(self, user) -> QuerySet:
        return self.model.objects.visible_to(user)


class VisiblePIField(VisibleObjectField):
    """A PI by id, among the PIs of the requesting user's trains (the service checks it is the right train's)."""

    model = ProgramIncrement
    default_error_messages: ClassVar[dict[str, str]] = {
        "does_not_exist": "There is no PI with id {pk_value} on your trains."
    }

    def visible(self, user) -> QuerySet:
        return ProgramIncrement.objects.visible_to(user).select_related("art")


class VisibleTeamField(VisibleObjectField):
    """A team by id, among the teams of the requesting user's trains."""

    model = Team
    default_error_messages: ClassVar[dict[str, str]] = {
        "does_not_exist": "There is no team with id {pk_value} on your trains."
    }

    def visible(self, user) -> QuerySet:
        return Team.objects.visible_to(user).select_related("art")


class VisibleIterationField(VisibleObjectField):
    """An iteration by id, among the iterations of the PIs of the requesting user's trains."""

    model = Iteration
    default_error_messages: ClassVar[dict[str, str]] = {
        "does_not_exist": "There is no iteration with id {pk_value} on your trains."
    }

    def visible(self, user) -> QuerySet:
        return Iteration.objects.visible_to(user).select_related("pi")


class VisibleMemberField(VisibleObjectField):
    """A person by id, among the members of the requesting user's trains (the service checks the train)."""

    model = User
    default_error_messages: ClassVar[dict[str, str]] = {
        "does_not_exist": "There is no person with id {pk_value} on your trains."
    }

    def visible(self, user) -> QuerySet:
        return User.objects.filter(memberships__art__in=ART.objects.visible_to(user)).distinct()
