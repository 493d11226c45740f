"""The deputies sponsors name (a person's own choices: projects/forms/accounts.py)."""

from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from projects.formats import person
from projects.forms.common import DATE_INPUT, LineField
from projects.forms.proposals import SponsorChoiceField, active_sponsors
from projects.models import Sponsor


class DeputyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: AbstractBaseUser) -> str:
        return f"{person(obj)}, {obj.sponsor_profile.title}"


class DelegationForm(forms.Form):
    """Who decides for whom, when. A sponsor names their own deputy (the sponsor field is
    theirs, fixed); the PMO chooses the sponsor too. Deputies are other active sponsors; the
    service says why anything else is refused (oneself, overlapping dates)."""

    sponsor = SponsorChoiceField(queryset=active_sponsors(), label="Sponsor on leave")
    deputy = DeputyChoiceField(
        queryset=get_user_model().objects.none(),
        label="Deputy",
        help_text="Another sponsor: decides within your approval limit while you are away.",
    )
    starts_on = forms.DateField(label="From", widget=DATE_INPUT)
    ends_on = forms.DateField(label="Until", widget=DATE_INPUT, help_text="The last day included.")
    note = LineField(max_length=200, required=False, help_text="e.g. “Annual leave”.")

    def __init__(self, *args: Any, sponsors: list[Sponsor], **kwargs: Any) -> None:
        """`sponsors`: those this person may name a deputy for (the rule `may_delegate`); a
        sponsor naming their own sees theirs fixed."""
        super().__init__(*args, **kwargs)
        deputies = (
            get_user_model()
            .objects.filter(is_active=True, sponsor_profile__isnull=False)
            .select_related("sponsor_profile")
            .order_by("last_name", "first_name")
        )
        self.fields["sponsor"].queryset = active_sponsors().filter(pk__in=[s.pk for s in sponsors])
        if len(sponsors) == 1:
            self.fields["sponsor"].initial = sponsors[0].pk
            self.fields["sponsor"].disabled = True
            deputies = deputies.exclude(pk=sponsors[0].pk)
        self.fields["deputy"].queryset = deputies
        self.fields["starts_on"].initial = timezone.localdate()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's form tag has it
