"""The RAID register's forms: the manager's (every field of an item) and the owner's review
(response, scores, next review date)."""

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout
from django import forms
from django.core.exceptions import ValidationError

from projects.formats import person
from projects.forms.common import DATE_INPUT, RecordForm
from projects.models import Project, RaidItem
from projects.selectors.raid import possible_owners
from projects.services.raid import raid_check

SCORES = [(None, "—"), *((n, str(n)) for n in range(1, 6))]


class OwnerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person(obj)


def _scores(form: forms.ModelForm) -> None:
    for name in ("likelihood", "impact"):
        form.fields[name] = forms.TypedChoiceField(
            label=name.capitalize(),
            choices=SCORES,
            coerce=int,
            empty_value=None,
            required=False,
            help_text=RaidItem._meta.get_field(name).help_text + "; required for a risk",
        )


class RaidItemForm(RecordForm):
    """Add or edit an item: the manager's. The owner is chosen among the project's people."""

    class Meta(RecordForm.Meta):
        model = RaidItem
        fields = RaidItem.FIELDS
        widgets = {
            "review_date": DATE_INPUT,
            "title": forms.Textarea(attrs={"rows": 2}),
            "response": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["owner"] = OwnerChoice(
            queryset=possible_owners(project),
            required=False,
            empty_label="Nobody yet",
            help_text="The manager, the sponsor or a member of the project.",
        )
        _scores(self)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Div(
                Div("kind", css_class="col-md-4"),
                Div("owner", css_class="col-md-8"),
                css_class="row",
            ),
            "title",
            "response",
            Div(
                Div("likelihood", css_class="col-md-4"),
                Div("impact", css_class="col-md-4"),
                Div("review_date", css_class="col-md-4"),
                css_class="row",
            ),
        )

    def clean(self) -> dict[str, Any]:
        """The service's own checks, shown beside the fields before anything is written."""
        data = super().clean()
        if "kind" in data:
            try:
                raid_check(
                    project=self.project,
                    kind=data["kind"],
                    likelihood=data.get("likelihood"),
                    impact=data.get("impact"),
                    review_date=data.get("review_date"),
                    before=self.instance.review_date if self.instance.pk else None,
                )
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    if field not in self.errors:
                        self.add_error(field, messages)
        return data


class RaidReviewForm(RecordForm):
    """An item's review: its owner's (the manager edits everything with `RaidItemForm`)."""

    class Meta(RecordForm.Meta):
        model = RaidItem
        fields = ("response", "likelihood", "impact", "review_date")
        widgets = {"review_date": DATE_INPUT, "response": forms.Textarea(attrs={"rows": 3})}
        labels = {"review_date": "Next review by"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scores(self)
        self.fields["review_date"].required = True
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "response",
            Div(
                Div("likelihood", css_class="col-md-4"),
                Div("impact", css_class="col-md-4"),
                Div("review_date", css_class="col-md-4"),
                css_class="row",
            ),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            raid_check(
                project=self.instance.project,
                kind=self.instance.kind,
                likelihood=data.get("likelihood"),
                impact=data.get("impact"),
                review_date=data.get("review_date"),
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                if field not in self.errors:
                    self.add_error(field, messages)
        return data
