"""Demo accounts and a dozen projects, built through the same services the pages use, so
the demo has a real history. Idempotent: what exists already is left alone.

Never for production: refuses to run with DEBUG off unless --force is given.
"""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from projects import services
from projects.formats import person
from projects.models import Charter, Delegation, Membership, Plan, Project, Risk, Sponsor
from projects.roles import MANAGERS_GROUP, PMO_GROUP, SPONSORS_GROUP, VIEWERS_GROUP, ensure_groups
from projects.services import change, costs, definition, delivery, discussion, evidence, raid
from projects.services import delegations as deputies

User = get_user_model()
PASSWORD = "demo-pass-2026"
Step = Callable[[Project], object]

PEOPLE = [
    # username, first, last, group
    ("pmo", "Morgan", "Ellis", PMO_GROUP),
    ("sponsor", "Dana", "Whitfield", SPONSORS_GROUP),
    ("sponsor2", "Lee", "Park", SPONSORS_GROUP),
    ("manager", "Alex", "Moreno", MANAGERS_GROUP),
    ("manager2", "Priya", "Nair", MANAGERS_GROUP),
    ("viewer", "Chris", "Olsen", VIEWERS_GROUP),
]
SPONSORS = {
    "sponsor": ("CIO", "Information Technology", Decimal("250000")),
    "sponsor2": ("Head of Infrastructure", "Infrastructure", Decimal("50000")),
}
# Each project: who writes it, who sponsors it, how far its business case has come, and over
# which days: its story starts `days[0]` days ago and its last step — what waits now — happens
# `days[1]` days ago, so the demo shows ages, reminders and an overdue item at once.
PROJECTS: list[dict[str, Any]] = [
    {
        "title": "Customer portal redesign",
        "days": (9, 4),
        "category": "software",
        "manager": "manager",
        "sponsor": "sponsor",
        "cost": "180000",
        "goal": "Attract 1,000 visitors per day to the customer portal over the next three months.",
        "need": "Self-service traffic has stalled; support calls cost more every quarter.",
        "benefits": "Fewer support calls; more self-service renewals.",
        "risks": [
            ("Content migration takes longer than planned", 3, 3, "Migrate in two waves."),
            ("Single sign-on integration fails security review", 2, 4, "Early review slot."),
        ],
        "until": "submitted",
        "members": ["viewer"],
        # Before submitting, the manager attaches the vendor's quote and asks the sponsor;
        # a stakeholder asks the manager something in the same thread.
        "talk": {
            "file": ("vendor-quote.pdf", "Vendor quote: customer portal redesign, EUR 176,400"),
            "comments": [
                ("manager", "@sponsor the vendor's quote is attached: EUR 176,400 fixed price."),
                ("viewer", "@manager will the new portal keep our single sign-on?"),
            ],
        },
    },
    {
        "title": "Premium plan conversion analytics",
        "days": (4, 1),
        "category": "analytics",
        "manager": "manager2",
        "sponsor": "sponsor",
        "cost": "65000",
        "goal": "Get 40% of free-trial customers to upgrade to premium plans in one month.",
        "need": "We cannot see where trial customers drop out before upgrading.",
        "benefits": "Higher conversion from trial to premium.",
        "risks": [("Tracking consent lowers data coverage", 3, 2, "Aggregate reporting.")],
        "until": "submitted",
    },
    {
        "title": "Data centre core switch replacement",
        "days": (16, 9),
        "category": "network",
        "manager": "manager",
        "sponsor": "sponsor2",
        "cost": "45000",
        "goal": "Replace the end-of-life core switches without unplanned downtime.",
        "need": "Vendor support for the current switches ends in March.",
        "benefits": "Supported hardware; 10 Gb uplinks.",
        "risks": [("Cut-over outage overruns the window", 2, 5, "Rehearse in the lab.")],
        "until": "submitted",
    },
    {
        "title": "Laptop fleet refresh",
        "days": (2, 2),
        "category": "hardware",
        "manager": "manager2",
        "sponsor": "sponsor2",
        "cost": "48000",
        "goal": "Replace 120 laptops older than five years.",
        "need": "",
        "benefits": "",
        "risks": [],
        "until": "draft",
    },
    {
        "title": "Warehouse Wi-Fi upgrade",
        "days": (40, 5),
        "category": "network",
        "manager": "manager",
        "sponsor": "sponsor",
        "cost": "95000",
        "goal": "Full Wi-Fi coverage for handheld scanners in both warehouses.",
        "need": "Scanners drop connection in the high-bay aisles, slowing picking.",
        "benefits": "Picking without dead zones; fewer mis-picks.",
        "risks": [
            ("Access points interfere with racking sensors", 2, 3, "Site survey first."),
            ("Delivery of access points slips", 3, 2, "Order early."),
        ],
        "until": "charter_submitted",
        "funding": ("95000", "CC-4100 Logistics"),
        "members": ["viewer"],
    },
    {
        "title": "Master data clean-up",
        "days": (70, 2),
        "category": "data",
        "manager": "manager2",
        "sponsor": "sponsor",
        "cost": "72000",
        "goal": "Remove duplicate customer and supplier records across ERP and CRM.",
        "need": "Duplicates cause wrong invoices and failed deliveries.",
        "benefits": "Correct invoices; one view of each customer.",
        "risks": [("Business owners unavailable to confirm merges", 4, 3, "Agree time upfront.")],
        "until": "plan_submitted",
        "funding": ("72000", "CC-2300 Finance"),
        "goals": [
            {
                "statement": "Cut duplicate customer records from 4,200 to under 200.",
                "metric": "Duplicate customer records",
                "unit": "records",
                "direction": "decrease",
                "baseline": Decimal("4200"),
                "target": Decimal("200"),
                "started_days_ago": 15,
                "due_in_days": 150,
                "readings": [(10, "4100"), (3, "3900")],
            }
        ],
    },
    {
        "title": "Sales forecasting dashboard",
        "days": (12, 3),
        "category": "analytics",
        "manager": "manager",
        "sponsor": "sponsor",
        "cost": "38000",
        "goal": "Weekly sales forecast per region, visible to every sales lead.",
        "need": "Forecasts live in spreadsheets and disagree.",
        "benefits": "One forecast; earlier stock decisions.",
        "risks": [("CRM data quality too low for forecasting", 3, 3, "Data quality check.")],
        "until": "approved",
    },
    {
        "title": "Legacy CRM migration",
        "days": (15, 6),
        "category": "software",
        "manager": "manager2",
        "sponsor": "sponsor",
        "cost": "240000",
        "goal": "Move all accounts and history from the legacy CRM to the group CRM.",
        "need": "The legacy CRM runs on an unsupported database.",
        "benefits": "One CRM; licence savings of 60,000 a year.",
        "risks": [("Custom fields have no equivalent", 4, 3, "Field mapping workshop.")],
        "until": "changes_requested",
    },
    {
        "title": "Branch office VPN",
        "days": (30, 20),
        "category": "network",
        "manager": "manager",
        "sponsor": "sponsor2",
        "cost": "30000",
        "goal": "Site-to-site VPN for the three branch offices.",
        "need": "Branches use consumer routers with shared passwords.",
        "benefits": "Secure branch access.",
        "risks": [("Branch lines too slow for VPN overhead", 3, 3, "Line upgrade quote.")],
        "until": "rejected",
    },
    {
        "title": "Document archive digitisation",
        "days": (35, 25),
        "category": "data",
        "manager": "manager2",
        "sponsor": "sponsor",
        "cost": "55000",
        "goal": "Scan and index 40 years of contracts.",
        "need": "Paper archive lease ends next year.",
        "benefits": "Searchable contracts; archive space freed.",
        "risks": [("Scanning vendor misses deadline", 2, 3, "Penalty clause.")],
        "until": "withdrawn",
    },
    {
        "title": "HR self-service app",
        "days": (12, 12),
        "category": "software",
        "manager": "manager",
        "sponsor": "sponsor",
        "cost": "",
        "goal": "Employees book leave and update details themselves.",
        "need": "",
        "benefits": "",
        "risks": [],
        "until": "draft",
    },
    {
        "title": "Online store relaunch",
        "days": (60, 1),
        "category": "software",
        "manager": "manager",
        "sponsor": "sponsor",
        "cost": "210000",
        "goal": "Relaunch the online store to grow visits and premium upgrades.",
        "need": "The current store is slow on mobile and converts poorly.",
        "benefits": "More visitors, more premium customers.",
        "risks": [
            ("Search ranking drops after the relaunch", 3, 4, "Redirect map and monitoring."),
            ("Payment provider migration slips", 2, 4, "Keep the old provider as fallback."),
        ],
        "until": "defining_with_goals",
        "funding": ("210000", "CC-5200 E-commerce"),
        "goals": [
            {
                "statement": "Attract 1,000 visitors per day to the site "
                "over the next three months.",
                "metric": "Visitors per day",
                "unit": "visitors",
                "direction": "increase",
                "baseline": Decimal("250"),
                "target": Decimal("1000"),
                "started_days_ago": 30,
                "due_in_days": 60,
                "readings": [(28, "310"), (21, "380"), (14, "450"), (7, "520"), (1, "575")],
            },
            {
                "statement": "Get 40% of free-trial customers to upgrade to premium plans "
                "in one month.",
                "metric": "Free-trial customers upgrading to premium",
                "unit": "%",
                "direction": "increase",
                "baseline": Decimal("22"),
                "target": Decimal("40"),
                "started_days_ago": 20,
                "due_in_days": 10,
                "readings": [(18, "23"), (12, "25"), (6, "26"), (1, "27")],
            },
        ],
        "in_scope": [
            "Store front, product pages and checkout",
            "Free-trial to premium upgrade flow",
        ],
        "out_of_scope": ["Warehouse and delivery systems"],
        "requirements": [
            {
                "text": "Pages load in under two seconds on mobile",
                "priority": "must",
                "acceptance_criterion": "Median load under 2 s in the field data.",
            },
            {
                "text": "One-click upgrade from the trial dashboard",
                "priority": "should",
                "acceptance_criterion": "Upgrade in one click after log-in.",
            },
        ],
        "members": ["viewer"],
    },
    {
        "title": "ERP reporting upgrade",
        "days": (120, 3),
        "category": "data",
        "manager": "manager2",
        "sponsor": "sponsor",
        "cost": "130000",
        "goal": "Month-end reports from the ERP in hours, not days.",
        "need": "Finance waits four days for month-end figures.",
        "benefits": "Faster close; fewer spreadsheet errors.",
        "risks": [("Report definitions disputed between teams", 3, 3, "One owner per report.")],
        "until": "delivering",
        "funding": ("130000", "CC-2300 Finance"),
        "money_and_change": True,
        "goals": [
            {
                "statement": "Produce month-end reports in one day instead of four.",
                "metric": "Working days to month-end reports",
                "unit": "days",
                "direction": "decrease",
                "baseline": Decimal("4"),
                "target": Decimal("1"),
                "started_days_ago": 20,
                "due_in_days": 150,
                "reading_every_days": 14,
                "readings": [(18, "4"), (4, "3.5")],
            }
        ],
    },
    {
        "title": "Service desk telephony",
        "days": (150, 30),
        "category": "network",
        "manager": "manager",
        "sponsor": "sponsor",
        "cost": "48000",
        "goal": "Move the service desk to cloud telephony.",
        "need": "The PBX is out of support.",
        "benefits": "Call routing and statistics; no hardware to run.",
        "risks": [("Number porting delayed by the carrier", 3, 3, "Port early, keep old lines.")],
        "until": "closed",
        "funding": ("48000", "CC-1100 Facilities"),
        "goals": [
            {
                "statement": "Answer 90% of service desk calls within 60 seconds.",
                "metric": "Calls answered within 60 seconds",
                "unit": "%",
                "direction": "increase",
                "baseline": Decimal("70"),
                "target": Decimal("90"),
                "started_days_ago": 90,
                "due_in_days": 1,
                "readings": [(60, "74"), (30, "85"), (2, "91")],
            }
        ],
    },
    {
        "title": "Campus network refresh",
        "days": (6, 2),
        "category": "network",
        "manager": "manager",
        "sponsor": "sponsor2",
        "cost": "120000",
        "goal": "Replace the access switches in all four campus buildings.",
        "need": "Half of the switches are past end of support.",
        "benefits": "Supported hardware; PoE for the new phones.",
        "risks": [("Outages during the school term", 2, 4, "Work in the holidays.")],
        "until": "submitted",
    },
    {
        "title": "Branch firewall replacement",
        "days": (10, 5),
        "category": "network",
        "manager": "manager2",
        "sponsor": "sponsor2",
        "cost": "85000",
        "goal": "Next-generation firewalls in the twelve branches.",
        "need": "The branch firewalls lose vendor support in June.",
        "benefits": "Supported, centrally managed firewalls.",
        "risks": [("Rule migration breaks branch applications", 3, 4, "Pilot in two branches.")],
        "until": "escalated",
    },
    {
        "title": "Intranet search upgrade",
        "days": (14, 3),
        "category": "software",
        "manager": "manager",
        "sponsor": "sponsor",
        "cost": "60000",
        "goal": "Employees find policies and forms in one search.",
        "need": "Search returns outdated documents first.",
        "benefits": "Less time lost searching.",
        "risks": [("Content owners do not tag documents", 3, 3, "Tagging campaign.")],
        "until": "resubmitted",
    },
    {
        "title": "Server room UPS upgrade",
        "days": (45, 14),
        "category": "hardware",
        "manager": "manager2",
        "sponsor": "sponsor2",
        "cost": "42000",
        "goal": "Thirty minutes of battery for the whole server room.",
        "need": "The current UPS covers eight minutes and fails its self-test.",
        "benefits": "Clean shutdown on power loss.",
        "risks": [("Floor load limit exceeded", 2, 4, "Structural check.")],
        "until": "on_hold",
        "funding": ("42000", "CC-1100 Facilities"),
    },
]


# A project reaching Defining without goals of its own gets this one.
DEFAULT_GOALS = [
    {
        "statement": "Deliver the business case's goal by the due date.",
        "metric": "Milestones reached",
        "unit": "milestones",
        "direction": "increase",
        "baseline": Decimal("0"),
        "target": Decimal("3"),
        "started_days_ago": 10,
        "due_in_days": 170,
        "readings": [(2, "1")],
    }
]


class Command(BaseCommand):
    help = "Create the demo accounts (password demo-pass-2026) and a dozen demo projects."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (not for production)."
        )

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates demo accounts: run it with DEBUG=1 or --force.")
        with transaction.atomic():
            users = self._people()
            created = [self._project(spec, users) for spec in PROJECTS]
            self._delegation(users)
        made = sum(1 for project in created if project)
        self.stdout.write(f"Demo data ready: {made} new projects, {len(PROJECTS) - made} kept.")

    def _people(self) -> dict[str, Any]:
        ensure_groups()
        users = {}
        for username, first, last, group in PEOPLE:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{first}.{last}@example.com".lower(),
                    "is_staff": group == PMO_GROUP,
                },
            )
            if created:
                user.set_password(PASSWORD)
                user.save()
                user.groups.add(Group.objects.get(name=group))
            if username in SPONSORS:
                title, unit, limit = SPONSORS[username]
                Sponsor.objects.get_or_create(
                    user=user,
                    defaults={"title": title, "business_unit": unit, "approval_limit": limit},
                )
            users[username] = User.objects.get(pk=user.pk)  # fresh: no stale permission cache
        return users

    def _project(self, spec: dict[str, Any], users: dict[str, Any]) -> Project | None:
        """Play the project's story through the services with the clock set back: it starts
        `days[0]` days ago and its last step happens `days[1]` days ago, the steps between
        spread evenly — so its history, and what waits now, carry real ages."""
        if Project.objects.filter(title=spec["title"]).exists():
            return None
        manager, sponsor_user = users[spec["manager"]], users[spec["sponsor"]]
        steps = self._story(spec, manager, sponsor_user, users["pmo"])
        if "talk" in spec:
            steps.insert(0, lambda project: self._talk(project, spec["talk"], users))
        started, waiting = spec["days"]
        now = timezone.now()
        start, end = now - timedelta(days=started), now - timedelta(days=waiting)
        gap = (end - start) / max(len(steps), 1)
        with time_machine.travel(start, tick=False) as clock:
            project = self._create(spec, users)
            for number, step in enumerate(steps, start=1):
                clock.move_to(start + gap * number)
                step(Project.objects.select_related("proposal").get(pk=project.pk))
        return project

    def _talk(self, project: Project, talk: dict[str, Any], users: dict[str, Any]) -> None:
        """Evidence and a discussion on the business case, through the services."""
        name, text = talk["file"]
        quote = SimpleUploadedFile(name, quote_pdf(text), content_type="application/pdf")
        evidence.attachment_add(record=project.proposal, by=project.manager, upload=quote)
        for username, body in talk["comments"]:
            discussion.comment_add(record=project.proposal, by=users[username], body=body)

    def _create(self, spec: dict[str, Any], users: dict[str, Any]) -> Project:
        manager, sponsor_user = users[spec["manager"]], users[spec["sponsor"]]
        today = timezone.localdate()
        project = services.business_case_create(
            by=manager,
            title=spec["title"],
            category=spec["category"],
            sponsor=Sponsor.objects.get(user=sponsor_user),
            risks=[dict(zip(Risk.FIELDS, risk, strict=True)) for risk in spec["risks"]],
            goal=spec["goal"],
            need=spec["need"],
            description="",
            estimated_cost=Decimal(spec["cost"]) if spec["cost"] else None,
            start_date=today + timedelta(days=30),
            end_date=today + timedelta(days=210),
            benefits=spec["benefits"],
        )
        for username in spec.get("members", []):
            Membership.objects.create(project=project, user=users[username])
        return project

    def _story(self, spec: dict, manager: Any, sponsor: Any, pmo: Any) -> list[Step]:
        """The steps that bring a new business case to where `spec["until"]` says, in order."""
        until = spec["until"]

        def submit(project: Project) -> None:
            services.proposal_submit(proposal=project.proposal, by=manager)

        def request_changes(comment: str) -> Step:
            return lambda project: services.proposal_request_changes(
                proposal=project.proposal, by=sponsor, comment=comment
            )

        if until == "draft":
            return []
        if until == "submitted":
            return [submit]
        if until == "escalated":
            return [
                submit,
                lambda project: services.proposal_approve(
                    proposal=project.proposal, by=sponsor, comment="Endorsed: needed this year."
                ),
            ]
        if until == "resubmitted":
            return [
                submit,
                request_changes("Please cost the licence for three years, not one."),
                lambda project: self._revise(project, manager),
                submit,
            ]
        if until == "withdrawn":
            return [
                submit,
                request_changes("Compare with a cloud archive."),
                lambda project: services.proposal_withdraw(
                    proposal=project.proposal, by=manager, comment="The lease was extended."
                ),
            ]
        if until == "rejected":
            return [
                submit,
                lambda project: services.proposal_reject(
                    proposal=project.proposal,
                    by=sponsor,
                    comment="Covered by the group network programme next year.",
                ),
            ]
        if until == "changes_requested":
            return [
                submit,
                request_changes(
                    "Please add the licence savings per year and a data-migration risk."
                ),
            ]
        steps: list[Step] = [
            submit,
            lambda project: services.proposal_approve(
                proposal=project.proposal, by=sponsor, comment="Go ahead."
            ),
        ]
        if "funding" in spec:
            amount, source = spec["funding"]
            steps.append(
                lambda project: services.funding_record(
                    project=project,
                    by=sponsor,
                    amount=Decimal(amount),
                    source=source,
                    approved_on=timezone.localdate(),
                )
            )
        if until == "approved":
            return steps
        steps.append(self._transition("advance_to_initiating", manager))
        if until == "on_hold":
            steps.append(
                self._transition("hold", pmo, comment="Waiting for the structural survey.")
            )
            return steps
        steps += [
            lambda project: self._charter(project, manager),
            lambda project: services.charter_submit(charter=project.charter, by=manager),
        ]
        if until == "charter_submitted":
            return steps
        steps += [
            lambda project: services.charter_sign(
                charter=project.charter, by=sponsor, comment="Signed."
            ),
            self._transition("advance_to_defining", sponsor),
            lambda project: self._definition(project, manager, spec),
        ]
        if until == "defining_with_goals":
            return steps
        steps += [
            self._transition("advance_to_planning", manager),
            lambda project: self._plan(project, manager),
        ]
        if until == "plan_submitted":
            return steps
        steps += [
            lambda project: delivery.plan_approve(
                plan=Plan.objects.get(project=project), by=sponsor, comment="Approved."
            ),
            self._transition("advance_to_delivering", sponsor),
            lambda project: self._deliver(project, manager, sponsor, accept_all=until == "closed"),
        ]
        if spec.get("money_and_change"):
            steps.append(lambda project: self._money_and_change(project, manager, sponsor))
        if until == "delivering":
            return steps
        return [
            *steps,
            self._transition("advance_to_closing", sponsor),
            lambda project: self._close(project, manager),
            self._transition("advance_to_closed", manager),
        ]

    def _transition(self, name: str, by: Any, comment: str = "") -> Step:
        return lambda project: services.project_transition(
            project=project, name=name, by=by, comment=comment
        )

    def _revise(self, project: Project, manager: Any) -> None:
        """The manager answers a request for changes: a risk added, the cost and benefits
        restated."""
        services.business_case_update(
            proposal=project.proposal,
            by=manager,
            risks=[
                {"id": risk.pk} | {name: getattr(risk, name) for name in Risk.FIELDS}
                for risk in project.proposal.risks.all()
            ]
            + [
                {
                    "description": "Licence price rises after year one",
                    "likelihood": 2,
                    "impact": 3,
                    "mitigation": "Three-year price lock in the contract.",
                }
            ],
            estimated_cost=Decimal("78000"),
            benefits="Less time lost searching; one licence for three years.",
        )

    def _delegation(self, users: dict[str, Any]) -> None:
        """Dana Whitfield is on leave: Lee Park decides for her, from two days ago for two
        weeks (once: a delegation of hers that exists already is kept)."""
        dana, lee = users["sponsor"], users["sponsor2"]
        if Delegation.objects.filter(sponsor_id=dana.pk).exists():
            return
        with time_machine.travel(timezone.now() - timedelta(days=2), tick=False):
            today = timezone.localdate()
            deputies.delegation_create(
                sponsor=dana.sponsor_profile,
                deputy=lee,
                starts_on=today,
                ends_on=today + timedelta(days=14),
                note="Annual leave",
                by=dana,
            )

    def _charter(self, project: Project, manager: Any) -> Charter:
        """A charter filled out the way a manager would, starting from the business case."""
        charter = project.charter
        start = project.proposal.start_date
        day = timedelta(days=1)
        services.charter_update(
            charter=charter,
            by=manager,
            version=charter.version,
            purpose=charter.purpose,
            justification=charter.justification,
            objectives="Deliver the goal of the business case on time and within the funding.",
            budget_notes="Funded in full; contingency held by the sponsor.",
            lists={
                "stakeholders": [
                    {
                        "name": "Dana Whitfield",
                        "role": "Sponsor",
                        "organisation": "IT",
                        "email": "dana.whitfield@example.com",
                        "influence": "high",
                        "interest": "high",
                    },
                    {
                        "name": "Sam Reed",
                        "role": "Operations lead",
                        "organisation": "Logistics",
                        "email": "sam.reed@example.com",
                        "influence": "medium",
                        "interest": "high",
                    },
                    {
                        "name": "Chris Olsen",
                        "role": "Key user",
                        "organisation": "Warehouse",
                        "email": "chris.olsen@example.com",
                        "influence": "low",
                        "interest": "high",
                    },
                ],
                "milestones": [
                    {"name": "Design approved", "due_date": start + 30 * day},
                    {"name": "Pilot live", "due_date": start + 90 * day},
                    {"name": "Rollout complete", "due_date": start + 170 * day},
                ],
                "deliverables": [
                    {"name": "Solution design", "description": "Signed off by operations."},
                    {"name": "Working installation", "description": "In both sites."},
                    {"name": "Handover pack", "description": "Runbooks and training."},
                ],
                "assumption": [{"text": "Sites are available for work at weekends."}],
                "constraint": [{"text": "No downtime during the peak season."}],
                "strength": [{"text": "Experienced in-house network team."}],
                "weakness": [{"text": "Single supplier for the main hardware."}],
                "tasks": [
                    {
                        "name": "Site survey",
                        "owner": "Alex Moreno",
                        "start_date": start,
                        "end_date": start + 20 * day,
                    },
                    {
                        "name": "Procurement",
                        "owner": "Priya Nair",
                        "start_date": start + 10 * day,
                        "end_date": start + 60 * day,
                    },
                ],
            },
        )
        return Charter.objects.get(pk=charter.pk)

    def _definition(self, project: Project, manager: Any, spec: dict[str, Any]) -> None:
        """Goals measured along the way (the seed article's two on the online store), and a
        scope."""
        today = timezone.localdate()
        for goal_spec in spec.get("goals", DEFAULT_GOALS):
            fields = dict(goal_spec)
            readings = fields.pop("readings")
            started, due_in = fields.pop("started_days_ago"), fields.pop("due_in_days")
            goal = definition.goal_save(
                project=project,
                by=manager,
                start_date=today - timedelta(days=started),
                due_date=today + timedelta(days=due_in),
                owner=person(project.manager),
                **fields,
            )
            for days_ago, value in readings:
                definition.measurement_add(
                    goal=goal,
                    by=manager,
                    date=today - timedelta(days=days_ago),
                    value=Decimal(value),
                )
        definition.scope_update(
            project=project,
            by=manager,
            lists={
                "in_scope": [{"text": text} for text in spec.get("in_scope", [project.title])],
                "out_of_scope": [{"text": text} for text in spec.get("out_of_scope", [])],
                "requirements": spec.get(
                    "requirements",
                    [
                        {
                            "text": project.proposal.goal[:300],
                            "priority": "must",
                            "acceptance_criterion": "Confirmed by the sponsor at acceptance.",
                        }
                    ],
                ),
            },
        )

    def _plan(self, project: Project, manager: Any) -> None:
        """Refine the plan from the charter: owners, dates, a dependency, a budget; submit it."""
        plan = Plan.objects.get(project=project)
        start = timezone.localdate() - timedelta(days=20)
        day = timedelta(days=1)
        tasks = list(plan.tasks.all())
        rows = [
            {"id": task.pk, "name": task.name, "owner": task.owner or "Alex Moreno"}
            | {"start_date": start + 25 * n * day, "end_date": start + (25 * n + 20) * day}
            | {"depends_on": tasks[n - 1] if n else None}
            for n, task in enumerate(tasks)
        ]
        milestones = [
            {"id": m.pk, "name": m.name, "due_date": start + (30 + 30 * n) * day}
            for n, m in enumerate(plan.milestones.all())
        ]
        funded = Project.objects.get(pk=project.pk).funded
        budget = [
            {"category": "staff", "description": "Project team", "amount": funded * Decimal("0.6")},
            {
                "category": "contractors",
                "description": "Implementation partner",
                "amount": funded * Decimal("0.3"),
            },
            {"category": "contingency", "description": "", "amount": funded * Decimal("0.1")},
        ]
        delivery.plan_update(
            plan=plan,
            by=manager,
            version=plan.version,
            lists={"tasks": rows, "milestones": milestones, "budget_lines": budget},
        )
        delivery.plan_submit(plan=plan, by=manager)

    def _deliver(self, project: Project, manager: Any, sponsor: Any, *, accept_all: bool) -> None:
        """Two status reports; every deliverable delivered, the first (or all) accepted, the
        last (unless all are accepted) sent back with a reason."""
        today = timezone.localdate()
        for days_ago, rag, summary in (
            (14, ("green", "green", "green"), "Build started on plan."),
            (1, ("amber", "green", "green"), "Test data late by a week; go-live date holds."),
        ):
            delivery.status_report_add(
                project=project,
                by=manager,
                date=today - timedelta(days=days_ago),
                schedule=rag[0],
                budget=rag[1],
                scope=rag[2],
                summary=summary,
                next_steps="User acceptance tests with finance.",
            )
        deliverables = list(project.deliverables.all())
        for n, deliverable in enumerate(deliverables):
            delivery.deliverable_deliver(deliverable=deliverable, by=manager)
            if accept_all or n == 0:
                delivery.deliverable_accept(
                    deliverable=deliverable, by=sponsor, comment="Accepted."
                )
            elif n == len(deliverables) - 1:
                delivery.deliverable_send_back(
                    deliverable=deliverable,
                    by=sponsor,
                    comment="The runbooks for the month-end jobs are missing.",
                )

    def _money_and_change(self, project: Project, manager: Any, sponsor: Any) -> None:
        """Issue 18's story: actual costs booked, a change request approved (baseline 2 and its
        diff), then actuals and forecasts beyond the cost tolerance — an open exception waiting
        for the sponsor; a register with open and closed items, one review overdue."""
        today = timezone.localdate()
        lines = {line.category: line for line in project.plan.budget_lines.all()}
        staff, partner = lines["staff"], lines["contractors"]

        def book(line: Any, days_ago: int, amount: str, reference: str, note: str = "") -> None:
            costs.actual_record(
                project=project,
                by=manager,
                budget_line=line,
                date=today - timedelta(days=days_ago),
                amount=Decimal(amount),
                reference=reference,
                note=note,
            )

        book(staff, 40, "18500.00", "Timesheets September")
        book(partner, 35, "16400.00", "Nordlys Consulting INV-2211", "Report inventory")
        milestone = project.plan.milestones.order_by("due_date", "pk")[1]
        request = change.change_request_raise(
            project=project,
            by=manager,
            title="Add the Nordic entities' consolidation report",
            reason="Finance Norway and Sweden close on the same ERP from January.",
            cost_impact=Decimal("9000"),
            budget_line=partner,
            time_impact_days=10,
            milestone=milestone,
            scope_impact="In scope: the consolidation report for the Nordic entities.",
        )
        change.change_request_approve(change=request, by=sponsor, comment="Needed for January.")
        book(staff, 20, "21000.00", "Timesheets October")
        book(partner, 12, "24800.00", "Nordlys Consulting INV-2298", "Consolidation rework")
        book(staff, 2, "22000.00", "Timesheets November")
        costs.forecast_update(
            project=project,
            by=manager,
            forecasts={staff.pk: Decimal("34000"), partner.pk: Decimal("14000")},
        )
        for kind, title, response, review in (
            ("issue", "The finance data owner is not named yet", "Escalated to the CFO.", 7),
            ("assumption", "The ERP's reporting API stays as documented", "Vendor letter.", 60),
        ):
            raid.raid_item_add(
                project=project,
                by=manager,
                kind=kind,
                title=title,
                response=response,
                owner=manager,
                review_date=today + timedelta(days=review),
            )
        self._overdue_risk(project, manager)
        decision = raid.raid_item_add(
            project=project,
            by=manager,
            kind="decision",
            title="Finance controlling owns every report definition",
            response="Agreed with both teams in the steering group.",
            owner=sponsor,
        )
        raid.raid_item_close(item=decision, by=manager, comment="Recorded in the minutes.")

    def _overdue_risk(self, project: Project, manager: Any) -> None:
        """A risk added a month ago for review in four weeks: its review is overdue now."""
        with time_machine.travel(timezone.now() - timedelta(days=31), tick=False):
            raid.raid_item_add(
                project=project,
                by=manager,
                kind="risk",
                title="The report developer leaves before go-live",
                response="Pair on every report; document as we go.",
                owner=manager,
                likelihood=3,
                impact=4,
                review_date=timezone.localdate() + timedelta(days=28),
            )

    def _close(self, project: Project, manager: Any) -> None:
        report = project.closure
        delivery.closure_update(
            report=report,
            by=manager,
            final_values={
                row.pk: (row.goal.target, "Reached in the last month.")
                for row in report.goals.select_related("goal")
            },
            lessons_learned="Port numbers early; the carrier needs six weeks.",
            handover="The service desk team runs the telephony; the supplier supports it.",
        )


def quote_pdf(text: str) -> bytes:
    """A one-page PDF saying `text`: the demo's evidence opens in any reader."""
    content = f"BT /F1 16 Tf 72 760 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
