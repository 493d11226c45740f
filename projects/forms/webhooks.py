"""The PMO's webhook endpoint form: where, what, signed with which secret."""

from typing import Any

from crispy_forms.helper import FormHelper
from django import forms

from projects.forms.common import LineField
from projects.webhooks import EVENT_NAMES, url_refusal


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        help_text="Where the events are posted (https:// unless the receiver is on your network).",
    )
    description = LineField(
        max_length=200, required=False, help_text="e.g. “Jira automation” or who runs it."
    )
    secret = forms.CharField(
        label="Signing secret",
        min_length=16,
        max_length=100,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    events = forms.MultipleChoiceField(
        choices=[(name, name) for name in EVENT_NAMES],
        widget=forms.CheckboxSelectMultiple,
        help_text="What the endpoint hears of (the names the project's History records).",
    )
    active = forms.BooleanField(
        label="Active", required=False, initial=True, help_text="Turned off, nothing is sent."
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["secret"].help_text = (
            "Leave blank to keep the current secret."
            if editing
            else "At least 16 characters; leave blank and Tollgate makes one."
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's form tag has it

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if refusal := url_refusal(url):
            raise forms.ValidationError(refusal)
        return url
