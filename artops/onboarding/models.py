"""Invitations to a train. Imported at the end of ``artops/models.py``, so they belong to the ``artops`` app."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from artops.models import ART, ARTScopedQuerySet, Membership


class InvitationQuerySet(ARTScopedQuerySet):
    def visible_to(self, user) -> InvitationQuerySet:
        """The invitations of the trains where ``user`` may invite people (``art.invite``): nobody else sees them."""
        from artops.permissions import CAPABILITIES  # the table imports the models

        if not user.is_authenticated:
            return self.none()
        inviting_roles = [role.value for role in CAPABILITIES["art.invite"]]
        return self.filter(
            art__in=Membership.objects.filter(user=user, role__in=inviting_roles).values("art_id"),
        )

    def pending(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True)

    def with_related(self) -> InvitationQuerySet:
        return self.select_related("user", "invited_by", "art")


class Invitation(models.Model):
    """A person invited to a train by email, until they set their password with the link they received.

    One per person and train; sending it again ("resend") counts up ``send_count``. Accepted when the
    person sets a password with a valid link (``artops.onboarding.services.accept_invitation``).
    """

    art = models.ForeignKey(ART, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_sent_at = models.DateTimeField()
    send_count = models.PositiveIntegerField(default=1)
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-last_sent_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["art", "user"], name="invitation_unique_per_art_and_person"),
            models.CheckConstraint(condition=models.Q(send_count__gte=1), name="invitation_sent_at_least_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} to {self.art}"

    def get_art(self) -> ART:
        return self.art

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None
