"""Test data. Records start in a given state directly; the state changes under test go
through the services."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import F

from projects.models import Category, Funding, Project, Proposal, Risk, Sponsor


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("demo-pass-2026")

    @factory.post_generation
    def groups(self, create: bool, names: list[str] | None, **kwargs: object) -> None:
        for name in names or []:
            self.groups.add(Group.objects.get(name=name))


class SponsorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sponsor

    user = factory.SubFactory(UserFactory, groups=["Sponsors"])
    title = "Sponsor"
    business_unit = "IT"
    approval_limit = Decimal("250000")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Project {n}")
    category = Category.SOFTWARE
    manager = factory.SubFactory(UserFactory, groups=["Project managers"])
    sponsor = factory.SubFactory(SponsorFactory)
    proposal = factory.RelatedFactory("tests.factories.ProposalFactory", "project")


class ProposalFactory(factory.django.DjangoModelFactory):
    """A complete business case: everything submission asks for, with one risk."""

    class Meta:
        model = Proposal
        skip_postgeneration_save = True

    project = factory.SubFactory(ProjectFactory, proposal=None)
    goal = "Attract 1,000 visitors per day over the next three months."
    need = "Traffic has stalled."
    description = "Redesign the portal."
    estimated_cost = Decimal("120000")
    start_date = factory.LazyFunction(lambda: date.today() + timedelta(days=30))
    end_date = factory.LazyFunction(lambda: date.today() + timedelta(days=200))
    benefits = "Fewer support calls."
    risk = factory.RelatedFactory("tests.factories.RiskFactory", "proposal")


class RiskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Risk

    proposal = factory.SubFactory(ProposalFactory, risk=None)
    description = "Supplier delivers late"
    likelihood = 3
    impact = 4
    mitigation = "Penalty clause."


class FundingFactory(factory.django.DjangoModelFactory):
    """Approved funding as `funding_record` leaves it: the row, and the project's total."""

    class Meta:
        model = Funding
        skip_postgeneration_save = True

    project = factory.SubFactory(ProjectFactory)
    amount = Decimal("120000")
    source = "CC-1000 IT"
    state = "approved"
    approved_by = factory.LazyAttribute(lambda funding: funding.project.sponsor.user)
    recorded_by = factory.LazyAttribute(lambda funding: funding.project.sponsor.user)

    @factory.post_generation
    def running_total(self, create: bool, extracted: object, **kwargs: object) -> None:
        if self.state != "approved":
            return  # a proposed or rejected funding counts nothing
        Project.objects.filter(pk=self.project_id).update(funded=F("funded") + self.amount)
        self.project.funded += self.amount  # the instance handed in, as the service keeps it
