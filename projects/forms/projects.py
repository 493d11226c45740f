"""A project's money and its sponsor."""

from typing import Any

from crispy_forms.helper import FormHelper
from django import forms

from projects.forms.common import DATE_INPUT, RecordForm
from projects.forms.proposals import SponsorChoiceField, active_sponsors
from projects.models import Funding, Project


class FundingForm(RecordForm):
    class Meta:
        model = Funding
        fields = ["amount", "source", "approved_on"]
        widgets = {"approved_on": DATE_INPUT}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


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
