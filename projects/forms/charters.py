"""The charter's text sections; its lists are `projects.lists.CHARTER_LISTS`."""

from typing import Any

from crispy_forms.helper import FormHelper
from django import forms

from projects.forms.common import RecordForm
from projects.models import Charter


class CharterForm(RecordForm):
    """`version` refuses a form opened before the last save."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta(RecordForm.Meta):
        model = Charter
        fields = Charter.TEXT_FIELDS
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in Charter.TEXT_FIELDS}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        self.helper = FormHelper()
        self.helper.form_tag = False
