"""`seed_demo` builds the demo through the services, once."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from lifecycle.models import AuditEntry
from lifecycle.stages import Stage
from projects.models import Category, Project, Proposal, ProposalState

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        sorted(get_user_model().objects.values_list("username", flat=True)),
        sorted(Project.objects.values_list("title", "stage")),
        sorted(Proposal.objects.values_list("state", "revision")),
        AuditEntry.objects.count(),
    )


def test_seed_demo_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    first = snapshot()

    call_command("seed_demo")

    assert snapshot() == first


def test_seed_demo_covers_the_demo_story(settings):
    settings.DEBUG = True
    call_command("seed_demo")

    users = {user.username: user for user in get_user_model().objects.all()}
    assert users["sponsor"].get_full_name() == "Dana Whitfield"
    assert users["sponsor"].sponsor_profile.approval_limit == 250000
    assert users["sponsor2"].sponsor_profile.approval_limit == 50000
    assert users["manager"].check_password("demo-pass-2026")
    assert Project.objects.count() >= 12
    assert set(Proposal.objects.values_list("state", flat=True)) == set(ProposalState.values)
    assert set(Project.objects.values_list("category", flat=True)) >= set(Category.values) - {
        "other"
    }
    assert (
        Proposal.objects.filter(
            state=ProposalState.SUBMITTED, project__sponsor__user__username="sponsor"
        ).count()
        >= 2
    )
    assert Project.objects.filter(stage=Stage.INITIATING).exists()
    assert Project.objects.filter(stage=Stage.CANCELLED).count() == 2


def test_seed_demo_refuses_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")


def test_the_demo_has_a_discussion_with_evidence(settings, tmp_path):
    settings.DEBUG = True
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("seed_demo")

    from projects.models import Attachment, Comment
    from projects.selectors.inbox import needs_action

    portal = Project.objects.get(title="Customer portal redesign")
    [quote] = Attachment.objects.filter(project=portal)
    assert (quote.name, quote.mime_type) == ("vendor-quote.pdf", "application/pdf")
    assert Comment.objects.filter(project=portal).count() == 2
    dana = get_user_model().objects.get(username="sponsor")
    assert any(item.wait.key == "mention" for item in needs_action(dana).items)


def test_seed_demo_tells_the_money_and_change_story(settings):
    """Issue 18's demo: ERP reporting upgrade is over its cost tolerance with an open exception
    in its sponsor's inbox, one approved change request that made baseline 2, and a register
    with open, closed and overdue items."""
    from datetime import date

    from projects.selectors.inbox import needs_action

    settings.DEBUG = True
    call_command("seed_demo")

    erp = Project.objects.get(title="ERP reporting upgrade")
    assert erp.actual_cost == sum(a.amount for a in erp.actuals.all()) > 0
    assert erp.forecast_cost > erp.baseline_budget * (1 + erp.plan.cost_tolerance_pct / 100)
    assert list(erp.exceptions.values_list("kind", "state")) == [("cost", "open")]
    assert list(erp.change_requests.values_list("state", flat=True)) == ["approved"]
    assert sorted(erp.baselines.values_list("number", flat=True)) == [1, 2]
    assert erp.change_requests.get().baseline.number == 2
    statuses = set(erp.raid_items.values_list("kind", "status"))
    assert {("decision", "closed"), ("issue", "open"), ("risk", "open")} <= statuses
    assert erp.raid_items.filter(review_date__lt=date.today(), status="open").exists()
    sponsor = erp.sponsor.user
    inbox = needs_action(sponsor)
    assert any(
        item.wait.key == "exception" and item.record.project_id == erp.pk for item in inbox.items
    )
