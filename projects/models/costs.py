"""What a project spends: actual costs booked against the plan's budget lines, one by one or
imported from a CSV file (the file's hash makes a second import of it a no-op)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from projects.formats import day, money
from projects.models.delivery import BudgetLine
from projects.models.projects import Project, ProjectRecord, money_field


class ActualImport(ProjectRecord, models.Model):
    """One CSV file of actual costs, imported whole or not at all."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="actual_imports")
    name = models.CharField("File name", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    rows = models.PositiveIntegerField()
    total = models.DecimalField(max_digits=16, decimal_places=2)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "sha256"], name="one_import_per_file")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.rows} rows)"


class ActualCost(ProjectRecord, models.Model):
    """Money spent: an invoice, a timesheet total, a purchase — against one budget line."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="actuals")
    budget_line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="actuals")
    date = models.DateField(default=timezone.localdate)
    amount = money_field()
    reference = models.CharField("Supplier or reference", max_length=200)
    note = models.CharField(max_length=500, blank=True)
    batch = models.ForeignKey(
        ActualImport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        help_text="The CSV file it came from (blank: typed in the form).",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    FIELDS = ("budget_line", "date", "amount", "reference", "note")

    class Meta:
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["project", "budget_line"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="actual_positive")
        ]

    def __str__(self) -> str:
        return f"{money(self.amount)} on {day(self.date)} ({self.reference})"
