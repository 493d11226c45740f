"""Evidence (SPEC §10): files checked by content and size, stored under random names, served
only as downloads to the people of the project, frozen with a signed charter."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from lifecycle.errors import NotNow
from lifecycle.models import AuditEntry
from projects import charter_document, evidence, fingerprint, rendering, services, tasks
from projects.models import Attachment, Charter, CharterRevision, ProposalState
from projects.services import evidence as files
from projects.services.charters import charter_version
from projects.services.pdfs import charter_pdf_request
from tests.conftest import client_for

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
POLYGLOT = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path):
    """Each test its own storage, so "nothing was stored" can be seen."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


def upload(name="quote.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def attach_url(project, kind="business-case", record=None):
    record = record or project.proposal
    return reverse("projects:attachment-add", args=[project.pk, kind, record.pk])


def stored_files() -> set[str]:
    try:
        return set(default_storage.listdir("attachments")[1])
    except FileNotFoundError:
        return set()


def test_the_manager_attaches_a_quote_and_a_member_downloads_it(project, manager, member):
    answer = client_for(manager).post(attach_url(project), {"file": upload()})

    assert answer.status_code == 302 and answer["Location"].endswith("#evidence")
    attachment = Attachment.objects.get()
    assert (attachment.name, attachment.size, attachment.mime_type) == (
        "quote.pdf",
        len(PDF),
        "application/pdf",
    )
    assert attachment.file.name.startswith("attachments/")
    assert "quote" not in attachment.file.name  # a random name, never the uploaded one
    download = client_for(member).get(
        reverse("projects:attachment-download", args=[project.pk, attachment.pk])
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"] == 'attachment; filename="quote.pdf"'
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    page = client_for(member).get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "quote.pdf" in page and "Alex Moreno" in page
    assert AuditEntry.objects.filter(event="evidence.attached").count() == 1


def test_outsiders_get_404_on_the_file(project, manager, viewer, manager2):
    attachment = files.attachment_add(record=project.proposal, by=manager, upload=upload())
    url = reverse("projects:attachment-download", args=[project.pk, attachment.pk])
    for outsider in (viewer, manager2):
        assert client_for(outsider).get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("quote.pdf", POLYGLOT, "is not a kind of file kept here"),
        ("drawing.svg", SVG, "is not a kind of file kept here"),
        ("notes.txt", SVG, "is not a kind of file kept here"),
        ("quote.pdf", b"", "The file is empty (0 bytes)."),
        ("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "does not contain what its name says"),
    ],
)
def test_a_file_that_must_not_be_kept_is_refused_and_nothing_is_stored(
    project, manager, name, content, message
):
    answer = client_for(manager).post(
        attach_url(project), {"file": upload(name, content)}, follow=True
    )

    assert message in answer.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files() == set()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../../etc/passwd.pdf", "cannot contain"),
        ("..\\quote.pdf", "cannot contain"),
        ("bell\x07.pdf", "control characters"),
        ("right\u202etxt.pdf", "control characters"),
        ("x" * 201 + ".pdf", "up to 200 characters"),
    ],
)
def test_a_name_with_a_path_or_control_characters_is_refused(name, message):
    # Browsers and Django's upload parser drop directories already; the check stands anyway.
    with pytest.raises(ValidationError, match=message):
        evidence.check_name(name)


def test_a_pdf_with_html_inside_is_only_ever_a_download(project, manager, member):
    polyglot = PDF + POLYGLOT
    attachment = files.attachment_add(
        record=project.proposal, by=manager, upload=upload("quote.pdf", polyglot, "text/html")
    )
    assert attachment.mime_type == "application/pdf"  # what the browser said is ignored
    download = client_for(member).get(
        reverse("projects:attachment-download", args=[project.pk, attachment.pk])
    )
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_file_over_the_limit_is_refused_with_the_limit(project, manager, settings):
    settings.ATTACHMENT_MAX_MB = 1
    big = PDF + b"0" * (1024 * 1024)
    answer = client_for(manager).post(
        attach_url(project), {"file": upload(content=big)}, follow=True
    )

    assert "files are kept up to 1 MB" in answer.content.decode()
    assert not Attachment.objects.exists() and stored_files() == set()


def test_a_failed_storage_write_leaves_no_row(project, manager, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(FileSystemStorage, "_save", refuse)
    with pytest.raises(OSError):
        files.attachment_add(record=project.proposal, by=manager, upload=upload())
    assert not Attachment.objects.exists()
    assert not AuditEntry.objects.filter(event="evidence.attached").exists()


def test_a_failed_row_write_leaves_no_file(project, manager, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(files, "audit", refuse)
    with pytest.raises(RuntimeError):
        files.attachment_add(record=project.proposal, by=manager, upload=upload())
    assert not Attachment.objects.exists() and stored_files() == set()


def test_removing_a_draft_file_deletes_row_and_file(
    project, manager, member, django_capture_on_commit_callbacks
):
    attachment = files.attachment_add(record=project.proposal, by=manager, upload=upload())
    url = reverse("projects:attachment-remove", args=[project.pk, attachment.pk])

    assert client_for(member).post(url).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(manager).post(url).status_code == 302
    assert not Attachment.objects.exists() and stored_files() == set()
    removed = AuditEntry.objects.get(event="evidence.removed")
    assert attachment.sha256 in removed.comment


def test_files_stay_once_the_business_case_is_submitted(project, manager):
    attachment = files.attachment_add(record=project.proposal, by=manager, upload=upload())
    services.proposal_submit(proposal=project.proposal, by=manager)
    attachment = Attachment.objects.get()
    with pytest.raises(NotNow, match="only a draft"):
        files.attachment_remove(attachment=attachment, by=manager)
    with pytest.raises(NotNow):
        files.attachment_add(record=project.proposal, by=manager, upload=upload("more.pdf"))


def test_the_charter_hash_changes_when_a_file_is_added_and_freezes_at_signing(
    filled, manager, sponsor, tmp_path
):
    charter = filled.charter
    before = charter_version(charter)
    files.attachment_add(record=charter, by=manager, upload=upload("vendor-quote.pdf"))
    after = charter_version(charter)
    assert before != after

    services.charter_submit(charter=charter, by=manager)
    services.charter_sign(charter=Charter.objects.get(pk=charter.pk), by=sponsor)
    revision = CharterRevision.objects.get(charter=charter)
    attachment = Attachment.objects.get()
    assert revision.sha256 == after == fingerprint.sha256(revision.snapshot)
    assert revision.snapshot["attachments"] == [
        {"name": "vendor-quote.pdf", "size": len(PDF), "sha256": attachment.sha256}
    ]
    assert attachment.frozen_at is not None
    with pytest.raises(NotNow, match="signed with the charter"):
        files.attachment_remove(attachment=attachment, by=manager)

    job = rendering.render_job(charter_pdf_request(project=filled, by=manager).pk)
    path = tmp_path / "charter.pdf"
    with job.file.open("rb") as content:
        path.write_bytes(content.read())
    text = "".join(page.extract_text() for page in PdfReader(path).pages).replace("\n", "")
    assert "10. Attachments" in text
    assert "vendor-quote.pdf" in text
    assert attachment.sha256 in text


def test_discarding_an_amendment_drops_its_files_and_restores_the_hash(
    filled, manager, sponsor, django_capture_on_commit_callbacks
):
    charter = filled.charter
    files.attachment_add(record=charter, by=manager, upload=upload("signed.pdf"))
    services.charter_submit(charter=charter, by=manager)
    services.charter_sign(charter=Charter.objects.get(pk=charter.pk), by=sponsor)
    services.charter_amend(charter=Charter.objects.get(pk=charter.pk), by=manager)
    files.attachment_add(record=charter, by=manager, upload=upload("draft.pdf"))

    with django_capture_on_commit_callbacks(execute=True):
        services.charter_discard_amendment(charter=Charter.objects.get(pk=charter.pk), by=manager)
    baseline = CharterRevision.objects.get(charter=charter)
    restored = charter_document.snapshot(charter_document.charter_with_sections(charter.pk))
    assert fingerprint.sha256(restored) == baseline.sha256
    assert list(Attachment.objects.values_list("name", flat=True)) == ["signed.pdf"]
    assert len(stored_files()) == 1


def test_evidence_on_each_kind_of_record(delivering, manager):
    deliverable = delivering.deliverables.first()
    files.attachment_add(record=deliverable, by=manager, upload=upload("acceptance.pdf"))
    gate = files.attachment_add(record=delivering, by=manager, upload=upload("gate.pdf"))
    assert gate.gate == "closing"
    page = client_for(manager).get(
        reverse("projects:thread", args=[delivering.pk, "deliverable", deliverable.pk])
    )
    assert "acceptance.pdf" in page.content.decode()
    detail = client_for(manager).get(reverse("projects:detail", args=[delivering.pk]))
    assert "Evidence for the gate to Closing" in detail.content.decode()
    assert "gate.pdf" in detail.content.decode()


def test_the_orphan_report_finds_strays_both_ways(project, manager):
    kept = files.attachment_add(record=project.proposal, by=manager, upload=upload())
    lost = files.attachment_add(record=project.proposal, by=manager, upload=upload("b.pdf"))
    default_storage.delete(lost.file.name)
    stray = default_storage.save("attachments/stray", SimpleUploadedFile("x", b"x"))

    found = evidence.find_orphans()
    assert found.files == [stray]
    assert found.rows == [lost.pk]
    assert tasks.report_orphan_files() == 2
    assert kept.file.name not in found.files


def test_detection_reads_the_content_not_the_name():
    assert evidence.detect(PDF) == "application/pdf"
    assert evidence.detect(POLYGLOT) is None
    assert evidence.detect(SVG) is None
    assert evidence.detect(b"Name;Amount\nLicences;1000\n") == "text/plain"
    assert evidence.detect(b"\x00\x01\x02binary") is None


def test_a_path_never_leaves_media_root(project, manager, settings):
    attachment = files.attachment_add(record=project.proposal, by=manager, upload=upload())
    assert Path(attachment.file.path).parent == Path(settings.MEDIA_ROOT) / "attachments"
    assert project.proposal.state == ProposalState.DRAFT


def test_the_orphan_command_lists_what_it_finds(project, manager):
    from io import StringIO

    from django.core.management import call_command

    lost = files.attachment_add(record=project.proposal, by=manager, upload=upload())
    default_storage.delete(lost.file.name)
    out = StringIO()
    call_command("find_orphan_files", stdout=out)
    assert f"attachment {lost.pk}: its file is gone from storage" in out.getvalue()
    assert "0 stray files, 1 attachments without a file." in out.getvalue()


def test_a_file_of_another_project_is_not_found_under_this_ones_address(
    project, manager, manager2, sponsor2
):
    from tests.factories import ProjectFactory

    other = ProjectFactory(manager=manager2, sponsor=sponsor2.sponsor_profile)
    theirs = files.attachment_add(record=other.proposal, by=manager2, upload=upload())
    url = reverse("projects:attachment-download", args=[project.pk, theirs.pk])
    assert client_for(manager).get(url).status_code == 404
