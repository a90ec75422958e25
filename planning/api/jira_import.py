"""The API of the Jira import (``/api/jira-imports/``): upload an export, preview it, confirm it.

``POST /api/jira-imports/`` (multipart: ``art``, ``file``) keeps the export and answers its id;
``POST …/{id}/preview/`` answers what importing it with a ``mapping`` (default: the train's
remembered one) would do, row errors included; ``POST …/{id}/confirm/`` imports it all or nothing
(400 with the errors otherwise) and the train remembers the mapping. The same services as the
page (``planning.services.jira``) and the capability ``planning.import_backlog``.
"""

from __future__ import annotations

from typing import ClassVar

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from artops.api_base import ApiViewSet, VisibleARTField
from artops.parsing import ApiIntegerField
from planning import jira_import, services
from planning.models import Feature, JiraUpload, Story

# The rows an answer lists: those with errors first, then the first others (as the page does).
ANSWERED_MESSAGES = 200


class JiraUploadRequestSerializer(serializers.Serializer):
    art = VisibleARTField()
    file = serializers.FileField(help_text="Jira's CSV export of an issue search (UTF-8).")


class JiraUploadSerializer(serializers.ModelSerializer):
    """An uploaded export awaiting its import."""

    art = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Slug of the train.")

    class Meta:
        model = JiraUpload
        fields = ("id", "art", "filename", "created_at")
        read_only_fields = fields


def _choices(values) -> serializers.DictField:
    return serializers.DictField(
        child=serializers.ChoiceField(choices=list(values)),
        required=False,
        help_text=f"Jira name → one of: {', '.join(values)}.",
    )


class JiraMappingSerializer(serializers.Serializer):
    """How the export is read. A key left out keeps the train's remembered (or guessed) choice."""

    types = _choices(jira_import.Kind.VALUES)
    feature_states = _choices(Feature.State.values)
    story_states = _choices(Story.State.values)
    team_column = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="The column naming the team; empty: none."
    )
    points_column = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="The column holding story points; empty: none."
    )
    teams = serializers.DictField(
        child=ApiIntegerField(min_value=0),
        required=False,
        help_text="Jira team name → id of a team of the train (0: none of them).",
    )
    pi = ApiIntegerField(min_value=1, required=False, allow_null=True, help_text="PI of stories without a fix version.")


class JiraMappingRequestSerializer(serializers.Serializer):
    mapping = JiraMappingSerializer(required=False)


class JiraRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    key = serializers.CharField(source="issue.key")
    summary = serializers.CharField(source="issue.summary")
    kind = serializers.CharField(help_text="feature, enabler, story or skip.")
    state = serializers.CharField()
    team = serializers.CharField(source="team.name", default=None, allow_null=True)
    pi = serializers.CharField(source="pi.name", default=None, allow_null=True)
    iteration = serializers.CharField(source="iteration.name", default=None, allow_null=True)
    points = serializers.IntegerField(allow_null=True)
    parent = serializers.CharField(help_text="A story's feature (its Jira key).")
    change = serializers.CharField(help_text="new, changed, unchanged, or empty when not imported.")
    errors = serializers.ListField(child=serializers.CharField())


class JiraPreviewSerializer(serializers.Serializer):
    """What importing the export with the mapping would do."""

    valid = serializers.BooleanField(source="is_valid")
    counts = serializers.DictField(child=serializers.IntegerField())
    mapping = serializers.JSONField(source="mapping.as_json", help_text="The mapping used, columns included.")
    messages = serializers.ListField(child=serializers.CharField(), help_text="Every error, at most 200.")
    rows = JiraRowSerializer(many=True, source="shown_rows")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["counts"] = instance.counts()
        data["messages"] = data["messages"][:ANSWERED_MESSAGES]
        return data


class JiraOutcomeSerializer(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField())
    dependencies = serializers.IntegerField(help_text="Blocking links between teams, each raised once.")


class JiraImportViewSet(mixins.RetrieveModelMixin, ApiViewSet):
    """Jira CSV exports uploaded to a train: preview them with a mapping, then import them."""

    serializer_class = JiraUploadSerializer
    parser_classes = (JSONParser, MultiPartParser, FormParser)
    capabilities: ClassVar[dict[str, str]] = {
        "retrieve": "planning.import_backlog",
        "preview": "planning.import_backlog",
        "confirm": "planning.import_backlog",
    }

    def get_queryset(self):
        return JiraUpload.objects.visible_to(self.request.user).select_related("art")

    def _mapping(self, upload: JiraUpload) -> jira_import.Mapping | None:
        data = self.validated(JiraMappingRequestSerializer)
        raw = data.get("mapping")
        if raw is None:
            return None
        # A key left out keeps the remembered choice.
        remembered = jira_import.remembered_mapping(upload.art).as_json()
        merged = {**remembered, **raw}
        try:
            return jira_import.clean_mapping(merged, art=upload.art, header=jira_import.read_header(upload.text))
        except jira_import.MappingError as error:
            raise ValidationError({"mapping": error.messages}) from error

    @extend_schema(request={"multipart/form-data": JiraUploadRequestSerializer}, responses={201: JiraUploadSerializer})
    def create(self, request: Request) -> Response:
        """Upload a Jira CSV export to a train; a file that is not one is refused (400)."""
        data = self.validated(JiraUploadRequestSerializer)
        upload = data["file"]
        if upload.size is not None and upload.size > jira_import.MAX_BYTES:
            raise ValidationError({"file": [f"The file is larger than {jira_import.MAX_BYTES // 1_000_000} MB."]})
        kept = services.upload_jira_export(
            data["art"], by=request.user, raw=upload.read(jira_import.MAX_BYTES + 1), filename=upload.name or ""
        )
        return self.answer(kept, JiraUploadSerializer, status.HTTP_201_CREATED)

    @extend_schema(request=JiraMappingRequestSerializer, responses={200: JiraPreviewSerializer})
    @action(detail=True, methods=["post"])
    def preview(self, request: Request, pk=None) -> Response:
        """What importing the export with ``mapping`` (default: the remembered one) would do; nothing is saved."""
        upload = self.get_object()
        result = services.preview_jira_export(upload, by=request.user, mapping=self._mapping(upload))
        return self.answer(result, JiraPreviewSerializer)

    # A refusal is a 400 as any invalid input (the project's field errors): its messages in
    # ``non_field_errors``, with the preview's counts and rows beside them.
    @extend_schema(request=JiraMappingRequestSerializer, responses={200: JiraOutcomeSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk=None) -> Response:
        """Import every issue of the export, or none: 400 with the errors in ``non_field_errors`` and the
        preview (``valid``, ``counts``, ``messages``, ``rows``) beside them; nothing is saved."""
        upload = self.get_object()
        mapping = self._mapping(upload)
        if mapping is None:
            mapping = services.preview_jira_export(upload, by=request.user).mapping
        try:
            outcome = services.import_jira_export(upload, by=request.user, mapping=mapping)
        except jira_import.ImportRefused as refusal:
            body = JiraPreviewSerializer(refusal.preview, context=self.get_serializer_context()).data
            body["non_field_errors"] = body["messages"]
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return self.answer(outcome, JiraOutcomeSerializer)
