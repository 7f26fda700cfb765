"""What the staff workspace keeps of its own: failed sign-ins (for the lock-out) and forms
already submitted (so that a second click never registers twice)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SignInFailure(models.Model):
    """Failed sign-ins of one account (the username as typed, known or not) since its last
    success, from any address.

    After ``WASL_SIGNIN_LOCK_AFTER`` failures in a row the account is locked until
    ``locked_until``; attempts while it is locked are refused unheard and only counted
    (``refused``). A successful sign-in clears the row.
    """

    username = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    last_failed_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "محاولة دخول فاشلة"
        verbose_name_plural = "محاولات الدخول الفاشلة"

    def __str__(self) -> str:
        return f"{self.username}: {self.failures}"


class RefusedTokens(models.Model):
    """API requests refused for a bad bearer token, per source address and minute: the
    audit log records them in aggregate (wasl/web/signin.py) so that a flood of bad tokens
    cannot flood it."""

    source = models.CharField(max_length=45, unique=True)
    minute = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)
    previous_minute = models.BigIntegerField(null=True, blank=True)
    previous_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "رموز وصول مرفوضة"
        verbose_name_plural = "رموز وصول مرفوضة"

    def __str__(self) -> str:
        return f"{self.source} @{self.minute}: {self.count}"


class SubmittedForm(models.Model):
    """A one-time form token that has been used, and the transaction it acted on.

    Claimed (`web.once`) in the same database transaction as the act, so that a second POST
    of the same form finds the first one's result instead of acting again.
    """

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    result = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "نموذج مُرسل"
        verbose_name_plural = "النماذج المرسلة"

    def __str__(self) -> str:
        return self.token
