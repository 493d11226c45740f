"""Plans approved before baselines existed get their first baseline, as approving the plan now
makes it (projects/plan_baseline.py `snapshot`, projects/services/change.py `baseline_freeze`):
the tolerances default to the settings', the project's baseline budget and estimate at
completion are the plan's budget. Written with historical models; the snapshot's shape is the
service's of this release."""

import hashlib
import json
from decimal import Decimal

from django.conf import settings
from django.db import migrations
from django.db.models import Sum


def _sha256(document):
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def freeze(apps, schema_editor):
    Plan = apps.get_model("projects", "Plan")
    PlanBaseline = apps.get_model("projects", "PlanBaseline")
    Project = apps.get_model("projects", "Project")
    ActualCost = apps.get_model("projects", "ActualCost")
    frozen = PlanBaseline.objects.values("project_id")
    plans = Plan.objects.filter(state="approved").exclude(project_id__in=frozen)
    for plan in plans.iterator(chunk_size=500):
        if plan.cost_tolerance_pct is None:
            plan.cost_tolerance_pct = settings.PLAN_COST_TOLERANCE_PCT
        if plan.time_tolerance_days is None:
            plan.time_tolerance_days = settings.PLAN_TIME_TOLERANCE_DAYS
        plan.save(update_fields=["cost_tolerance_pct", "time_tolerance_days"])
        lines = list(plan.budget_lines.order_by("pk"))
        milestones = list(plan.milestones.order_by("due_date", "pk"))
        dates = [m.due_date for m in milestones if m.due_date]
        total = sum((line.amount for line in lines), Decimal(0))
        document = {
            "budget_lines": [
                {
                    "id": line.pk,
                    "category": line.get_category_display(),
                    "description": line.description,
                    "amount": f"{line.amount:.2f}",
                }
                for line in lines
            ],
            "milestones": [
                {
                    "id": m.pk,
                    "name": m.name,
                    "due_date": m.due_date.isoformat() if m.due_date else None,
                }
                for m in milestones
            ],
            "cost_tolerance_pct": f"{Decimal(plan.cost_tolerance_pct):.2f}",
            "time_tolerance_days": plan.time_tolerance_days,
            "budget_total": f"{total:.2f}",
            "last_milestone": max(dates).isoformat() if dates else None,
            "scope_changes": [],
        }
        PlanBaseline.objects.create(
            project_id=plan.project_id,
            number=1,
            snapshot=document,
            sha256=_sha256(document),
            created_by_id=plan.approved_by_id or Project.objects.get(pk=plan.project_id).sponsor_id,
            created_at=plan.approved_at or plan.updated_at,
        )
        spent = dict(
            ActualCost.objects.filter(project_id=plan.project_id)
            .order_by()
            .values_list("budget_line")
            .annotate(s=Sum("amount"))
        )
        estimate = Decimal(0)  # per line: actual + forecast to complete (else what is left)
        for line in lines:
            actual = spent.get(line.pk, Decimal(0))
            forecast = line.forecast_to_complete
            estimate += actual + (
                forecast if forecast is not None else max(line.amount - actual, 0)
            )
        Project.objects.filter(pk=plan.project_id).update(
            baseline_budget=total,
            forecast_cost=estimate,
            actual_cost=sum(spent.values(), Decimal(0)),
        )


class Migration(migrations.Migration):
    dependencies = [("projects", "0020_raid")]

    operations = [migrations.RunPython(freeze, migrations.RunPython.noop)]
