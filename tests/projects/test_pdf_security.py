"""WeasyPrint fetches nothing but our own static files: no file://, no network, no traversal,
no attachments — even if markup slipped past autoescaping."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pypdf import PdfReader

from projects import pdf, rendering
from projects.services import pdfs
from projects.services.charters import charter_update
from tests.conftest import charter_lists, charter_texts

SECRET = "root:x:0:0"


@pytest.fixture
def canary():
    """A local HTTP server that counts every request made to it."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


def payloads(canary_url: str) -> list[str]:
    return [
        '<img src="file:///etc/passwd">',
        '<link rel="attachment" href="file:///etc/passwd">',
        '<a rel="attachment" href="file:///etc/passwd">passwd</a>',
        f'<img src="{canary_url}/img.png">',
        f'<link rel="stylesheet" href="{canary_url}/style.css">',
        '<img src="../../../../../etc/passwd">',
        f'<img src="{pdf.STATIC_BASE}../../../../etc/passwd">',
        f'<img src="{pdf.STATIC_BASE}%2e%2e/%2e%2e/%2e%2e/etc/passwd">',
        f"<style>@import url('{canary_url}/import.css'); @import url('file:///etc/passwd');"
        f" body {{ background: url('{canary_url}/bg.png') }}</style>",
        f"<div style=\"background: url('{canary_url}/inline.png')\">inline</div>",
    ]


def read(path: Path) -> tuple[str, PdfReader]:
    reader = PdfReader(path)
    return "".join(page.extract_text() for page in reader.pages), reader


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/",
        "https://example.com/logo.png",
        pdf.STATIC_BASE + "../../../etc/passwd",
        pdf.STATIC_BASE + "%2e%2e/%2e%2e/etc/passwd",
        pdf.STATIC_BASE + "pdf/document.css?x=1",
        pdf.STATIC_BASE + "nothing/here.css",
        "ftp://127.0.0.1/x",
    ],
)
def test_the_fetcher_refuses_anything_but_our_static_files(url):
    with pytest.raises(ValueError, match=r"refused|disallowed"):
        pdf.static_only_fetcher().fetch(url)


def test_the_fetcher_serves_our_stylesheet_and_data_urls():
    fetcher = pdf.static_only_fetcher()

    stylesheet = fetcher.fetch(pdf.STATIC_BASE + pdf.PDF_STYLESHEET)
    data = fetcher.fetch("data:text/plain;base64,aGVsbG8=")

    assert b"@page" in stylesheet.read()
    assert data.read() == b"hello"


def test_hostile_markup_fetches_nothing_and_attaches_nothing(canary, tmp_path):
    canary_url, hits = canary
    html = "<h1>Hostile</h1>" + "".join(payloads(canary_url))

    pdf.write_pdf(html, tmp_path / "hostile.pdf")

    text, reader = read(tmp_path / "hostile.pdf")
    assert "Hostile" in text
    assert SECRET not in text
    assert reader.attachments == {}
    assert hits == []


def test_payloads_in_charter_fields_are_printed_as_text(filled, manager, canary, tmp_path):
    canary_url, hits = canary
    hostile = payloads(canary_url)
    lists = charter_lists() | {
        "deliverables": [{"name": hostile[0], "description": hostile[1]}],
        "assumption": [{"text": hostile[3][:500]}],
    }
    charter_update(
        charter=filled.charter,
        by=manager,
        version=filled.charter.version,
        lists=lists,
        **charter_texts(purpose="".join(hostile[:6]), objectives=hostile[8]),
    )
    job = pdfs.charter_pdf_request(project=filled, by=manager)

    job = rendering.render_job(job.pk)

    assert job.status == "ready", job.error
    with job.file.open("rb") as content:
        (tmp_path / "charter.pdf").write_bytes(content.read())
    text, reader = read(tmp_path / "charter.pdf")
    assert '<img src="file:///etc/passwd">' in text  # shown, not obeyed
    assert SECRET not in text
    assert reader.attachments == {}
    assert hits == []
