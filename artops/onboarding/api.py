"""REST API of onboarding: invitations (one, a roster, sending again); train creation is ``POST /api/arts/``.

Invitations are seen only by those who may invite on their train (``art.invite``): anybody else
finds none (404 for one). Every write goes through ``artops.onboarding.services``.
"""

from __future__ import annotations

from typing import ClassVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from artops.api import MembershipSerializer, PersonSerializer
from artops.api_base import ApiViewSet, ChoiceField, KeptBooleanField, VisibleARTField, VisibleTeamField, text_field
from artops.models import Role, User
from artops.onboarding import roster, services
from artops.onboarding.models import Invitation
from artops.pages import UploadError
from artops.permissions import require


class InvitationSerializer(serializers.ModelSerializer):
    """An invitation to a train: pending until the person sets their password with the emailed link."""

    art = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Slug of the train.")
    user = PersonSerializer(read_only=True)
    invited_by = PersonSerializer(read_only=True, allow_null=True)
    pending = serializers.BooleanField(source="is_pending", read_only=True)

    class Meta:
        model = Invitation
        fields = (
            "id",
            "art",
            "user",
            "invited_by",
            "created_at",
            "last_sent_at",
            "send_count",
            "accepted_at",
            "pending",
        )
        read_only_fields = fields


class InviteSerializer(serializers.Serializer):
    art = VisibleARTField()
    email = serializers.EmailField()
    display_name = text_field(User, "display_name", required=False, default="", help_text="Needed for a new person.")
    role = ChoiceField(choices=Role.choices)
    team = VisibleTeamField(required=False, allow_null=True, default=None, help_text="For a team-scoped role.")


class RosterSerializer(serializers.Serializer):
    art = VisibleARTField()
    file = serializers.FileField(help_text="The roster: CSV with the columns email, name, team, role.")
    confirm = KeptBooleanField(
        required=False, default=False, help_text="false (default): only the preview; true: invite everyone, or nobody."
    )


class RosterRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    email = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField(source="role_label")
    team = serializers.CharField(source="team_name")
    new_person = serializers.BooleanField(source="is_new")
    errors = serializers.ListField(child=serializers.CharField())


class RosterPreviewSerializer(serializers.Serializer):
    valid = serializers.BooleanField(source="is_valid")
    errors = serializers.ListField(child=serializers.CharField(), source="messages")
    rows = RosterRowSerializer(many=True)


@extend_schema_view(
    create=extend_schema(request=InviteSerializer, responses={201: MembershipSerializer}),
    resend=extend_schema(request=None, responses=InvitationSerializer),
    roster=extend_schema(
        request={"multipart/form-data": RosterSerializer},
        responses={
            200: RosterPreviewSerializer,
            201: MembershipSerializer(many=True),
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Refused, nothing saved: the preview (valid, errors, rows) when rows are refused, "
                "or the messages field by field when the request itself is not one (no train, no readable file).",
            ),
        },
    ),
)
class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Invitations of the trains where you invite people (RTE); invite one person, or a roster; send again."""

    serializer_class = InvitationSerializer
    capabilities: ClassVar[dict[str, str]] = {
        "list": "art.invite",
        "retrieve": "art.invite",
        "resend": "art.invite",
    }
    ordering_fields = ("last_sent_at", "created_at", "accepted_at")

    def get_queryset(self):
        return Invitation.objects.visible_to(self.request.user).with_related().order_by("-last_sent_at", "pk")

    def get_serializer_class(self):
        return {"create": InviteSerializer, "roster": RosterSerializer}.get(self.action, InvitationSerializer)

    def create(self, request: Request, *args, **kwargs) -> Response:
        """Put a person on a train with a role and email them (an invitation when they have no password yet)."""
        data = self.validated(InviteSerializer)
        membership = services.invite_person(
            data["art"],
            by=request.user,
            email=data["email"],
            display_name=data["display_name"],
            role=data["role"],
            team=data["team"],
        )
        return self.answer(membership, MembershipSerializer, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def resend(self, request: Request, pk: str | None = None) -> Response:
        """Send a pending invitation again, with a fresh link."""
        invitation = services.resend_invitation(self.get_object(), by=request.user)
        return self.answer(invitation, InvitationSerializer)

    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser], pagination_class=None)
    def roster(self, request: Request) -> Response:
        """Preview a CSV roster (``confirm`` false), or invite every row of it, or nobody (``confirm`` true).

        A file that cannot be read, or a row with an error, answers 400 with the preview and nothing is saved.
        """
        data = self.validated(RosterSerializer)
        art = data["art"]
        require(request.user, "art.invite", art=art)
        try:
            text = roster.read_file(data["file"])
        except UploadError as error:
            raise DRFValidationError({"file": [str(error)]}) from None
        preview = roster.preview(text, art=art)
        if preview.is_valid and data["confirm"]:
            try:
                memberships = roster.save(preview, art=art, by=request.user)
            except roster.RosterRefused:
                pass
            else:
                return Response(
                    MembershipSerializer(memberships, many=True, context=self.get_serializer_context()).data,
                    status=status.HTTP_201_CREATED,
                )
        body = RosterPreviewSerializer(preview).data
        return Response(body, status=status.HTTP_200_OK if preview.is_valid else status.HTTP_400_BAD_REQUEST)


def register(router) -> None:
    router.register("invitations", InvitationViewSet, basename="api-invitation")
