"""Money committed to a project."""

from typing import Any

from crispy_forms.helper import FormHelper
from django import forms

from projects.forms.common import DATE_INPUT
from projects.models import Funding


class FundingForm(forms.ModelForm):
    class Meta:
        model = Funding
        fields = ["amount", "source", "approved_on"]
        widgets = {"approved_on": DATE_INPUT}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].widget.attrs.update({"min": "0.01", "step": "0.01"})
        self.helper = FormHelper()
        self.helper.form_tag = False
