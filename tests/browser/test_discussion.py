"""Discussion and evidence in a real browser (issue 17): the manager attaches a quote to the
business case and mentions the sponsor; the sponsor finds it in Needs my action, downloads the
quote and answers; someone outside the project gets 404 on both the thread and the file."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from projects.models import Attachment
from tests.browser.test_inbox import checked, follow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUOTE = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_a_quote_and_a_question_reach_the_sponsor_who_answers(
    person, project, manager, sponsor, viewer, tmp_path
):
    quote = tmp_path / "vendor-quote.pdf"
    quote.write_bytes(QUOTE)
    problems: dict[str, list[str]] = {}
    detail = reverse("projects:detail", args=[project.pk])

    alex = person("manager")
    page = alex.page
    page.goto(alex.base_url + detail)
    files = page.get_by_role("region", name=re.compile(r"^Evidence( \d+)?$"))
    files.get_by_label("File").set_input_files(str(quote))
    files.get_by_role("button", name="Attach file").click()
    expect(page.get_by_text("“vendor-quote.pdf” attached.")).to_be_visible()
    expect(files).to_contain_text("Alex Moreno")

    box = page.get_by_role("region", name="Discussion").get_by_label("Add a comment")
    box.click()
    box.press_sequentially("@Dan")
    suggestions = page.get_by_role("listbox", name="People to mention")
    expect(suggestions.get_by_role("option", name="Dana Whitfield (@sponsor)")).to_be_visible()
    box.press("Enter")
    box.press_sequentially("the vendor's quote is attached: fine to submit?")
    expect(box).to_have_value("@sponsor the vendor's quote is attached: fine to submit?")
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_text("Comment added. Notified: Dana Whitfield.")).to_be_visible()
    checked(page, "business case with discussion (manager)", problems)
    alex.screenshots("business-case-discussion")

    dana = person("sponsor")
    page = dana.page
    nav = page.get_by_role("navigation", name="Main")
    follow(page, nav.get_by_role("link", name="Needs my action"))
    work = page.get_by_role("region", name="To do")
    expect(work).to_contain_text("Mentioned by Alex Moreno on the business case")
    expect(work).to_contain_text("fine to submit?")
    checked(page, "needs my action with a mention (sponsor)", problems)
    dana.screenshots("needs-my-action-mention")
    follow(page, work.get_by_role("link", name="Mentioned by Alex Moreno on the business case"))

    with page.expect_download() as download:
        page.get_by_role("link", name="vendor-quote.pdf").click()
    assert download.value.suggested_filename == "vendor-quote.pdf"
    assert Path(download.value.path()).read_bytes() == QUOTE

    page.get_by_role("region", name="Discussion").get_by_label("Add a comment").fill(
        "Looks right. Submit it and I will approve.\nSee https://example.com/policy for the rule."
    )
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_text("Comment added.", exact=True)).to_be_visible()
    thread = page.get_by_role("region", name="Discussion")
    expect(thread.get_by_role("link", name="https://example.com/policy")).to_be_visible()
    checked(page, "business case after the answer (sponsor)", problems)
    dana.screenshots("business-case-answered")
    follow(page, nav.get_by_role("link", name="Needs my action"))
    expect(page.get_by_text("Mentioned by Alex Moreno")).to_have_count(0)

    chris = person("viewer")
    attachment = Attachment.objects.get()
    thread_url = reverse("projects:thread", args=[project.pk, "business-case", project.proposal.pk])
    file_url = reverse("projects:attachment-download", args=[project.pk, attachment.pk])
    assert chris.page.request.get(chris.base_url + thread_url).status == 404
    assert chris.page.request.get(chris.base_url + file_url).status == 404
    assert problems == {}
