"""Who a user is in the market: their role and the organisation that scopes what they see."""

import hashlib
import secrets

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    PROVIDER = "provider", "Provider manager"
    COUNCIL = "council", "Council commissioner or analyst"
    REGION = "region", "Regional analyst"
    ADMIN = "admin", "System administrator"


class Membership(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    provider = models.ForeignKey(
        "registry.Provider", null=True, blank=True, on_delete=models.PROTECT
    )
    council = models.ForeignKey("registry.Council", null=True, blank=True, on_delete=models.PROTECT)
    region = models.ForeignKey("registry.Region", null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="membership_org_matches_role",
                condition=(
                    models.Q(role="provider", provider__isnull=False)
                    | models.Q(role="council", council__isnull=False)
                    | models.Q(role="region", region__isnull=False)
                    | models.Q(role="admin")
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API; only its hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Token {self.prefix}… for {self.user}"

    @classmethod
    def issue(cls, user: object) -> tuple["ApiToken", str]:
        raw = "mqis_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, key_hash=hash_token(raw), prefix=raw[5:13])
        return token, raw
