"""The RAID register (issue 18, part 5): the manager keeps it from Initiating until Closing,
an item's owner reviews and closes it, risks are carried over from the business case and the
charter once, the PMO's heat map counts open register risks of active projects, an overdue
review waits for its owner, and a status report keeps the five highest-scoring open risks."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lifecycle.errors import NotNow, TransitionForbidden
from lifecycle.models import AuditEntry
from lifecycle.stages import Stage
from projects import services
from projects.models import Project, RaidItem, RaidKind, RaidSource, RaidStatus
from projects.selectors.inbox import needs_action
from projects.selectors.portfolio import risk_counts
from projects.services import raid
from tests.conftest import charter_lists, charter_texts, client_for, report_status
from tests.factories import FundingFactory, ProjectFactory, RiskFactory

TODAY = timezone.localdate


def add_risk(project, manager, title="Data migration overruns", likelihood=4, impact=5, **more):
    fields = {"kind": RaidKind.RISK, "title": title, "likelihood": likelihood, "impact": impact}
    fields |= {"owner": manager, "review_date": TODAY() + timedelta(days=14)} | more
    return raid.raid_item_add(project=project, by=manager, **fields)


def form(**changes) -> dict[str, str]:
    data = {"kind": "risk", "title": "Key user leaves", "response": "Train a deputy"}
    data |= {"likelihood": "2", "impact": "5", "review_date": (TODAY() + timedelta(days=7))}
    return {name: str(value) for name, value in (data | changes).items()}


def page(user, name: str, *args, **query) -> str:
    url = reverse(f"projects:{name}", args=args)
    response = client_for(user).get(url, query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def kinds(user) -> list[str]:
    return [item.wait.key for item in needs_action(user).items]


# -- Carried over --------------------------------------------------------------------------------


def test_entering_initiating_carries_the_business_case_risks_once(initiating, manager, sponsor):
    [risk] = initiating.raid_items.all()
    assert (risk.kind, risk.title, risk.source, risk.owner) == (
        RaidKind.RISK,
        "Supplier delivers late",
        RaidSource.BUSINESS_CASE,
        manager,
    )
    assert (risk.likelihood, risk.impact, risk.response) == (3, 4, "Penalty clause.")
    assert risk.review_date == TODAY() + timedelta(days=30)

    services.project_transition(project=initiating, name="hold", by=sponsor, comment="Freeze")
    services.project_transition(project=initiating, name="resume", by=sponsor)
    assert initiating.raid_items.count() == 1
    assert "Carried over from the business case" in page(manager, "history", initiating.pk)


def test_signing_the_charter_adds_its_new_key_risks_once(initiating, manager, sponsor):
    charter = initiating.charter
    lists = charter_lists(risks=2)
    lists["risks"].append(
        {"description": "supplier  DELIVERS late", "likelihood": 3, "impact": 4, "mitigation": ""}
    )
    services.charter_update(
        charter=charter, by=manager, version=charter.version, lists=lists, **charter_texts()
    )
    services.charter_submit(charter=charter, by=manager)
    services.charter_sign(charter=charter, by=sponsor)
    carried = initiating.raid_items.filter(source=RaidSource.CHARTER)
    assert sorted(carried.values_list("title", flat=True)) == ["Risk 0", "Risk 1"]

    # Renamed in the register, then signed again in an amendment: nothing comes back twice.
    RaidItem.objects.filter(title="Risk 0").update(title="Risk 0, as the team words it")
    services.charter_amend(charter=charter, by=manager)
    services.charter_submit(charter=charter, by=manager)
    services.charter_sign(charter=charter, by=sponsor)
    assert initiating.raid_items.count() == 3


def test_the_migration_carries_over_projects_past_identifying_once(initiating, manager):
    from importlib import import_module

    carry_over = import_module("projects.migrations.0020_raid").carry_over
    other = ProjectFactory(stage=Stage.DELIVERING)  # made past Identifying around the services
    RiskFactory(proposal=other.proposal, description="Vendor lock-in")
    identifying = ProjectFactory(manager=manager)
    carry_over(apps, None)
    carry_over(apps, None)
    assert sorted(other.raid_items.values_list("title", "source", "owner_id")) == [
        ("Supplier delivers late", "business_case", other.manager_id),
        ("Vendor lock-in", "business_case", other.manager_id),
    ]
    assert initiating.raid_items.count() == 1  # carried by the services already
    assert not identifying.raid_items.exists()


# -- Writing -------------------------------------------------------------------------------------


def test_manager_can_add_a_risk_and_it_shows_on_the_register_tab(initiating, manager, member):
    response = client_for(manager).post(
        reverse("projects:raid-create", args=[initiating.pk]), form(owner=member.pk)
    )
    assert response.status_code == 302
    item = initiating.raid_items.get(title="Key user leaves")
    assert (item.owner, item.score, item.source, item.created_by) == (
        member,
        10,
        "register",
        manager,
    )
    tab = page(manager, "raid", initiating.pk)
    assert "Key user leaves" in tab and "Sam Reed" in tab and "Train a deputy" in tab
    assert ">10</span>" in tab and "Business case" in tab and "Register" in tab
    assert AuditEntry.objects.filter(event="raid.added", actor=manager).exists()


def test_a_risk_without_scores_gets_field_errors_and_nothing_is_written(initiating, manager):
    url = reverse("projects:raid-create", args=[initiating.pk])
    response = client_for(manager).post(url, form(likelihood="", impact="9"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "A risk needs a likelihood from 1 (rare) to 5 (almost certain)." in body
    assert "Select a valid choice. 9 is not one of the available choices." in body
    assert not initiating.raid_items.filter(title="Key user leaves").exists()

    past = form(review_date=TODAY() - timedelta(days=1), kind="issue", likelihood="", impact="")
    body = client_for(manager).post(url, past).content.decode()
    assert "Choose today or a later day for the next review." in body


def test_an_owner_must_be_one_of_the_projects_people(initiating, manager, viewer):
    response = client_for(manager).post(
        reverse("projects:raid-create", args=[initiating.pk]), form(owner=viewer.pk)
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    with pytest.raises(Exception, match="Choose the manager, the sponsor or a member"):
        add_risk(initiating, manager, owner=viewer)


def test_owner_can_review_and_close_their_item_which_stays(initiating, manager, member):
    item = add_risk(initiating, manager, owner=member)
    client = client_for(member)
    assert "Review" in page(member, "raid", initiating.pk)
    assert (
        client.get(reverse("projects:raid-edit", args=[initiating.pk, item.pk])).status_code == 403
    )
    review = {"response": "Second supplier on standby", "likelihood": "2", "impact": "5"}
    review["review_date"] = str(TODAY() + timedelta(days=21))
    response = client.post(reverse("projects:raid-review", args=[initiating.pk, item.pk]), review)
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.response, item.score) == ("Second supplier on standby", 10)

    client.post(reverse("projects:raid-close", args=[initiating.pk, item.pk]))
    item.refresh_from_db()
    assert item.status == RaidStatus.CLOSED and item.closed_at
    assert "Data migration overruns" not in page(member, "raid", initiating.pk)
    assert "Data migration overruns" in page(member, "raid", initiating.pk, show="closed")
    assert AuditEntry.objects.filter(event="raid.closed", actor=member).exists()
    assert (
        client.post(reverse("projects:raid-reopen", args=[initiating.pk, item.pk])).status_code
        == 403
    )
    client_for(manager).post(reverse("projects:raid-reopen", args=[initiating.pk, item.pk]))
    assert RaidItem.objects.get(pk=item.pk).status == RaidStatus.OPEN


def test_a_viewer_who_owns_nothing_cannot_change_the_register(initiating, manager, member):
    item = add_risk(initiating, manager)
    client = client_for(member)
    assert "Add to the register" not in page(member, "raid", initiating.pk)
    for name, args in (
        ("raid-create", [initiating.pk]),
        ("raid-edit", [initiating.pk, item.pk]),
        ("raid-review", [initiating.pk, item.pk]),
        ("raid-close", [initiating.pk, item.pk]),
    ):
        assert client.post(reverse(f"projects:{name}", args=args), form()).status_code == 403
    assert RaidItem.objects.get(pk=item.pk).is_open


def test_an_outsider_gets_404(initiating, manager, viewer):
    item = add_risk(initiating, manager)
    client = client_for(viewer)
    assert client.get(reverse("projects:raid", args=[initiating.pk])).status_code == 404
    url = reverse("projects:raid-close", args=[initiating.pk, item.pk])
    assert client.post(url).status_code == 404


def test_an_item_of_another_project_is_not_found_under_this_one(initiating, manager):
    other = ProjectFactory(manager=manager, stage=Stage.DEFINING)
    theirs = RaidItem.objects.create(project=other, kind="issue", title="Theirs")
    url = reverse("projects:raid-edit", args=[initiating.pk, theirs.pk])
    assert client_for(manager).get(url).status_code == 404


@pytest.mark.parametrize("how", ["cancel", "hold"])
def test_closed_cancelled_or_held_projects_refuse_every_write(initiating, manager, sponsor, how):
    item = add_risk(initiating, manager)
    services.project_transition(project=initiating, name=how, by=sponsor, comment="Stop")
    client = client_for(manager)
    assert (
        client.post(reverse("projects:raid-create", args=[initiating.pk]), form()).status_code
        == 409
    )
    assert (
        client.post(reverse("projects:raid-close", args=[initiating.pk, item.pk])).status_code
        == 409
    )
    with pytest.raises(NotNow):
        add_risk(initiating, manager)
    assert initiating.raid_items.count() == 2


def test_the_register_opens_in_initiating(project, manager):
    Project.objects.filter(pk=project.pk).update(stage=Stage.IDENTIFYING)
    with pytest.raises(NotNow, match="Initiating"):
        add_risk(project, manager)
    assert "The register opens when the project enters Initiating" in page(
        manager, "raid", project.pk
    )


def test_only_the_manager_adds(initiating, sponsor, pmo):
    for someone in (sponsor, pmo):
        with pytest.raises(TransitionForbidden):
            add_risk(initiating, someone)


# -- The PMO's heat map ----------------------------------------------------------------------------


def _initiated(manager, sponsor, likelihood: int, impact: int) -> Project:
    project = ProjectFactory(manager=manager, sponsor=sponsor.sponsor_profile)
    project.proposal.risks.update(likelihood=likelihood, impact=impact)
    project.proposal.__class__.objects.filter(pk=project.proposal.pk).update(state="approved")
    FundingFactory(project=project)
    services.project_transition(project=project, name="advance_to_initiating", by=manager)
    return Project.objects.get(pk=project.pk)


def test_the_heat_map_counts_open_register_risks_of_active_projects_only(
    initiating, manager, sponsor, pmo
):
    closed = add_risk(initiating, manager, likelihood=5, impact=5)
    raid.raid_item_close(item=closed, by=manager)
    add_risk(initiating, manager, title="Budget cut", likelihood=2, impact=2)
    held = _initiated(manager, sponsor, 1, 1)
    services.project_transition(project=held, name="hold", by=sponsor, comment="Freeze")
    ProjectFactory(manager=manager, sponsor=sponsor.sponsor_profile)  # Identifying: a case's risk

    assert risk_counts(Project.objects.all()) == {(3, 4): 1, (2, 2): 1}
    panel = page(pmo, "portfolio-heat-map")
    assert "Open risks in the RAID registers of active projects" in panel
    assert "number of open risks of the register" in panel


def test_the_heat_map_costs_the_same_for_few_or_many_projects(manager, sponsor, pmo):
    client = client_for(pmo)

    def queries() -> int:
        client.get(reverse("projects:portfolio-heat-map"))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("projects:portfolio-heat-map")).status_code == 200
        return len(captured)

    _initiated(manager, sponsor, 2, 3)
    few = queries()
    for n in range(4):
        _initiated(manager, sponsor, n + 1, 5 - n)
    assert queries() == few


# -- An overdue review ---------------------------------------------------------------------------


def test_an_overdue_review_waits_for_its_owner_until_reviewed(initiating, manager, member, sponsor):
    item = add_risk(initiating, manager, owner=member)
    RaidItem.objects.filter(pk=item.pk).update(review_date=TODAY() - timedelta(days=3))
    assert "raid_review" in kinds(member)
    assert "raid_review" not in kinds(manager) + kinds(sponsor)
    inbox = page(member, "inbox")
    assert "Review the risk “Data migration overruns”" in inbox and "Alex Moreno" in inbox
    assert "Overdue" in page(manager, "raid", initiating.pk)

    raid.raid_item_review(
        item=item,
        by=member,
        response="Checked with the supplier",
        likelihood=3,
        impact=5,
        review_date=TODAY() + timedelta(days=14),
    )
    assert "raid_review" not in kinds(member)


def test_a_review_must_set_the_next_review_date(initiating, manager, member):
    item = add_risk(initiating, manager, owner=member)
    RaidItem.objects.filter(pk=item.pk).update(review_date=TODAY() - timedelta(days=3))
    response = client_for(member).post(
        reverse("projects:raid-review", args=[initiating.pk, item.pk]),
        {"response": "", "likelihood": "3", "impact": "5", "review_date": ""},
    )
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert "raid_review" in kinds(member)


# -- Status reports ------------------------------------------------------------------------------


def test_a_status_report_keeps_the_five_highest_scoring_open_risks(delivering, manager, member):
    for n, (likelihood, impact) in enumerate([(1, 1), (5, 5), (2, 3), (4, 4), (3, 3), (2, 2)]):
        add_risk(delivering, manager, title=f"Risk {n}", likelihood=likelihood, impact=impact)
    closed = add_risk(delivering, manager, title="Closed risk", likelihood=5, impact=4)
    raid.raid_item_close(item=closed, by=manager)
    add_risk(delivering, manager, title="An issue", kind=RaidKind.ISSUE, likelihood=5, impact=5)

    report = report_status(delivering, manager)
    assert [(r["title"], r["score"]) for r in report.top_risks] == [
        ("Risk 1", 25),
        ("Risk 3", 16),
        ("Supplier delivers late", 12),  # from the business case
        ("Risk 4", 9),
        ("Risk 2", 6),
    ]
    assert report.top_risks[0]["owner"] == "Alex Moreno"
    status = page(member, "status", delivering.pk)
    assert "Top risks" in status and "Risk 1" in status and "Closed risk" not in status
