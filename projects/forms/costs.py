"""Costs: one actual cost typed in, a CSV file of them (and the preview's commit), the forecast
to complete of every budget line."""

import base64
import binascii
from datetime import date
from decimal import Decimal
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from projects import imports
from projects.formats import money
from projects.forms.common import DATE_INPUT, MoneyField, RecordForm
from projects.models import ActualCost, BudgetLine, Project
from projects.models.projects import MONEY_MAX


class BudgetLineChoice(forms.ModelChoiceField):
    def label_from_instance(self, line: BudgetLine) -> str:
        return imports.line_name(line)


class ActualForm(RecordForm):
    """**Record actual cost**: a budget line of this project's plan only — another project's
    line is “not one of the available choices”, a field error."""

    class Meta(RecordForm.Meta):  # its text and money fields: only an inherited Meta has them
        model = ActualCost
        fields = ActualCost.FIELDS
        field_classes = {"budget_line": BudgetLineChoice}
        widgets = {"date": DATE_INPUT, "note": forms.TextInput}
        labels = {"budget_line": "Budget line"}

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plan = getattr(project, "plan", None)
        lines = plan.budget_lines.all() if plan else BudgetLine.objects.none()
        self.fields["budget_line"].queryset = lines
        self.fields["budget_line"].empty_label = "Choose a line"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Div(
                Div("budget_line", css_class="col-sm-6"),
                Div("date", css_class="col-sm-6"),
                css_class="row",
            ),
            Div(
                Div("amount", css_class="col-sm-6"),
                Div("reference", css_class="col-sm-6"),
                css_class="row",
            ),
            "note",
        )

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= 0:
            raise ValidationError("Enter an amount of more than zero.")
        return amount

    def clean_date(self) -> date:
        when = self.cleaned_data["date"]
        if when > timezone.localdate():
            raise ValidationError("An actual cost is money spent: not in the future.")
        return when


class ImportForm(forms.Form):
    """The CSV file, first posted for the preview."""

    file = forms.FileField(
        label="CSV file",
        allow_empty_file=True,  # an empty file is refused with its own reason
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={"required": "Choose a CSV file to import."},
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > imports.max_bytes():  # refused before it is read
            raise ValidationError(imports.too_large(upload.size))
        return upload


class ImportCommitForm(forms.Form):
    """The previewed file posted back to be imported: read and checked again by the service."""

    name = forms.CharField(max_length=255, widget=forms.HiddenInput)
    content = forms.CharField(widget=forms.HiddenInput, strip=False)

    def clean_content(self) -> bytes:
        try:
            content = base64.b64decode(self.cleaned_data["content"], validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("The file did not come back whole: upload it again.") from None
        if len(content) > imports.max_bytes():
            raise ValidationError(imports.too_large(len(content)))
        return content

    @staticmethod
    def initial_for(name: str, content: bytes) -> dict[str, str]:
        return {"name": name, "content": base64.b64encode(content).decode("ascii")}


class ForecastForm(forms.Form):
    """**Update forecast**: what each budget line is still expected to cost (blank: what is
    left of its budget)."""

    def __init__(
        self,
        *args: Any,
        lines: list[BudgetLine],
        left: dict[int, Decimal] | None = None,
        **kwargs: Any,
    ) -> None:
        """`left`: what is left of each line's budget, shown in its empty box."""
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            remaining = (left or {}).get(line.pk)
            self.fields[self.field_name(line)] = MoneyField(
                widget=forms.TextInput(
                    attrs={
                        "inputmode": "decimal",
                        "autocomplete": "off",
                        "placeholder": "" if remaining is None else f"{money(remaining)} left",
                    }
                ),
                label=f"{imports.line_name(line)}: forecast to complete",
                max_digits=14,
                decimal_places=2,
                min_value=Decimal(0),
                max_value=MONEY_MAX,
                required=False,
                initial=line.forecast_to_complete,
                error_messages={
                    "min_value": "Enter zero or more.",
                    "max_value": "Enter an amount below 10,000,000,000.",
                },
            )

    @staticmethod
    def field_name(line: BudgetLine) -> str:
        return f"line_{line.pk}"

    def forecasts(self) -> dict[int, Decimal | None]:
        return {line.pk: self.cleaned_data[self.field_name(line)] for line in self.lines}
