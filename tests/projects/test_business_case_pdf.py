"""The business case's one-page summary PDF, the document a sponsor takes to a board: asked for
on the business case page, rendered by a real Celery worker, downloaded and read back with
pypdf."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from projects import rendering, services
from projects.models import PdfJob, Proposal
from projects.selectors.proposals import last_decision
from projects.services import pdfs
from tests.conftest import client_for
from tests.factories import ProjectFactory, UserFactory
from tests.projects.test_pdf_documents import overlaps, text_runs
from tests.projects.test_pdf_worker import wait_for

RISKS = [
    ("Supplier delivers late", 3, 4, "Penalty clause in the contract."),
    ("Key user unavailable during testing", 2, 3, "Book the test weeks now."),
    ("Legacy data is dirtier than expected", 4, 2, "Profile the data in week one."),
]


def write_case(project, manager, **changes) -> Proposal:
    """The manager writes the business case through the service, as the form saves it."""
    fields = {
        "goal": "Attract 1,000 visitors per day over the next three months.",
        "need": "Traffic has stalled since the old portal was frozen.",
        "description": "Redesign the portal.",
        "estimated_cost": Decimal("150000"),
        "start_date": date(2027, 3, 1),
        "end_date": date(2027, 9, 30),
        "benefits": "Fewer support calls; 40% of free-trial customers upgrade in one month.",
        "risks": [
            {"description": text, "likelihood": likelihood, "impact": impact}
            | {"mitigation": mitigation}
            for text, likelihood, impact, mitigation in RISKS
        ],
    } | changes
    return services.business_case_update(proposal=project.proposal, by=manager, **fields)


def downloaded(client, project, tmp_path) -> PdfReader:
    """**Generate PDF** on the business case page, wait for the worker, **Download PDF**."""
    answer = client.post(reverse("projects:business-case-pdf", args=[project.pk]))
    assert answer.status_code == 302
    job = wait_for(PdfJob.objects.get(kind=PdfJob.Kind.BUSINESS_CASE).pk)
    assert job.status == PdfJob.Status.READY, job.error
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "Download PDF" in page
    response = client.get(reverse("projects:pdf-download", args=[project.pk, job.pk]))
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "business-case.pdf"
    path.write_bytes(b"".join(response.streaming_content))
    return PdfReader(path)


def words(reader: PdfReader) -> str:
    """The PDF's text as words: a phrase may wrap in its column."""
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def inside_the_margins(page) -> bool:
    """Every text run ends within the page's 18 mm side margins (document.css)."""
    margin = 18 / 25.4 * 72
    right = float(page.mediabox.width) - margin
    return all(start >= margin - 1 and end <= right + 1 for _, start, end, _ in text_runs(page))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_approved_business_case_prints_on_one_page(
    celery_worker, project, manager, sponsor, member, tmp_path
):
    write_case(project, manager)
    proposal = Proposal.objects.get(project=project)
    services.proposal_submit(proposal=proposal, by=manager)
    services.proposal_approve(proposal=proposal, by=sponsor, comment="Fits the digital plan.")

    reader = downloaded(client_for(member), project, tmp_path)

    text = words(reader)
    assert len(reader.pages) == 1
    assert "Business case summary" in text and "Customer portal redesign" in text
    assert "Sponsor Dana Whitfield, CIO" in text and "Manager Alex Moreno" in text
    assert "Estimated cost EUR 150,000.00" in text
    assert "Timeframe 1 Mar 2027 to 30 Sep 2027" in text
    assert "Attract 1,000 visitors per day" in text and "Traffic has stalled" in text
    assert "40% of free-trial customers upgrade" in text
    for description, likelihood, impact, mitigation in RISKS:
        assert f"{description} {likelihood} {impact} {likelihood * impact} {mitigation}" in text
    assert "Outcome Approved On " in text and "By Dana Whitfield" in text
    assert "Limit that applied EUR 250,000.00 Reason Fits the digital plan." in text
    assert "Sponsor's approval limit EUR 250,000.00: the estimated cost is within it" in text
    assert overlaps(reader.pages[0]) == []
    assert inside_the_margins(reader.pages[0])


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_names_in_greek_and_chinese_are_read_back(celery_worker, sponsor, tmp_path):
    manager = UserFactory(first_name="Ελένη", last_name="Παπαδοπούλου", groups=["Project managers"])
    project = services.business_case_create(
        by=manager,
        title="倉庫掃描器 upgrade",
        category="hardware",
        sponsor=sponsor.sponsor_profile,
        risks=[],
    )
    write_case(
        project,
        manager,
        risks=[
            {"description": "王芳 leaves", "likelihood": 2}
            | {"impact": 5, "mitigation": "Zoë Ñúñez deputises."}
        ],
    )

    reader = downloaded(client_for(manager), project, tmp_path)

    text = words(reader)
    assert "倉庫掃描器 upgrade" in text and "Ελένη Παπαδοπούλου" in text
    assert "王芳 leaves" in text and "Zoë Ñúñez deputises." in text
    assert "No decision yet. It is a draft" in text
    fonts = {
        font["/BaseFont"].split("+")[-1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert "Noto-Sans-CJK-SC" in fonts and "Noto-Sans" in fonts, fonts  # glyphs, not boxes
    # No overlap check here: where a line switches fonts mid-text ("TG-0004 · 倉庫掃描器"),
    # pypdf reports each run at the line's start, so `overlaps` cannot measure it.


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_very_long_business_case_runs_on_without_overflowing(
    celery_worker, project, manager, sponsor2, tmp_path
):
    """Every text at its longest, an unbroken 300-character word, a dozen risks: the summary
    takes more pages, and nothing runs off a page or into a neighbouring cell."""
    unbroken = "x" * 300
    long_text = f"{unbroken} " + "A board reads every word of this. " * 50
    write_case(
        project,
        manager,
        goal=long_text[:2000],
        need=long_text[:2000],
        benefits=long_text[:2000],
        estimated_cost=Decimal("99999999.99"),
        risks=[
            {"description": f"Risk {n} {unbroken}"[:500], "likelihood": 5, "impact": 5}
            | {"mitigation": f"{long_text[:1980]} Last word {n}."}
            for n in range(12)
        ],
    )

    reader = downloaded(client_for(manager), project, tmp_path)

    assert len(reader.pages) > 1
    assert "EUR 99,999,999.99" in words(reader)
    assert all(f"Risk {n}" in words(reader) for n in range(12))
    assert all(f"Last word {n}." in words(reader) for n in range(12))  # nothing cut off
    for page in reader.pages:
        assert overlaps(page) == []
        assert inside_the_margins(page)
    assert "Page 2 of" in reader.pages[1].extract_text()


@pytest.mark.django_db
def test_everyone_on_the_project_can_generate_the_summary(project, member, viewer):
    url = reverse("projects:business-case-pdf", args=[project.pk])
    page = client_for(member).get(reverse("projects:detail", args=[project.pk]))
    assert "Generate PDF" in page.content.decode()

    assert client_for(member).post(url).status_code == 302
    assert client_for(viewer).post(url).status_code == 404  # an outsider to this project
    assert client_for(viewer).get(reverse("projects:detail", args=[project.pk])).status_code == 404
    assert PdfJob.objects.filter(kind=PdfJob.Kind.BUSINESS_CASE).count() == 1


@pytest.mark.django_db
def test_the_same_business_case_is_not_rendered_twice(project, manager, sponsor):
    first = pdfs.business_case_pdf_request(project=project, by=manager)
    again = pdfs.business_case_pdf_request(project=project, by=sponsor)
    write_case(project, manager, estimated_cost=Decimal("160000"))
    changed = pdfs.business_case_pdf_request(project=project, by=manager)

    assert again.pk == first.pk
    assert changed.pk != first.pk
    assert changed.document["business_case"]["case"]["estimated_cost"] == "160000.00"


def summary_of(proposal: Proposal) -> dict:
    """What the summary PDF would print now."""
    proposal = Proposal.objects.get(pk=proposal.pk)
    return pdfs.business_case_render_input(proposal, last_decision(proposal))["business_case"]


@pytest.mark.django_db
def test_an_escalated_case_says_which_limit_applied(manager, sponsor2, pmo):
    project = ProjectFactory(manager=manager, sponsor=sponsor2.sponsor_profile)
    proposal = write_case(project, manager)  # EUR 150,000.00, above Lee Park's 50,000
    services.proposal_submit(proposal=proposal, by=manager)
    services.proposal_approve(proposal=proposal, by=sponsor2, comment="Worth it")

    endorsed = summary_of(proposal)
    services.proposal_approve(proposal=proposal, by=pmo, comment="Funded centrally")
    approved = summary_of(proposal)

    assert endorsed["authority"] == {"sponsor": "Lee Park", "limit": "50000.00", "covers": False}
    assert endorsed["state"] == "Escalated (above the sponsor's approval limit)"
    assert endorsed["decision"]["outcome"] == "Endorsed above the sponsor's approval limit"
    assert endorsed["decision"]["by"] == "Lee Park"
    assert endorsed["decision"]["approval_limit"] == "50000.00"
    assert approved["decision"]["outcome"] == "Approved"
    assert approved["decision"]["by"] == "Morgan Ellis"
    assert approved["decision"]["reason"] == "Funded centrally"
    assert approved["decision"]["approval_limit"] == "unlimited"
    assert approved["decision"]["version"] == approved["version"]  # decided on this version


@pytest.mark.django_db
def test_a_decided_case_with_a_logo_and_five_risks_stays_on_one_page(
    project, manager, sponsor, settings, tmp_path
):
    """Rendered by the worker's code in this process (the organisation comes from settings):
    a logo, a deputy-length decision, five risks and markup typed into the goal."""
    settings.ORGANISATION_NAME = "Ministry of Ports"
    settings.ORGANISATION_LOGO = "favicon.svg"
    five = [*RISKS, ("Interference from the cold-store doors", 2, 2, ""), ("Budget cut", 1, 5, "")]
    write_case(
        project,
        manager,
        goal="Every aisle covered <script>alert(1)</script> <b>now</b>.",
        risks=[
            {"description": text, "likelihood": likelihood, "impact": impact}
            | {"mitigation": mitigation}
            for text, likelihood, impact, mitigation in five
        ],
    )
    proposal = Proposal.objects.get(project=project)
    services.proposal_submit(proposal=proposal, by=manager)
    services.proposal_request_changes(
        proposal=proposal, by=sponsor, comment="Show the savings per site. " * 8
    )

    job = rendering.render_job(pdfs.business_case_pdf_request(project=project, by=manager).pk)
    assert job.status == PdfJob.Status.READY, job.error
    path = tmp_path / "summary.pdf"
    with job.file.open("rb") as content:
        path.write_bytes(content.read())
    reader = PdfReader(path)

    text = words(reader)
    assert len(reader.pages) == 1
    assert "Ministry of Ports" in text
    assert "Every aisle covered <script>alert(1)</script> <b>now</b>." in text
    assert "Outcome Changes requested" in text and "Show the savings per site." in text
    assert "Budget cut 1 5 5 —" in text
    assert overlaps(reader.pages[0]) == []
    assert inside_the_margins(reader.pages[0])
