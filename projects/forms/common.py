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
    addresses and fields with choices keep their own)."""
    if type(field) is models.CharField and not field.choices:
        return field.formfield(form_class=LineField, **kwargs)
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
