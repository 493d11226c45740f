"""The audit log: one immutable row for every decision and stage change; and the base for
every other record that is written once and never changed (signed charter revisions)."""

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class RecordImmutable(Exception):
    pass


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise RecordImmutable(f"{self.model._meta.verbose_name_plural} cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise RecordImmutable(f"{self.model._meta.verbose_name_plural} cannot be deleted.")


class ImmutableModel(models.Model):
    """Written once, never changed or deleted (on PostgreSQL a trigger enforces it too)."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RecordImmutable(f"A {self._meta.verbose_name} cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RecordImmutable(f"A {self._meta.verbose_name} cannot be deleted.")


class AuditQuerySet(ImmutableQuerySet):
    def for_subject(self, subject: models.Model) -> "AuditQuerySet":
        return self.filter(
            subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
        )


class AuditEntry(ImmutableModel):
    """Who did what to which record of a project, when, from which state to which, and why.

    `subject` is the governed object (the project); `record` names the part of it that
    changed ("Stage", "Business case", "Funding"). Rows are written once by the services and
    never changed: the model, the queryset and (on PostgreSQL) a trigger refuse updates and
    deletes.
    """

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    record = models.CharField(max_length=60)
    action = models.CharField(max_length=60)
    # What happened, by its namespaced name ("charter.signed"): who hears of it is declared
    # per event in projects/events.py.
    event = models.CharField(max_length=60, blank=True, db_index=True)
    label = models.CharField(max_length=80)
    from_state = models.CharField(max_length=60, blank=True)
    to_state = models.CharField(max_length=60, blank=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The person whose authority the actor used, when they acted as that person's deputy:
    # the history reads "Lee Park for Dana Whitfield".
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "at"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.record}: {self.label}"
