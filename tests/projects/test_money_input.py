"""Money as people type it (issue 18): “1,000,000”, “1 000 000” and “EUR 1,000.50” mean what
they say; shorthand, exponents, zero, negatives, a decimal comma and absurd amounts are refused
with a field error, and nothing is saved."""

import importlib
import pkgutil
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

import projects.forms
from projects.forms.common import LineField, MoneyField, RecordForm
from projects.forms.projects import FundingForm
from projects.models import Funding
from tests.conftest import client_for

ACCEPTED = [
    ("1,000,000", Decimal("1000000")),
    ("1 000 000", Decimal("1000000")),
    ("EUR 1,000.50", Decimal("1000.50")),
    ("1000000", Decimal("1000000")),
]
# What the field itself cannot read…
UNREADABLE = [
    ("250k", "Write the amount in full, e.g. 250,000 (not 250k)."),
    ("1e6", "Write the amount in digits, e.g. 1,000,000 (not 1e6)."),
    ("12,34", "Enter a number."),
    ("1,000,000,00", "Enter a number."),
]
# …and what the amount of a funding may not be (the model's money validators).
OUT_OF_RANGE = [
    ("0", "Enter an amount above zero."),
    ("-5", "Enter an amount above zero."),
    ("10,000,000,000.01", "Enter an amount below 10,000,000,000."),
    ("99,999,999,999", "Enter an amount below 10,000,000,000."),
]
REFUSED = UNREADABLE + OUT_OF_RANGE


@pytest.mark.parametrize(("typed", "value"), ACCEPTED)
def test_the_money_field_reads_amounts_as_people_type_them(typed, value):
    assert MoneyField().clean(typed) == value


@pytest.mark.parametrize(("typed", "message"), UNREADABLE)
def test_the_money_field_refuses_what_it_would_have_to_guess(typed, message):
    with pytest.raises(ValidationError) as refused:
        MoneyField().clean(typed)

    assert refused.value.messages == [message]


def test_the_funding_form_reads_its_amount_with_the_money_field(approved):
    assert isinstance(FundingForm(project=approved).fields["amount"], MoneyField)


@pytest.mark.parametrize(("typed", "message"), REFUSED)
def test_the_funding_form_refuses_amounts_a_funding_cannot_have(approved, typed, message):
    form = FundingForm(
        {"amount": typed, "source": "CC-4100", "approved_on": "2026-11-27"}, project=approved
    )

    assert not form.is_valid()
    assert message in form.errors["amount"]


def record(client, project, amount):
    return client.post(
        reverse("projects:funding-create", args=[project.pk]),
        {"amount": amount, "source": "CC-4100 Logistics", "approved_on": "2026-11-27"},
    )


@pytest.mark.parametrize(("typed", "value"), [("95,000", 95000), ("EUR 1,000.50", 1000.5)])
def test_the_sponsor_can_record_funding_typed_with_separators(approved, sponsor, typed, value):
    response = record(client_for(sponsor), approved, typed)

    assert response.status_code == 302
    assert approved.fundings.get().amount == Decimal(str(value))


@pytest.mark.parametrize(("typed", "message"), REFUSED)
def test_the_sponsor_cannot_record_funding_the_form_would_have_to_guess(
    approved, sponsor, typed, message
):
    response = record(client_for(sponsor), approved, typed)

    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and 'id="error_1_id_amount"' in page
    assert not Funding.objects.exists()


def test_every_record_form_reads_money_and_single_lines_the_same_way():
    """A form's own `class Meta` must inherit `RecordForm.Meta`, or Django drops the
    `formfield_callback` that makes amounts MoneyFields and short texts LineFields."""

    def subclasses(cls: type) -> list[type]:
        return [sub for child in cls.__subclasses__() for sub in (child, *subclasses(child))]

    for module in pkgutil.iter_modules(projects.forms.__path__):
        importlib.import_module(f"projects.forms.{module.name}")  # every subclass known
    checked = 0
    for form_class in subclasses(RecordForm):
        model = form_class._meta.model
        for name in form_class._meta.fields or ():
            if name not in form_class.base_fields:  # a formset's own key to its parent
                continue
            field, model_field = form_class.base_fields[name], model._meta.get_field(name)
            if (
                model_field.get_internal_type() == "DecimalField"
                and model_field.decimal_places == 2
            ):
                assert isinstance(field, MoneyField), f"{form_class.__name__}.{name}"
                checked += 1
            if type(model_field).__name__ == "CharField" and not model_field.choices:
                assert isinstance(field, LineField), f"{form_class.__name__}.{name}"
    assert checked >= 2  # the business case's estimated cost, the funding's amount at least
