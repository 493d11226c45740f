"""Goals and their measurements; the scope's lists are `projects.lists.SCOPE_LISTS`."""

from datetime import date
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from projects.forms.common import DATE_INPUT, NumberField, RecordForm
from projects.models import Direction, Goal, Measurement
from projects.services.definition import measurement_check


class GoalForm(RecordForm):
    class Meta(RecordForm.Meta):
        model = Goal
        fields = Goal.FIELDS
        field_classes = {"baseline": NumberField, "target": NumberField}
        widgets = {
            "start_date": DATE_INPUT,
            "due_date": DATE_INPUT,
            "baseline": forms.TextInput(attrs={"inputmode": "decimal"}),
            "target": forms.TextInput(attrs={"inputmode": "decimal"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reading_every_days"].required = False
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "statement",
            Div(
                Div("metric", css_class="col-md-5"),
                Div("unit", css_class="col-md-3"),
                Div("direction", css_class="col-md-4"),
                css_class="row",
            ),
            Div(
                Div("baseline", css_class="col-md-3"),
                Div("target", css_class="col-md-3"),
                Div("start_date", css_class="col-md-3"),
                Div("due_date", css_class="col-md-3"),
                css_class="row",
            ),
            Div(
                Div("owner", css_class="col-md-8"),
                Div("reading_every_days", css_class="col-md-4"),
                css_class="row",
            ),
        )

    def clean_reading_every_days(self) -> int:
        """Left empty, a reading is due every week (the field's default)."""
        value = self.cleaned_data["reading_every_days"]
        return Goal._meta.get_field("reading_every_days").default if value is None else value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, due = cleaned.get("start_date"), cleaned.get("due_date")
        if start and due and due <= start:
            self.add_error("due_date", "The due date must be after the start.")
        baseline, target = cleaned.get("baseline"), cleaned.get("target")
        direction = cleaned.get("direction")
        if baseline is not None and target is not None:
            if target == baseline:
                self.add_error("target", "The target must differ from the baseline.")
            elif direction == Direction.INCREASE and target < baseline:
                self.add_error("target", "To increase, the target must be above the baseline.")
            elif direction == Direction.DECREASE and target > baseline:
                self.add_error("target", "To decrease, the target must be below the baseline.")
        return cleaned


class MeasurementForm(RecordForm):
    class Meta(RecordForm.Meta):
        model = Measurement
        fields = Measurement.FIELDS
        field_classes = {"value": NumberField}
        widgets = {"date": DATE_INPUT, "value": forms.TextInput(attrs={"inputmode": "decimal"})}

    def __init__(self, *args: Any, goal: Goal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.goal = goal
        self.fields["date"].initial = timezone.localdate()
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_date(self) -> date:
        when = self.cleaned_data["date"]
        try:
            measurement_check(self.goal, when)
        except ValidationError as error:
            raise ValidationError(error.message_dict["date"]) from error
        return when
