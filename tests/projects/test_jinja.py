"""Jinja2 fragments escape exactly as Django's templates do (projects/jinja.py)."""

from decimal import Decimal

import pytest
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from markupsafe import Markup

from projects.jinja import django_escaped


@pytest.mark.parametrize(
    "value",
    [
        'Archive, "legacy" part',
        "O'Brien & <Partners>",
        "AT&#39;T said &#34;no&#34;",  # text that looks like markupsafe's own escapes
        '=HYPERLINK("http://evil")',
        "",
        None,
        42,
        Decimal("1234.50"),
        gettext_lazy("Needs my action"),
        mark_safe("<b>kept</b>"),
        Markup("<i>kept</i>"),
    ],
)
def test_a_value_is_escaped_as_django_escapes_it(value):
    assert str(django_escaped(value)) == str(conditional_escape(value))
    assert hasattr(django_escaped(value), "__html__")
