from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """A staff member's API token. Only a hash of the secret is kept: the secret is shown once,
    when the token is made, and a copy of the database does not give anyone API access."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="what the token is for")
    prefix = models.CharField(max_length=12, help_text="the secret's first characters, to tell")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
