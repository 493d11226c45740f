"""PDFs in a real browser with the real worker (issue 20): **Generate PDF** on a draft charter
shows **Download PDF** in the page by itself, without anyone reloading it."""

from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from projects import services
from tests.conftest import charter_lists, charter_texts

pytestmark = [pytest.mark.worker, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_generate_pdf_on_a_draft_shows_download_pdf_without_a_reload(
    person, filled, manager, celery_worker, tmp_path
):
    # Long enough to render for a second or two: the page the click lands on shows it pending.
    services.charter_update(
        charter=filled.charter,
        by=manager,
        version=filled.charter.version,
        lists=charter_lists(stakeholders=200, milestones=100, tasks=100),
        **charter_texts(),
    )
    alex = person("manager")
    page = alex.page
    page.goto(f"{alex.base_url}/projects/{filled.pk}/charter/")
    with page.expect_navigation():  # the form posts, then the charter page comes back
        page.get_by_role("button", name="Generate PDF").click()
    expect(page.locator("#pdf-job").get_by_role("status")).to_contain_text("PDF")  # pending
    page.evaluate("window.notReloaded = true")  # a reload would forget it
    loads = []
    page.on("load", lambda _: loads.append(page.url))

    download = page.get_by_role("link", name="Download PDF")
    expect(download).to_be_visible(timeout=60_000)

    assert page.evaluate("window.notReloaded === true") and loads == []
    with page.expect_download() as downloaded:
        download.click()
    saved = Path(tmp_path) / "draft.pdf"
    downloaded.value.save_as(saved)
    text = "".join(pdf_page.extract_text() for pdf_page in PdfReader(saved).pages)
    assert filled.title in text and "DRAFT" in text
