"""A project's costs as the Costs tab shows them: per budget line and in total, the baseline,
what was spent, what is still to come, the estimate at completion and its variance; the
entries booked; and the budget RAG the figures propose for a status report. The arithmetic is
projects/costs.py's, nowhere else."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from projects import costs
from projects.costs import ZERO, Figures
from projects.formats import money, number
from projects.models import ActualCost, ActualImport, BudgetLine, Project, Rag


@dataclass(frozen=True)
class CostSheet:
    lines: list[tuple[BudgetLine, Figures]]
    total: Figures
    funded: Decimal

    @property
    def funding_variance(self) -> Decimal:
        return costs.variance(self.total.at_completion, self.funded)

    @property
    def funding_variance_pct(self) -> Decimal | None:
        return costs.variance_pct(self.total.at_completion, self.funded)


def cost_sheet(project: Project) -> CostSheet:
    """Each budget line of the plan with its figures, and their total (two queries)."""
    plan = getattr(project, "plan", None)
    lines = list(plan.budget_lines.all()) if plan is not None else []
    spent = dict(
        ActualCost.objects.filter(project=project)
        .order_by()
        .values_list("budget_line")
        .annotate(sum=Sum("amount"))
    )
    figures = [
        (line, costs.line_figures(line.amount, spent.get(line.pk, ZERO), line.forecast_to_complete))
        for line in lines
    ]
    return CostSheet(
        lines=figures, total=costs.total([f for _, f in figures]), funded=project.funded
    )


def actuals_of(project: Project) -> QuerySet[ActualCost]:
    """The entries booked, newest first, with their line, who booked them and their file."""
    return project.actuals.select_related("budget_line", "recorded_by", "batch")


def earlier_import(project: Project, sha256: str) -> ActualImport | None:
    """The import of the same file, if it was imported already."""
    return (
        ActualImport.objects.filter(project=project, sha256=sha256)
        .select_related("imported_by")
        .first()
    )


@dataclass(frozen=True)
class BudgetProposal:
    rag: Rag
    why: str


def budget_proposal(project: Project) -> BudgetProposal | None:
    """The budget RAG the figures propose (docs/decisions.md), with a one-line why; None
    until the plan is approved (no baseline to compare with).

    Red: the estimate at completion is above the funding, or beyond the cost tolerance;
    amber: above the baseline but within the tolerance; green: within the baseline. A plan
    approved without a cost tolerance has none: any overrun of the baseline is red."""
    if project.baseline_budget is None or project.forecast_cost is None:
        return None
    estimate, baseline, funded = project.forecast_cost, project.baseline_budget, project.funded
    plan = getattr(project, "plan", None)
    tolerance = (plan.cost_tolerance_pct if plan else None) or Decimal(0)
    ceiling = costs.cost_ceiling(baseline, tolerance)
    said = f"Estimate at completion {money(estimate)}"
    if estimate > funded:
        return BudgetProposal(Rag.RED, f"{said} is above the funding of {money(funded)}.")
    if costs.beyond_cost_tolerance(estimate, baseline, tolerance):
        return BudgetProposal(
            Rag.RED,
            f"{said} is beyond the cost tolerance ({number(tolerance)}%, up to {money(ceiling)}).",
        )
    if estimate > baseline:
        return BudgetProposal(
            Rag.AMBER,
            f"{said} is above the baseline of {money(baseline)}, within the cost tolerance "
            f"(up to {money(ceiling)}).",
        )
    return BudgetProposal(Rag.GREEN, f"{said} is within the baseline of {money(baseline)}.")
