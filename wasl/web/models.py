"""What the staff workspace keeps of its own: failed sign-ins (for the lock-out) and forms
already submitted (so that a second click never registers twice)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SignInFailure(models.Model):
    """Failed sign-ins of one username from one address, counted over a window.

    After ``LOCKOUT_THRESHOLD`` failures the pair is locked until ``locked_until``; a
    successful sign-in clears the row.
    """

    username = models.CharField(max_length=150)
    ip = models.CharField(max_length=45)
    failures = models.PositiveIntegerField(default=0)
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "محاولة دخول فاشلة"
        verbose_name_plural = "محاولات الدخول الفاشلة"
        constraints = [
            models.UniqueConstraint(fields=["username", "ip"], name="signin_failure_unique")
        ]

    def __str__(self) -> str:
        return f"{self.username}@{self.ip}: {self.failures}"


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
