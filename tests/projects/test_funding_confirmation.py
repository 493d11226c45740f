"""Funding far above the estimated cost is recorded only once confirmed (issue 18): more than
`FUNDING_WARN_PCT` above it, **Record funding** answers with the form again, a warning that
says by how much, and a box to tick; nothing is saved before a post confirms that very amount."""

from decimal import Decimal

import pytest
from django.urls import reverse

from projects.models import Funding, FundingState, Project
from tests.conftest import client_for


def record(client, project, amount, **confirmation):
    return client.post(
        reverse("projects:funding-create", args=[project.pk]),
        {"amount": amount, "source": "CC-4100", "approved_on": "2026-11-27"} | confirmation,
    )


def test_the_sponsor_is_warned_before_funding_far_above_the_estimate_is_recorded(approved, sponsor):
    """The estimate is 120,000: 150,000 is 25% above it."""
    response = record(client_for(sponsor), approved, "150,000")

    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "This brings funding to EUR 150,000.00, 25% above the estimated cost of EUR 120,000.00."
    ) in page
    assert "Tick this box to record the amount, or change it." in page
    assert 'name="warned" value="150000"' in page
    assert not Funding.objects.exists()


def test_the_sponsor_can_record_it_once_confirmed(approved, sponsor):
    response = record(client_for(sponsor), approved, "150,000", confirm="on", warned="150000")

    assert response.status_code == 302
    funding = approved.fundings.get()
    # Above the approved cost it still waits for approval, as before.
    assert (funding.amount, funding.state) == (Decimal("150000"), FundingState.PROPOSED)


def test_a_confirmation_of_another_amount_is_asked_again(approved, sponsor):
    """Ticked for 150,000, then the amount changed to 1,500,000: warned again, unticked."""
    response = record(client_for(sponsor), approved, "1,500,000", confirm="on", warned="150000")

    page = response.content.decode()
    assert response.status_code == 200
    assert "This brings funding to EUR 1,500,000.00, 1,150% above" in page
    assert 'name="warned" value="1500000"' in page
    assert "checked" not in page.split('name="confirm"')[1].split(">")[0]
    assert not Funding.objects.exists()


def test_within_the_warning_margin_no_confirmation_is_asked(approved, sponsor):
    """132,000 is exactly 10% above 120,000: recorded (and proposed, above the cost)."""
    response = record(client_for(sponsor), approved, "132,000")

    assert response.status_code == 302
    assert approved.fundings.get().amount == Decimal("132000")


def test_the_warning_counts_the_funding_already_approved(funded, sponsor):
    """120,000 funded already: 20,000 more is 16.7% above the estimate."""
    response = record(client_for(sponsor), funded, "20,000")

    assert "This brings funding to EUR 140,000.00, 16.7% above" in response.content.decode()
    assert Project.objects.get(pk=funded.pk).fundings.count() == 1


@pytest.mark.parametrize(("margin", "warned"), [("50", False), ("0", True)])
def test_the_margin_is_the_funding_warn_pct_setting(approved, sponsor, settings, margin, warned):
    settings.FUNDING_WARN_PCT = Decimal(margin)

    response = record(client_for(sponsor), approved, "150,000")

    assert (response.status_code == 200) is warned
    assert approved.fundings.exists() is not warned
