"""One way to write dates, times, money and numbers: the functions, and the pages, PDFs and
e-mails that use them — “28 Nov 2026”, “28 Nov 2026, 06:10 UTC”, “EUR 1,000.00”, never ISO."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from pypdf import PdfReader

from lifecycle.models import AuditEntry
from projects import formats, notifications, rendering, services
from projects.models import Proposal
from projects.services.delegations import delegation_create
from tests.conftest import client_for

ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
SIGNED_AT = datetime(2026, 11, 28, 6, 10, 21, tzinfo=UTC)


def test_a_day_reads_day_month_year_from_dates_moments_and_snapshot_text():
    assert formats.day(date(2026, 11, 28)) == "28 Nov 2026"
    assert formats.day("2027-03-01") == "1 Mar 2027"
    assert formats.day(SIGNED_AT) == "28 Nov 2026"
    assert formats.day("2026-11-28T06:10:21+00:00") == "28 Nov 2026"
    assert formats.day(None) == formats.day("") == ""


@pytest.mark.parametrize("language", ["en-gb", "fr", "de"])
def test_a_day_writes_each_month_as_djangos_date_format_does(language):
    """`day` writes the month itself (Django's format machinery cost 13 µs a date): the same
    text as `date_format(value, "j M Y")`, in whatever language is active."""
    with translation.override(language):
        for month in range(1, 13):
            value = date(2027, month, 9)
            assert formats.day(value) == date_format(value, "j M Y")
        assert formats.day(date(999, 1, 5)) == date_format(date(999, 1, 5), "j M Y")


def test_a_moment_names_the_time_zone(settings):
    assert formats.moment(SIGNED_AT) == "28 Nov 2026, 06:10 UTC"
    assert formats.moment("2026-11-28T06:10:21+00:00") == "28 Nov 2026, 06:10 UTC"
    assert formats.moment(None) == ""
    settings.TIME_ZONE = "Europe/Paris"
    timezone.deactivate()
    assert formats.moment(SIGNED_AT) == "28 Nov 2026, 07:10 Europe/Paris"
    assert formats.day(datetime(2026, 11, 28, 23, 30, tzinfo=UTC)) == "29 Nov 2026"


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("1000"), "EUR 1,000.00"),
        ("60000.00", "EUR 60,000.00"),
        (Decimal("1234567.891"), "EUR 1,234,567.89"),
        (Decimal("-250.5"), "EUR -250.50"),
        (Decimal("-1000000"), "EUR -1,000,000.00"),
        (0, "EUR 0.00"),
        (None, "—"),
        ("", "—"),
    ],
)
def test_money_has_its_currency_grouping_and_cents(amount, shown):
    assert formats.money(amount) == shown


def test_money_takes_the_currency_from_settings(settings):
    settings.CURRENCY = "CHF"
    assert formats.money(Decimal("78000")) == "CHF 78,000.00"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1000, "1,000"),
        (Decimal("1000.0000"), "1,000"),
        (Decimal("12.5000"), "12.5"),
        (Decimal("1250.75"), "1,250.75"),
        (Decimal("0.0000"), "0"),
        (Decimal("-3.10"), "-3.1"),
        (12.5, "12.5"),
        ("40.0000", "40"),
        (1234567, "1,234,567"),
        (None, "—"),
    ],
)
def test_numbers_are_grouped_and_lose_trailing_zeros(value, shown):
    assert formats.number(value) == shown


def test_ages_say_how_long_in_words():
    now = timezone.now()
    assert formats.age(now - timedelta(days=3), now) == "3 days"
    assert formats.age(now - timedelta(days=1), now) == "1 day"
    assert formats.age(now - timedelta(hours=5), now) == "5 hours"
    assert formats.age(now - timedelta(days=21), now) == "3 weeks"
    assert formats.age(now - timedelta(days=125), now) == "4 months"


def test_the_template_filters_are_the_same_functions():
    rendered = Template(
        "{% load tollgate %}{{ d|day }}|{{ t|moment }}|{{ m|money }}|{{ n|number }}|{{ s|age }}"
    ).render(
        Context(
            {
                "d": date(2026, 11, 28),
                "t": SIGNED_AT,
                "m": Decimal("1000"),
                "n": Decimal("1000.0000"),
                "s": timezone.now() - timedelta(days=3),
            }
        )
    )
    assert rendered == "28 Nov 2026|28 Nov 2026, 06:10 UTC|EUR 1,000.00|1,000|3 days"


@pytest.fixture
def signed(filled, manager, sponsor):
    """The filled charter, signed by its sponsor at a known moment."""
    services.charter_submit(charter=filled.charter, by=manager)
    with time_machine.travel(SIGNED_AT, tick=False):
        services.charter_sign(charter=filled.charter, by=sponsor)
    return filled


def test_the_signed_charter_page_shows_a_human_date_and_time(signed, manager):
    page = client_for(manager).get(reverse("projects:charter", args=[signed.pk])).content
    revision = client_for(manager).get(reverse("projects:charter-revision", args=[signed.pk, 1]))

    for html in (page.decode(), revision.content.decode()):
        assert "28 Nov 2026, 06:10 UTC" in html
        assert not ISO_MOMENT.search(html)


def test_the_signed_charters_pdf_shows_human_dates_and_grouped_money(
    signed, manager, tmp_path: Path
):
    job = rendering.render_job(services.charter_pdf_request(project=signed, by=manager).pk)
    path = tmp_path / "charter.pdf"
    with job.file.open("rb") as content:
        path.write_bytes(content.read())
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    flat = " ".join(text.split())

    assert "Signed 28 Nov 2026" in flat  # the cover; the signature block says the same day
    assert re.search(r"EUR \d{1,3}(,\d{3})+\.\d{2}", flat)  # funding, grouped
    assert not ISO_MOMENT.search(flat) and not ISO_DAY.search(flat)


def test_what_changed_shows_money_and_dates_as_people_read_them(submitted, sponsor, manager):
    Proposal.objects.filter(pk=submitted.proposal.pk).update(estimated_cost=Decimal("60000"))
    services.proposal_request_changes(
        proposal=Proposal.objects.get(pk=submitted.proposal.pk), by=sponsor, comment="Recost"
    )
    services.business_case_update(
        proposal=Proposal.objects.get(pk=submitted.proposal.pk),
        by=manager,
        risks=[
            {"id": r.pk, "description": r.description, "likelihood": r.likelihood}
            | {"impact": r.impact, "mitigation": r.mitigation}
            for r in submitted.proposal.risks.all()
        ],
        estimated_cost=Decimal("78000"),
        end_date=date(2027, 9, 30),
    )
    services.proposal_submit(proposal=Proposal.objects.get(pk=submitted.proposal.pk), by=manager)

    page = client_for(sponsor).get(submitted.get_absolute_url()).content.decode()
    table = page.split("What changed")[1].split("</table>")[0]

    assert "EUR 60,000.00" in table and "EUR 78,000.00" in table
    assert "30 Sep 2027" in table
    assert "60000.00" not in table and not ISO_DAY.search(table)


def test_an_email_shows_grouped_money(approved, pmo):
    services.funding_record(
        project=approved,
        by=pmo,
        amount=Decimal("125000"),
        source="CC-4100",
        approved_on=date(2026, 11, 27),
    )
    entry = AuditEntry.objects.for_subject(approved).latest("pk")

    [mail, *_] = notifications.messages_for(entry)

    assert "EUR 125,000.00 from CC-4100" in mail.body
    assert "125000" not in mail.body


def test_a_delegation_email_shows_human_dates(sponsor, sponsor2):
    start = timezone.localdate() + timedelta(days=1)
    delegation = delegation_create(
        sponsor=sponsor.sponsor_profile,
        deputy=sponsor2,
        starts_on=start,
        ends_on=start + timedelta(days=9),
        note="Leave",
        by=sponsor,
    )
    entry = AuditEntry.objects.for_subject(delegation).get()
    [mail] = notifications.messages_for(entry)

    assert formats.day(start) in mail.body and formats.day(start) in mail.subject
    assert not ISO_DAY.search(mail.body + mail.subject)
