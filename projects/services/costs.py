"""What a project spends: actual costs booked one by one or imported from a CSV file (all rows
or none, each file once), the manager's forecasts to complete, and the stored totals kept in
step with them in the same transaction (`costs_refresh`)."""

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from lifecycle.rules import require
from projects import events, imports
from projects.formats import moment, money, number, person
from projects.models import ActualCost, ActualImport, BudgetLine, Project
from projects.selectors.costs import cost_sheet, earlier_import
from projects.services.audit import audit
from projects.services.change import exceptions_refresh


def costs_refresh(project: Project) -> None:
    """Keep `Project.actual_cost` (the sum of the actual costs) and `Project.forecast_cost`
    (the estimate at completion: per budget line, actual plus forecast to complete) in step.
    Called at the end of every cost write, inside its transaction, with the project locked;
    the write then asks `exceptions_refresh` whether a forecast is now beyond tolerance.
    The estimate stays blank until the plan is approved (no baseline yet)."""
    actual = ActualCost.objects.filter(project=project).aggregate(sum=Sum("amount"))["sum"]
    project.actual_cost = actual or Decimal(0)
    project.forecast_cost = (
        None if project.baseline_budget is None else cost_sheet(project).total.at_completion
    )
    Project.objects.filter(pk=project.pk).update(
        actual_cost=project.actual_cost, forecast_cost=project.forecast_cost
    )


def _line_of(project: Project, budget_line: BudgetLine | int) -> BudgetLine:
    """A budget line of this project's plan; another project's is a form error."""
    pk = budget_line.pk if isinstance(budget_line, BudgetLine) else budget_line
    line = BudgetLine.objects.filter(pk=pk, plan__project=project).first()
    if line is None:
        raise ValidationError({"budget_line": "Choose a budget line of this project's plan."})
    return line


def actual_record(
    *,
    project: Project,
    by: AbstractBaseUser,
    budget_line: BudgetLine | int,
    date: date,
    amount: Decimal,
    reference: str,
    note: str = "",
) -> ActualCost:
    """The manager books one actual cost against a budget line of the plan."""
    with transaction.atomic():
        project = Project.objects.locked(project.pk)
        require(by, "may_record_actuals", project)
        line = _line_of(project, budget_line)
        if amount <= 0:
            raise ValidationError({"amount": "Enter an amount of more than zero."})
        if date > timezone.localdate():
            raise ValidationError({"date": "An actual cost is money spent: not in the future."})
        actual = ActualCost.objects.create(
            project=project,
            budget_line=line,
            date=date,
            amount=amount,
            reference=reference,
            note=note,
            recorded_by=by,
        )
        costs_refresh(project)
        audit(
            subject=project,
            record="Actual cost",
            action="record_actual",
            event=events.ACTUALS_RECORDED,
            label="Record actual cost",
            comment=f"{money(amount)} on {imports.line_name(line)}: {reference}",
            data={
                "actual_id": actual.pk,
                "budget_line_id": line.pk,
                "amount": str(amount),
                "actual_cost": str(project.actual_cost),
            },
            by=by,
        )
        exceptions_refresh(project=project, by=by)  # beyond tolerance: the sponsor decides
    return actual


def already_imported(earlier: ActualImport) -> str:
    return (
        f"This file was imported already on {moment(earlier.imported_at)} by "
        f"{person(earlier.imported_by)} ({number(earlier.rows)} rows): nothing was imported again."
    )


def actuals_import(
    *, project: Project, by: AbstractBaseUser, name: str, content: bytes
) -> ActualImport:
    """**Import actuals**: the file is read again here, never taken from a preview; every row
    is written, or — if any row is wrong, or the file was imported already — none."""
    with transaction.atomic():
        project = Project.objects.locked(project.pk)
        require(by, "may_record_actuals", project)
        if len(content) > imports.max_bytes():
            raise ValidationError(imports.too_large(len(content)))
        parsed = imports.parse(content, project.plan.budget_lines.all())
        if earlier := earlier_import(project, parsed.sha256):
            raise ValidationError(already_imported(earlier), code="imported")
        if not parsed.valid:
            raise ValidationError(parsed.errors, code="invalid")
        batch = ActualImport.objects.create(
            project=project,
            name=name[: ActualImport._meta.get_field("name").max_length],
            sha256=parsed.sha256,
            rows=len(parsed.rows),
            total=parsed.total,
            imported_by=by,
        )
        ActualCost.objects.bulk_create(
            ActualCost(
                project=project,
                budget_line=row.budget_line,
                date=row.date,
                amount=row.amount,
                reference=row.reference,
                note=row.note,
                batch=batch,
                recorded_by=by,
            )
            for row in parsed.rows
        )
        costs_refresh(project)
        audit(
            subject=project,
            record="Actual cost",
            action="import_actuals",
            event=events.ACTUALS_IMPORTED,
            label="Import actuals",
            comment=f"{number(batch.rows)} rows, {money(batch.total)}, from {batch.name}",
            data={
                "import_id": batch.pk,
                "sha256": batch.sha256,
                "rows": batch.rows,
                "total": str(batch.total),
                "actual_cost": str(project.actual_cost),
            },
            by=by,
        )
        exceptions_refresh(project=project, by=by)  # beyond tolerance: the sponsor decides
    return batch


def forecast_update(
    *, project: Project, by: AbstractBaseUser, forecasts: dict[int, Decimal | None]
) -> list[str]:
    """**Update forecast**: the manager's forecast to complete per budget line (blank: what
    is left of its budget). Lines of another plan are refused; returns the lines changed."""
    with transaction.atomic():
        project = Project.objects.locked(project.pk)
        require(by, "may_record_actuals", project)
        lines = {line.pk: line for line in project.plan.budget_lines.all()}
        if set(forecasts) - set(lines):
            raise ValidationError("Forecasts are given for the lines of this project's plan.")
        changed = {}
        for pk, forecast in forecasts.items():
            if forecast is not None and forecast < 0:
                raise ValidationError("A forecast to complete is zero or more.")
            line = lines[pk]
            if line.forecast_to_complete != forecast:
                changed[imports.line_name(line)] = [
                    _figure(line.forecast_to_complete),
                    _figure(forecast),
                ]
                line.forecast_to_complete = forecast
                line.save(update_fields=["forecast_to_complete"])
        if not changed:
            return []
        costs_refresh(project)
        audit(
            subject=project,
            record="Forecast",
            action="update_forecast",
            event=events.FORECAST_UPDATED,
            label="Update forecast",
            comment="; ".join(f"{name}: {old} → {new}" for name, (old, new) in changed.items()),
            data={
                "changed": changed,
                "forecast_cost": None
                if project.forecast_cost is None
                else str(project.forecast_cost),
            },
            by=by,
        )
        exceptions_refresh(project=project, by=by)  # beyond tolerance: the sponsor decides
    return list(changed)


def _figure(value: Decimal | None) -> str:
    return "what is left" if value is None else money(value)
