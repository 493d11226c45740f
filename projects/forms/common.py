"""What every form page shares: one-line text, dates, numbers as people type them, the
comment box."""

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from lifecycle.services import COMMENT_MAX_LENGTH

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ONE_LINE = forms.Textarea(attrs={"rows": 1})

LINE_BREAKS = re.compile(r"[\r\n\t\v\f\u2028\u2029]+")
CONTROL = re.compile(r"[\x01-\x1f\x7f-\x9f]")  # NUL: Django refuses it by name


class LineField(forms.CharField):
    """One line of text (a title, a name): line breaks and tabs typed or pasted into it become
    spaces, other control characters are refused — so it can head a page, a PDF or an e-mail
    subject as it is."""

    def to_python(self, value: Any) -> str:
        text = LINE_BREAKS.sub(" ", super().to_python(value)).strip()
        if CONTROL.search(text):
            raise ValidationError("Remove the invisible control characters from this text.")
        return text


def one_line_text(field: models.Field, **kwargs: Any) -> forms.Field | None:
    """The form field of a model field: every plain short text is a `LineField` (e-mail
    addresses and fields with choices keep their own), every amount of money a
    `MoneyField`."""
    if type(field) is models.CharField and not field.choices:
        return field.formfield(form_class=LineField, **kwargs)
    if isinstance(field, models.DecimalField) and field.decimal_places == 2:
        return field.formfield(form_class=MoneyField, **kwargs)
    return field.formfield(**kwargs)


class RecordForm(forms.ModelForm):
    """The base of every form on a record: its short texts are single lines."""

    class Meta:
        formfield_callback = one_line_text


THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


class NumberField(forms.DecimalField):
    """A number as people type it: “1,000”, “40%”, “ 12.5 ” all mean what they say."""

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            value = value.strip().removesuffix("%").strip()
            if THOUSANDS.match(value):
                value = value.replace(",", "")
        return super().to_python(value)


# Digit groups people type: commas, spaces (plain, no-break, thin) and apostrophes (CH).
GROUPS = re.compile(r"^[+-]?\d{1,3}([,\u0020\u00a0\u202f\u2009']\d{3})+(\.\d+)?$")
CURRENCY = re.compile(r"^(EUR|€)\s*|\s*(EUR|€)$", re.IGNORECASE)
SHORTHAND = re.compile(r"^[+-]?[\d.,]+\s*(k|m|mn|bn|b)$", re.IGNORECASE)
EXPONENT = re.compile(r"^[+-]?[\d.]+e[+-]?\d+$", re.IGNORECASE)


class MoneyField(forms.DecimalField):
    """An amount of money as people type it: “1,000,000”, “1 000 000”, “EUR 1,000.50” and
    “1000000” all mean one million; shorthand (“250k”) and exponents (“1e6”) are refused with
    what to type instead, never guessed — a misread amount flows into charters and PDFs.
    Shown as text (a number input drops “1,000”), with a decimal keypad on phones."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    default_error_messages = {
        "shorthand": "Write the amount in full, e.g. 250,000 (not 250k).",
        "exponent": "Write the amount in digits, e.g. 1,000,000 (not 1e6).",
    }

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            value = CURRENCY.sub("", value.strip())
            if SHORTHAND.match(value):
                raise ValidationError(self.error_messages["shorthand"], code="shorthand")
            if EXPONENT.match(value):
                raise ValidationError(self.error_messages["exponent"], code="exponent")
            if GROUPS.match(value):
                value = re.sub(r"[,\u0020\u00a0\u202f\u2009']", "", value)
        number = super().to_python(value)
        if number is not None and not number.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number

    def prepare_value(self, value: Any) -> Any:
        """A stored amount shows as people read it back: 1,000,000.00."""
        if isinstance(value, Decimal) and value.is_finite():
            return f"{value:,.2f}"
        return value


class CommentForm(forms.Form):
    """The comment box of a decision or stage action; whether it is required is the
    transition's rule, checked by the service. `seen` is the version of the record the page
    showed, so a decision is taken on what the person saw (or refused)."""

    comment = forms.CharField(
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    seen = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
