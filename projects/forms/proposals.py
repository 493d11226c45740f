"""The business case form: the project's identity (title, category, sponsor) and its case."""

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.db.models import QuerySet

from projects.forms.common import DATE_INPUT, LineField, RecordForm
from projects.models import Category, Project, Proposal, Sponsor


class SponsorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Sponsor) -> str:
        return str(obj)


def active_sponsors(*, besides: Any = None) -> QuerySet[Sponsor]:
    """Who may be named sponsor: active sponsors, never the person who writes the case."""
    sponsors = Sponsor.objects.filter(user__is_active=True).select_related("user")
    return sponsors.exclude(user=besides) if besides is not None else sponsors


class BusinessCaseForm(RecordForm):
    """The case's fields are the model's (`Proposal.CASE_FIELDS`); the end-after-start check
    is the model's `clean()`. Its risks are a list: `projects.lists.RISKS`."""

    title = LineField(max_length=200)
    category = forms.ChoiceField(choices=Category.choices)
    sponsor = SponsorChoiceField(
        queryset=Sponsor.objects.none(), help_text="Who decides on this business case."
    )

    class Meta(RecordForm.Meta):
        model = Proposal
        fields = Proposal.CASE_FIELDS
        widgets = {
            "goal": forms.Textarea(attrs={"rows": 2}),
            "need": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "benefits": forms.Textarea(attrs={"rows": 2}),
            "start_date": DATE_INPUT,
            "end_date": DATE_INPUT,
        }

    def __init__(
        self,
        *args: Any,
        author: Any,
        project: Project | None = None,
        sponsor_fixed: bool = False,
        **kwargs: Any,
    ) -> None:
        """`author` writes the case (never its sponsor); `sponsor_fixed` once it was submitted:
        the sponsor is then the PMO's to change."""
        if project is not None:
            kwargs.setdefault(
                "initial",
                {"title": project.title, "category": project.category, "sponsor": project.sponsor},
            )
        super().__init__(*args, **kwargs)
        self.fields["sponsor"].queryset = active_sponsors(besides=author)
        if sponsor_fixed:
            self.fields["sponsor"].queryset = Sponsor.objects.filter(pk=project.sponsor_id)
            self.fields["sponsor"].disabled = True
            self.fields["sponsor"].help_text = "Once submitted, the PMO changes the sponsor."
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset("The case", "title", "category", "sponsor", "goal", "need", "description"),
            Fieldset(
                "Cost, time and benefits",
                Div(
                    Div("estimated_cost", css_class="col-md-4"),
                    Div("start_date", css_class="col-md-4"),
                    Div("end_date", css_class="col-md-4"),
                    css_class="row",
                ),
                "benefits",
            ),
        )
