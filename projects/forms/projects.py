"""A project's money and its sponsor."""

from decimal import Decimal
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms

from projects.forms.common import DATE_INPUT, MoneyField, RecordForm
from projects.forms.proposals import SponsorChoiceField, active_sponsors
from projects.models import Funding, Project
from projects.models.projects import money_validators
from projects.selectors.projects import AboveEstimate, funding_above_estimate


class ConfirmAboveEstimate(forms.Form):
    """Funding that brings the project's total more than `FUNDING_WARN_PCT` above the estimated
    cost comes back with a warning (`above`) and a box to tick: only a post that confirms the
    very amount it warned about goes through (a changed amount is warned about again)."""

    confirm = forms.BooleanField(
        required=False, label="Yes, this amount is right: record it above the estimated cost"
    )
    warned = MoneyField(required=False, widget=forms.HiddenInput)

    project: Project
    above: AboveEstimate | None = None

    def total_after(self, amount: Decimal) -> Decimal:
        """The project's approved funding once this amount counts."""
        return self.project.funded + amount

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        amount = data.get("amount")
        if amount is None:
            return data
        self.above = funding_above_estimate(project=self.project, total=self.total_after(amount))
        if self.above and not (data.get("confirm") and data.get("warned") == amount):
            # Shown again: the box unticked, the amount it would confirm remembered.
            self.data = self.data.copy()
            self.data["confirm"] = ""
            self.data["warned"] = str(amount)
            self.add_error("confirm", "Tick this box to record the amount, or change it.")
        return data


class FundingForm(ConfirmAboveEstimate, RecordForm):
    """**Record funding**."""

    class Meta(RecordForm.Meta):  # its formfield_callback: the amount is a MoneyField
        model = Funding
        fields = ["amount", "source", "approved_on"]
        widgets = {"approved_on": DATE_INPUT}

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("amount", "source", "approved_on")


class FundingCorrectionForm(ConfirmAboveEstimate):
    """**Correct** an approved funding: the reason, and the right amount if there is one."""

    reason = forms.CharField(
        label="Reason for the correction",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    amount = MoneyField(
        label="The right amount (optional)",
        required=False,
        max_digits=14,
        decimal_places=2,
        validators=money_validators,
        help_text="Leave it empty to reverse the funding only.",
    )

    def __init__(self, *args: Any, funding: Funding, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = funding.project
        self.funding = funding
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("reason", "amount")

    def total_after(self, amount: Decimal) -> Decimal:
        return self.project.funded - self.funding.amount + amount


class SponsorChangeForm(forms.Form):
    """The PMO names another sponsor: never the manager, never the sponsor now; with a reason."""

    sponsor = SponsorChoiceField(queryset=active_sponsors(), label="New sponsor")
    comment = forms.CharField(
        label="Reason", max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sponsor"].queryset = active_sponsors(besides=project.manager).exclude(
            pk=project.sponsor_id
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
