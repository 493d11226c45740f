"""Funding is corrected, never edited (issue 18): a reversing entry with the reason, then, if
given, the right amount as new funding under the same authority as `funding_record`; the
project's stored total moves with them in the same transaction; a funding is corrected once."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse

from lifecycle import gates
from lifecycle.errors import CommentInvalid, NotNow
from lifecycle.models import AuditEntry
from projects import charter_document, events, services
from projects.models import Funding, FundingState, Project
from tests.conftest import client_for


@pytest.fixture
def original(funded) -> Funding:
    """120,000 from CC-1000 IT, approved: the estimate is 120,000."""
    return funded.fundings.get()


def correct_url(funding: Funding) -> str:
    return reverse("projects:funding-correct", args=[funding.project_id, funding.pk])


def correct(client, funding, reason="Typed 120,000 for 100,000", amount="", **confirmation):
    return client.post(correct_url(funding), {"reason": reason, "amount": amount} | confirmation)


def funded_total(project: Project) -> Decimal:
    return Project.objects.get(pk=project.pk).funded


def approved_sum(project: Project) -> Decimal:
    rows = Funding.objects.filter(project=project, state=FundingState.APPROVED)
    return rows.aggregate(total=Sum("amount"))["total"] or Decimal(0)


def test_the_sponsor_can_correct_funding_to_the_right_amount(funded, original, sponsor):
    response = correct(client_for(sponsor), original, amount="100,000")

    assert response.status_code == 302
    reversal = original.reversal
    assert (reversal.amount, reversal.state, reversal.approved_by) == (
        Decimal("-120000"),
        FundingState.APPROVED,
        sponsor,
    )
    assert reversal.reason == "Typed 120,000 for 100,000"
    replacement = funded.fundings.order_by("pk").last()
    assert (replacement.amount, replacement.state) == (Decimal("100000"), FundingState.APPROVED)
    assert funded_total(funded) == Decimal("100000") == approved_sum(funded)
    entry = AuditEntry.objects.get(event=events.FUNDING_CORRECTED)
    assert entry.data | {"total_before": None} == {
        "funding_id": original.pk,
        "reversal_id": reversal.pk,
        "reversed_amount": "120000.00",
        "new_funding_id": replacement.pk,
        "new_amount": "100000",
        "new_state": "approved",
        "reason": "Typed 120,000 for 100,000",
        "total_before": None,
        "total": "100000.00",
    }


def test_the_pmo_can_correct_funding_and_above_the_cost_the_new_amount_waits(
    funded, original, pmo, sponsor
):
    """200,000 on a 120,000 estimate: confirmed first, then proposed; the sponsor (limit
    250,000) approves it and only then it counts."""
    client = client_for(pmo)
    warned = correct(client, original, "The board gave 200,000", "200,000")
    assert "This brings funding to EUR 200,000.00, 66.7% above" in warned.content.decode()
    assert not hasattr(Funding.objects.get(pk=original.pk), "reversal")

    response = correct(
        client, original, "The board gave 200,000", "200,000", confirm="on", warned="200000"
    )

    assert response.status_code == 302
    replacement = funded.fundings.order_by("pk").last()
    assert replacement.state == FundingState.PROPOSED
    assert funded_total(funded) == 0 == approved_sum(funded)
    services.funding_approve(funding=replacement, by=sponsor, comment="Board minutes")
    assert funded_total(funded) == Decimal("200000") == approved_sum(funded)


def test_a_funding_reversed_entirely_leaves_the_gate_open_for_nothing(funded, original, sponsor):
    """Reversed without a new amount: the total is nothing and the gate's funding is missing."""
    assert gates.funding_recorded(Project.objects.get(pk=funded.pk)).met

    correct(client_for(sponsor), original, "Recorded on the wrong project")

    project = Project.objects.get(pk=funded.pk)
    assert project.funded == 0 == approved_sum(project)
    assert not gates.funding_recorded(project).met


def test_the_manager_cannot_correct_funding(funded, original, manager):
    client = client_for(manager)

    assert client.get(correct_url(original)).status_code == 403
    assert correct(client, original).status_code == 403
    assert funded.fundings.count() == 1 and funded_total(funded) == Decimal("120000")
    assert "Correct</a>" not in client.get(funded.get_absolute_url()).content.decode()


def test_a_member_cannot_and_an_outsider_does_not_find_it(funded, original, member, viewer):
    assert correct(client_for(member), original).status_code == 403
    assert correct(client_for(viewer), original).status_code == 404
    assert client_for(viewer).get(correct_url(original)).status_code == 404
    assert funded.fundings.count() == 1


@pytest.mark.parametrize(("name", "word"), [("cancel", "cancelled"), ("hold", "on hold")])
def test_nobody_corrects_funding_of_a_cancelled_or_held_project(
    funded, original, sponsor, pmo, name, word
):
    services.project_transition(project=funded, name=name, by=sponsor, comment="Budget freeze")

    for user in (sponsor, pmo):
        response = correct(client_for(user), original)
        assert response.status_code == 409
        assert f"is {word}" in response.content.decode()
    assert funded.fundings.count() == 1


def test_a_funding_is_corrected_once_whoever_clicks_twice(funded, original, sponsor, pmo):
    first = correct(client_for(sponsor), original, amount="100,000")
    second = correct(client_for(pmo), original, amount="90,000")

    assert (first.status_code, second.status_code) == (302, 409)
    today = date.today().strftime("%-d %b %Y")
    assert f"This funding was corrected already on {today}." in second.content.decode()
    assert Funding.objects.filter(reverses=original).count() == 1
    assert funded.fundings.count() == 3  # the original, its reversal, the 100,000
    assert AuditEntry.objects.filter(event=events.FUNDING_CORRECTED).count() == 1
    assert funded_total(funded) == Decimal("100000")
    with pytest.raises(NotNow):
        services.funding_correct(funding=original, by=sponsor, reason="Again")


def test_a_reversal_and_a_proposed_funding_are_not_corrected(funded, original, sponsor):
    reversal = services.funding_correct(funding=original, by=sponsor, reason="Wrong project")[0]
    proposed = services.funding_record(
        project=funded,
        by=sponsor,
        amount=Decimal("500000"),
        source="CC-2",
        approved_on=date.today(),
    )

    for funding in (reversal, proposed):
        assert correct(client_for(sponsor), funding).status_code == 409
    page = client_for(sponsor).get(funded.get_absolute_url()).content.decode()
    assert "Correct</a>" not in page


def test_a_correction_needs_a_reason(funded, original, sponsor):
    response = correct(client_for(sponsor), original, reason="  ", amount="100,000")

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert funded.fundings.count() == 1
    with pytest.raises(CommentInvalid):
        services.funding_correct(funding=original, by=sponsor, reason=" ")
    assert funded.fundings.count() == 1


def test_a_correction_refuses_an_amount_a_funding_cannot_have(funded, original, sponsor):
    for typed, message in (("1e5", "not 1e6"), ("0", "above zero"), ("-5", "above zero")):
        response = correct(client_for(sponsor), original, amount=typed)
        assert response.status_code == 200
        assert message in response.content.decode()
    assert funded.fundings.count() == 1


def test_the_list_shows_the_reversal_and_the_original_corrected(funded, original, sponsor):
    client = client_for(sponsor)
    page = client.get(funded.get_absolute_url()).content.decode()
    assert correct_url(original) in page and ">Correct</a>" in page

    correct(client, original, "Recorded against the wrong cost centre", "100,000")

    page = client.get(funded.get_absolute_url()).content.decode()
    recorded = original.recorded_at.strftime("%-d %b %Y")
    assert f"Reversal of EUR 120,000.00 recorded on {recorded}:" in page
    assert "Recorded against the wrong cost centre" in page
    assert "<del>EUR 120,000.00</del>" in page and "Corrected</span>" in page
    assert 'id="funding-total">EUR 100,000.00<' in page
    assert correct_url(original) not in page


def test_the_correction_is_in_the_history(funded, original, sponsor, manager):
    correct(client_for(sponsor), original, "Recorded against the wrong cost centre", "100,000")

    page = client_for(manager).get(reverse("projects:history", args=[funded.pk]))
    text = page.content.decode()
    assert "Correct funding" in text
    assert (
        "EUR 120,000.00 from CC-1000 IT reversed, EUR 100,000.00 recorded instead: "
        "Recorded against "
        "the wrong cost centre"
    ) in text


def test_the_stored_total_stays_the_sum_of_approved_funding(approved, sponsor, sponsor2, pmo):
    """Record, correct, approve, reject: after each, `Project.funded` is the approved sum."""

    def fund(amount: str, by=sponsor) -> Funding:
        return services.funding_record(
            project=approved, by=by, amount=Decimal(amount), source="CC", approved_on=date.today()
        )

    def in_step() -> None:
        assert funded_total(approved) == approved_sum(approved)

    first = fund("80000")
    in_step()
    second = fund("30000")
    in_step()
    services.funding_correct(funding=first, by=sponsor, reason="Was 70,000", amount=Decimal(70000))
    in_step()
    above = fund("60000", by=pmo)  # 160,000 > the 120,000 estimate: proposed
    assert above.state == FundingState.PROPOSED
    in_step()
    services.funding_approve(funding=above, by=sponsor, comment="Extra scope")
    in_step()
    services.funding_correct(funding=second, by=pmo, reason="Double entry")
    in_step()
    rejected = fund("90000", by=pmo)
    services.funding_reject(funding=rejected, by=sponsor, comment="Not this year")
    in_step()
    assert funded_total(approved) == Decimal("130000")


def test_the_charter_lists_the_funding_that_stands(initiating, sponsor):
    original = initiating.fundings.get()
    services.funding_correct(
        funding=original, by=sponsor, reason="Typed wrong", amount=Decimal("100000")
    )

    charter = Project.objects.get(pk=initiating.pk).charter
    budget = charter_document.snapshot(charter_document.charter_with_sections(charter.pk))["budget"]
    assert [row["amount"] for row in budget["fundings"]] == ["100000.00"]
    assert budget["funded"] == "100000.00"
