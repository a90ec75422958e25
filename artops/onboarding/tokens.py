"""The one-time link of an invitation: Django's password-reset tokens, with a salt and an expiry of their own.

A token is bound to the person's password (and last login): once they set a password with it,
the link no longer works. It expires ``INVITATION_TIMEOUT_DAYS`` days after it was sent.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

from artops.models import User
from artops.parsing import id_or_nothing


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "artops.onboarding.tokens.InvitationTokenGenerator"

    def check_token(self, user, token) -> bool:
        """Django's check, with the invitation's expiry in place of PASSWORD_RESET_TIMEOUT."""
        return self.is_genuine(user, token) and not self.has_expired(token)

    def is_genuine(self, user, token) -> bool:
        """Made for ``user`` as they are now (a password set since makes it no longer genuine)."""
        timestamp = self.timestamp_of(token)
        if user is None or timestamp is None:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )

    def has_expired(self, token) -> bool:
        timestamp = self.timestamp_of(token)
        age = self._num_seconds(self._now()) - (timestamp or 0)
        return timestamp is None or age > settings.INVITATION_TIMEOUT_DAYS * 24 * 3600

    @staticmethod
    def timestamp_of(token) -> int | None:
        if not isinstance(token, str) or token.count("-") != 1 or len(token) > 100:
            return None
        try:
            return base36_to_int(token.split("-")[0])
        except ValueError:
            return None


invitation_tokens = InvitationTokenGenerator()


def uid_of(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def user_of(uidb64: str) -> User | None:
    """The person a link's ``uidb64`` names, or None for anything else."""
    try:
        decoded = urlsafe_base64_decode(uidb64).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    user_id = id_or_nothing(decoded)
    return User.objects.filter(pk=user_id).first() if user_id is not None else None
