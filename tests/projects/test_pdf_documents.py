"""The charter PDF as a board reads it: names in every script, tables whose cells never collide,
a cover and a signature block. Rendered by the worker's code (`rendering.render_job`) and read
back with pypdf."""

import functools
import itertools
import math
import re
import subprocess

import pytest
from PIL import ImageFont
from pypdf import PdfReader

from projects import rendering, services
from projects.models import PdfJob
from tests.conftest import charter_lists, charter_texts

NAMES = ["Zoë Ñúñez", "王芳", "Ελένη Παπαδοπούλου"]


@pytest.fixture
def international(filled, manager):
    """A charter whose stakeholders are named in Latin with accents, Chinese and Greek, with a
    long e-mail address, a long unbroken role and risks whose headers are tight."""
    lists = charter_lists(stakeholders=0, risks=3)
    lists["stakeholders"] = [
        {"name": name, "role": role, "organisation": organisation, "email": email}
        | {"influence": "high", "interest": "medium"}
        for name, role, organisation, email in [
            (NAMES[0], "Key user", "Operations", "zoe.nunez-operations-lead@logistics.example.com"),
            (NAMES[1], "Warehouse lead", "上海物流", "wang.fang@example.cn"),
            (NAMES[2], "Auditor" * 8, "Ελεγκτική", "eleni.papadopoulou@audit.example.gr"),
        ]
    ]
    services.charter_update(
        charter=filled.charter,
        by=manager,
        version=filled.charter.version,
        lists=lists,
        **charter_texts(purpose="Coverage for every scanner " + "x" * 300),
    )
    return filled


def rendered(project, by, tmp_path) -> PdfReader:
    job = rendering.render_job(services.charter_pdf_request(project=project, by=by).pk)
    assert job.status == PdfJob.Status.READY, job.error
    path = tmp_path / "charter.pdf"
    with job.file.open("rb") as content:
        path.write_bytes(content.read())
    return PdfReader(path)


def test_names_in_other_scripts_are_read_back_from_the_pdf(international, manager, tmp_path):
    reader = rendered(international, manager, tmp_path)

    # A name may wrap in its narrow column: read the text as words.
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for name in NAMES:
        assert name in text
    fonts = {
        font["/BaseFont"].split("+")[-1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert "Noto-Sans-CJK-SC" in fonts and "Noto-Sans" in fonts, fonts  # glyphs, not boxes


# How the overlap test measures. pypdf's `visitor_text` hands every text run with the text
# matrix (tm) and the current transformation matrix (cm) in force when it is shown: the run
# starts at (x, y) = the origin of tm × cm, and its font size is the `Tf` size scaled by that
# matrix. pypdf does not give the run's width, so the test measures the run's text with the
# same font file the PDF embeds (the system's Noto, found by its PostScript name through
# fontconfig; Pillow gives the advance width). Runs are grouped into lines by their baseline;
# on one line, sorted by x, each run must start at or after the previous run's end (0.5 pt of
# rounding allowed): two cells whose text collides ("LikelihoodImpact") fail that.
@functools.cache
def font_files() -> dict[str, tuple[str, int]]:
    """Installed fonts by the name WeasyPrint gives them in a PDF: "Noto-Sans" (regular),
    "Noto-Sans-Bold", "Noto-Sans-CJK-SC"."""
    listing = subprocess.run(
        ["fc-list", "-f", "%{family[0]}|%{style[0]}|%{index}|%{file}\n"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    files: dict[str, tuple[str, int]] = {}
    for line in listing.splitlines():
        family, style, index, path = line.split("|")
        names = [f"{family}-{style}"] + ([family] if style in ("Regular", "Book") else [])
        for name in names:
            files.setdefault(name.replace(" ", "-"), (path, int(index)))
    return files


@functools.cache
def measuring_font(pdf_name: str) -> ImageFont.FreeTypeFont:
    path, index = font_files()[pdf_name]
    return ImageFont.truetype(path, size=1000, index=index)


def text_runs(page) -> list[tuple[float, float, float, str]]:
    """(baseline y, start x, end x, text) of every horizontal text run on `page`."""
    runs = []

    def visit(text, cm, tm, font, font_size):
        if not text.strip() or font is None:
            return
        a, b, c, _, e, f = (
            tm[0] * cm[0] + tm[1] * cm[2],
            tm[0] * cm[1] + tm[1] * cm[3],
            tm[2] * cm[0] + tm[3] * cm[2],
            tm[2] * cm[1] + tm[3] * cm[3],
            tm[4] * cm[0] + tm[5] * cm[2] + cm[4],
            tm[4] * cm[1] + tm[5] * cm[3] + cm[5],
        )
        if abs(b) > 1e-6 or abs(c) > 1e-6:
            return  # the rotated DRAFT watermark is not a table cell
        size = font_size * math.hypot(a, b)
        name = re.sub(r"^[A-Z]{6}\+", "", font["/BaseFont"].lstrip("/"))
        width = measuring_font(name).getlength(text.rstrip()) * size / 1000
        runs.append((round(f, 1), e, e + width, text.strip()))

    page.extract_text(visitor_text=visit)
    return runs


def overlaps(page) -> list[tuple[str, str]]:
    lines: dict[float, list[tuple[float, float, str]]] = {}
    for y, start, end, text in text_runs(page):
        lines.setdefault(y, []).append((start, end, text))
    found = []
    for runs in lines.values():
        runs.sort()
        for (_, end, text), (start, _, following) in itertools.pairwise(runs):
            if start < end - 0.5:
                found.append((text, following))
    return found


def test_no_two_table_cells_text_overlaps(international, manager, tmp_path):
    reader = rendered(international, manager, tmp_path)

    pages = [page for page in reader.pages if "Likelihood" in page.extract_text()]
    assert pages and "Stakeholders" in "".join(page.extract_text() for page in reader.pages)
    for page in reader.pages:
        assert text_runs(page)
        assert overlaps(page) == []


def test_a_long_list_in_the_two_columns_flows_across_pages(filled, manager, tmp_path):
    # Assumptions beside constraints, strengths beside weaknesses: a list longer than a page
    # breaks across pages, every item read back in order, and the work plan follows it.
    lists = charter_lists()
    lists["assumption"] = [
        {"text": f"Assumption {n:02d}: the depots keep their weekend opening hours all year"}
        for n in range(70)
    ]
    services.charter_update(
        charter=filled.charter,
        by=manager,
        version=filled.charter.version,
        lists=lists,
        **charter_texts(),
    )

    reader = rendered(filled, manager, tmp_path)

    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    found = re.findall(r"Assumption (\d\d):", text)
    assert found == [f"{n:02d}" for n in range(70)]
    for following in ("No downtime in December", "Experienced team", "One supplier"):
        assert following in text
    assert text.index("Assumption 69") < text.index("7. Work plan")
    first = next(
        page.extract_text() for page in reader.pages if "Assumption 00" in page.extract_text()
    )
    assert "No downtime in December" in first  # the constraints stand beside, not after


def test_a_signed_charter_has_a_cover_and_a_signature_block(
    international, manager, sponsor, tmp_path
):
    services.charter_submit(charter=international.charter, by=manager)
    services.charter_sign(charter=international.charter, by=sponsor)
    revision = international.charter.revisions.get()

    reader = rendered(international, manager, tmp_path)

    cover = reader.pages[0].extract_text()
    assert "Tollgate" in cover and "Project charter" in cover
    assert international.reference in cover and "Status Revision 1 · signed" in cover
    assert f"Signed {revision.signed_at:%-d %b %Y}" in cover
    text = "\n".join(page.extract_text() for page in reader.pages)
    block = text[text.index("Approval and sign-off") :]
    assert "Sponsor Dana Whitfield" in block
    assert f"Date signed {revision.signed_at:%-d %b %Y}" in block
    assert "Revision 1" in block
    assert revision.sha256 in block.replace("\n", "")
    assert "DRAFT" not in text
    for page in reader.pages:
        assert overlaps(page) == []


def test_the_cover_names_the_organisation_and_shows_its_logo(
    international, manager, settings, tmp_path, caplog
):
    settings.ORGANISATION_NAME = "Ministry of Ports"
    settings.ORGANISATION_LOGO = "favicon.svg"

    reader = rendered(international, manager, tmp_path)

    assert rendering.organisation() == {"name": "Ministry of Ports", "logo": "favicon.svg"}
    assert "refused" not in caplog.text  # the logo was fetched from our static files
    assert "Ministry of Ports" in reader.pages[0].extract_text()
    assert "Ministry of Ports · Project charter" in reader.pages[1].extract_text()
    assert "DRAFT" in reader.pages[0].extract_text()


def test_a_logo_that_is_not_a_static_file_is_left_out(settings):
    settings.ORGANISATION_LOGO = "../config/settings.py"

    assert rendering.organisation()["logo"] == ""
