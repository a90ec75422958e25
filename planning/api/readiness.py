"""The API of the PI readiness checklists (``/api/readiness/``)."""

from __future__ import annotations

from typing import ClassVar

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from artops.api_base import ApiViewSet, KeptBooleanField, VisibleMemberField, VisiblePIField, version_field
from artops.models import ART
from artops.permissions import require
from planning import services
from planning.api.fields import api_text
from planning.filters import ReadinessFilter
from planning.models import ReadinessItem

# What a change of an item may name (besides the version it read).
ITEM_FIELDS = frozenset({"done", "owner", "title"})


class ReadinessSerializer(serializers.ModelSerializer):
    """An item of a PI's readiness checklist for PI Planning, with its owner and done state."""

    owner_name = serializers.CharField(source="owner.display_name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ReadinessItem
        fields = ("id", "pi", "title", "owner", "owner_name", "done", "done_at", "position", "version")
        read_only_fields = fields


TITLE = ReadinessItem._meta.get_field("title")


class ReadinessCreateSerializer(serializers.Serializer):
    pi = VisiblePIField(help_text="Id of the PI.")
    title = api_text(TITLE)
    owner = VisibleMemberField(required=False, allow_null=True, default=None, help_text="Id of a member of the train.")


class ReadinessUpdateSerializer(serializers.Serializer):
    title = api_text(TITLE, required=False)
    owner = VisibleMemberField(required=False, allow_null=True, help_text="Id of a member of the train; null: nobody.")
    done = KeptBooleanField(required=False)
    version = version_field()

    def validate(self, attrs: dict) -> dict:
        if not set(attrs) - {"version"}:
            raise serializers.ValidationError("Name what to change: title, owner, done.")
        return attrs


class ReadinessViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet):
    """PI readiness checklists of your trains, in checklist order.

    The RTE adds items and changes them; an item's owner may tick (or untick) their own item.
    A change passes the ``version`` it read.
    """

    filterset_class = ReadinessFilter
    # Reading needs membership; who may change an item is asked of the item (services' rule).
    capabilities: ClassVar[dict[str, str]] = {}
    ordering_fields = ("position", "title", "done")
    http_method_names = ("get", "post", "patch", "head", "options")

    def get_queryset(self):
        items = ReadinessItem.objects.filter(pi__art__in=ART.objects.visible_to(self.request.user))
        return items.select_related("pi__art", "owner").order_by("pi__start_date", "pi_id", "position", "id")

    def get_serializer_class(self):
        if self.action == "create":
            return ReadinessCreateSerializer
        if self.action == "partial_update":
            return ReadinessUpdateSerializer
        return ReadinessSerializer

    def _require_edit(self, item: ReadinessItem) -> None:
        """Who may make the change the request names (``services``' rule), asked before its input is read."""
        named = set(self.request.data.keys() if hasattr(self.request.data, "keys") else ())
        services.require_update_readiness_item(self.request.user, item, named & ITEM_FIELDS)

    @extend_schema(request=ReadinessCreateSerializer, responses={201: ReadinessSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = self.validated(ReadinessCreateSerializer)
        pi = data.pop("pi")
        require(request.user, "planning.facilitate", art=pi.art)
        item = services.add_readiness_item(pi, by=request.user, **data)
        return self.answer(self.get_queryset().get(pk=item.pk), ReadinessSerializer, status.HTTP_201_CREATED)

    @extend_schema(request=ReadinessUpdateSerializer, responses=ReadinessSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        item = self.get_object()
        self._require_edit(item)
        data = self.validated(ReadinessUpdateSerializer)
        version = data.pop("version")
        item = services.update_readiness_item(item, by=request.user, expected_version=version, **data)
        return self.answer(self.get_queryset().get(pk=item.pk), ReadinessSerializer)
