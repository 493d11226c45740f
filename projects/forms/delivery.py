"""Planning, delivery and closure: the plan's save counter (its lists are
`projects.lists.PLAN_LISTS`), status reports, the closure report with each goal's final value."""

from datetime import date
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html

from projects.forms.common import DATE_INPUT, NumberField, RecordForm
from projects.models import ClosureGoal, ClosureReport, StatusReport
from projects.selectors.costs import BudgetProposal


class PlanForm(forms.Form):
    """The plan's save counter: a form opened before the last save is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class StatusReportForm(RecordForm):
    class Meta(RecordForm.Meta):
        model = StatusReport
        fields = StatusReport.FIELDS
        widgets = {
            "date": DATE_INPUT,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "next_steps": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"schedule": "Schedule (RAG)", "budget": "Budget (RAG)", "scope": "Scope (RAG)"}

    def __init__(self, *args: Any, proposal: BudgetProposal | None = None, **kwargs: Any) -> None:
        """`proposal`: the budget RAG the cost figures propose, chosen unless the manager
        picks another, with why under the field."""
        super().__init__(*args, **kwargs)
        why = []
        if proposal is not None:
            self.fields["budget"].initial = proposal.rag
            self.fields["budget"].widget.attrs["aria-describedby"] = "budget-proposal"
            why = [
                HTML(
                    format_html(
                        '<p class="form-text mt-0" id="budget-proposal">Budget {} proposed '
                        "from the costs: {}</p>",
                        proposal.rag.label,
                        proposal.why,
                    )
                )
            ]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "date",
            Div(
                Div("schedule", css_class="col-4"),
                Div("budget", css_class="col-4"),
                Div("scope", css_class="col-4"),
                css_class="row",
            ),
            *why,
            "summary",
            "next_steps",
        )

    def clean_date(self) -> date:
        when = self.cleaned_data["date"]
        if when > timezone.localdate():
            raise ValidationError("A status report cannot be dated in the future.")
        return when


class ClosureForm(RecordForm):
    class Meta(RecordForm.Meta):
        model = ClosureReport
        fields = ClosureReport.TEXT_FIELDS
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in ClosureReport.TEXT_FIELDS}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ClosureGoalForm(RecordForm):
    class Meta(RecordForm.Meta):
        model = ClosureGoal
        fields = ClosureGoal.FIELDS
        field_classes = {"final_value": NumberField}
        widgets = {"final_value": forms.TextInput(attrs={"inputmode": "decimal"})}


ClosureGoalFormSet = forms.inlineformset_factory(
    ClosureReport,
    ClosureGoal,
    form=ClosureGoalForm,
    extra=0,
    can_delete=False,
    max_num=200,
    absolute_max=200,  # a request claiming more rows builds no more forms than this
)
