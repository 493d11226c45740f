"""Discussion on a project's records (SPEC §10): a thread of comments on the business case,
the charter, the plan, each deliverable, each status report and each goal; @mentions that
wait in the mentioned person's Needs my action until they answer."""

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from projects.models.projects import Project

COMMENT_MAX_LENGTH = 5000
# An author may correct a comment for this long after writing it (SPEC §10).
EDIT_WINDOW = timedelta(minutes=15)


class Comment(models.Model):
    """One comment in the thread of one record. Removing it keeps the row (a "comment
    removed" marker in the thread, the text in History)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="comments")
    thread_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    thread_id = models.PositiveBigIntegerField()
    thread = GenericForeignKey("thread_type", "thread_id")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=COMMENT_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    audit_record = "Discussion"

    class Meta:
        ordering = ["created_at", "pk"]  # newest last
        indexes = [models.Index(fields=["thread_type", "thread_id", "created_at"])]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def removed(self) -> bool:
        return self.removed_at is not None

    @property
    def editable_until(self) -> "timezone.datetime":
        return self.created_at + EDIT_WINDOW


class Mention(models.Model):
    """Someone named in a comment with @: it waits in their Needs my action until they write
    in that thread or mark it read."""

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="mentions")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mentions"
    )
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="one_mention_per_comment")
        ]
        indexes = [models.Index(fields=["user", "answered_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user} mentioned in comment {self.comment_id}"
