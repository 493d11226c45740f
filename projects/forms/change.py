"""After the plan: the sponsor's tolerances on Approve plan, the manager's milestone forecasts,
and a change request."""

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout
from django import forms
from django.conf import settings

from projects.forms.common import DATE_INPUT, CommentForm, NumberField, RecordForm
from projects.models import ChangeRequest, Plan


class PlanApprovalForm(CommentForm):
    """**Approve plan**: the decision's comment box and the sponsor's tolerances."""

    cost_tolerance_pct = NumberField(
        label="Cost tolerance (%)",
        required=False,  # blank: PLAN_COST_TOLERANCE_PCT
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        error_messages={
            "min_value": "Enter a tolerance from 0 to 100%%.",
            "max_value": "Enter a tolerance from 0 to 100%%.",
        },
        help_text="An estimate at completion this far above the baseline opens an exception.",
    )
    time_tolerance_days = forms.IntegerField(
        label="Time tolerance (days)",
        required=False,  # blank: PLAN_TIME_TOLERANCE_DAYS
        min_value=0,
        max_value=3650,
        error_messages={
            "min_value": "Enter a tolerance from 0 to 3,650 days.",
            "max_value": "Enter a tolerance from 0 to 3,650 days.",
        },
        help_text="A milestone forecast this long after its baseline date opens an exception.",
    )

    @classmethod
    def defaults(cls, plan: Plan) -> "PlanApprovalForm":
        """Prefilled with the plan's tolerances if it had some, else the settings'."""
        return cls(
            initial={
                "cost_tolerance_pct": (
                    plan.cost_tolerance_pct
                    if plan.cost_tolerance_pct is not None
                    else settings.PLAN_COST_TOLERANCE_PCT
                ).normalize(),
                "time_tolerance_days": plan.time_tolerance_days
                if plan.time_tolerance_days is not None
                else settings.PLAN_TIME_TOLERANCE_DAYS,
            }
        )


class MilestoneForecastForm(forms.Form):
    """**Update forecasts**: one date per milestone (blank: as planned)."""

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.milestones = list(plan.milestones.all())
        for milestone in self.milestones:
            self.fields[f"m{milestone.pk}"] = forms.DateField(
                label=milestone.name,
                required=False,
                widget=DATE_INPUT,
                initial=milestone.forecast_date,
            )

    def rows(self) -> list[tuple[Any, forms.BoundField]]:
        return [(m, self[f"m{m.pk}"]) for m in self.milestones]

    def forecasts(self) -> dict[int, Any]:
        return {m.pk: self.cleaned_data[f"m{m.pk}"] for m in self.milestones}


class ChangeRequestForm(RecordForm):
    class Meta(RecordForm.Meta):  # its money field is a MoneyField ("15,000"; "15k" refused)
        model = ChangeRequest
        fields = ChangeRequest.FIELDS
        widgets = {
            "reason": forms.Textarea(attrs={"rows": 3}),
            "scope_impact": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"budget_line": "Budget line", "milestone": "Milestone"}

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["budget_line"].queryset = plan.budget_lines.all()
        self.fields["budget_line"].label_from_instance = lambda line: (
            f"{line.get_category_display()}"
            + (f" — {line.description}" if line.description else "")
        )
        self.fields["milestone"].queryset = plan.milestones.all()
        self.fields["milestone"].label_from_instance = lambda m: m.name
        self.fields["cost_impact"].required = False
        self.fields["time_impact_days"].required = False
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "title",
            "reason",
            Div(
                Div("cost_impact", css_class="col-md-6"),
                Div("budget_line", css_class="col-md-6"),
                css_class="row",
            ),
            Div(
                Div("time_impact_days", css_class="col-md-6"),
                Div("milestone", css_class="col-md-6"),
                css_class="row",
            ),
            "scope_impact",
        )

    def clean_cost_impact(self) -> Any:
        return self.cleaned_data["cost_impact"] or 0

    def clean_time_impact_days(self) -> int:
        return self.cleaned_data["time_impact_days"] or 0
