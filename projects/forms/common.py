"""What every form page shares: dates, numbers as people type them, the comment box."""

import re
from decimal import Decimal
from typing import Any

from django import forms

from lifecycle.services import COMMENT_MAX_LENGTH

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ONE_LINE = forms.Textarea(attrs={"rows": 1})

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
    transition's rule, checked by the service."""

    comment = forms.CharField(
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
