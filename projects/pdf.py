"""PDF rendering with WeasyPrint, locked down.

Documents are rendered from structured records through Django templates (autoescaped: user
text is text, never markup). WeasyPrint fetches resources only through `StaticOnlyFetcher`:
the app's own static files under a fixed base URL and `data:` URLs — no `file://`, no network,
no redirects, no attachments. Everything else is refused and left out of the document.
"""

import contextlib
import functools
import gc
import logging
import mimetypes
import posixpath
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

# Relative URLs in a PDF template resolve against this base, which maps to our static files.
STATIC_BASE = "https://tollgate.static.invalid/static/"
PDF_STYLESHEET = "pdf/document.css"


def _weasyprint() -> Any:
    import weasyprint  # 0.8 s to import: done once per worker process, see warm_up()

    return weasyprint


def static_only_fetcher() -> Any:
    weasyprint = _weasyprint()

    class StaticOnlyFetcher(weasyprint.urls.URLFetcher):
        """Serves `STATIC_BASE…` from the app's static files and `data:` URLs; refuses the rest."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data", "https"), allow_redirects=False)

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = static_path(url)
            if path is None:
                log.warning("PDF rendering refused a resource: %.200s", url)
                raise ValueError(f"Resource refused: {url[:200]}")
            mime_type, _ = mimetypes.guess_type(path.name)
            return weasyprint.urls.URLFetcherResponse(
                url,
                body=path.read_bytes(),
                headers={"Content-Type": mime_type or "application/octet-stream"},
            )

    return StaticOnlyFetcher()


def static_path(url: str) -> Path | None:
    """The static file `url` names, if it is one of ours; None for anything else."""
    if not url.startswith(STATIC_BASE):
        return None
    parts = urlsplit(url)
    relative = unquote(parts.path.removeprefix(urlsplit(STATIC_BASE).path))
    if parts.query or parts.fragment or ".." in relative.split("/") or "\\" in relative:
        return None
    relative = posixpath.normpath(relative)
    if relative.startswith(("/", ".")):
        return None
    try:
        found = finders.find(relative)
    except SuspiciousFileOperation:
        return None
    return Path(found) if found else None


def render_html(template: str, context: dict[str, Any]) -> str:
    return render_to_string(template, context)


def write_pdf(html: str, target: Path) -> None:
    """Render `html` to a PDF file at `target`, fetching only our own static files."""
    weasyprint = _weasyprint()
    font_config, stylesheet = _resources()
    document = weasyprint.HTML(string=html, base_url=STATIC_BASE, url_fetcher=static_only_fetcher())
    with collecting_after():
        document.write_pdf(target, stylesheets=[stylesheet], font_config=font_config)


@contextlib.contextmanager
def collecting_after() -> Iterator[None]:
    """The cyclic garbage collector paused meanwhile and run once after. A charter lays out half
    a million short-lived objects; the collector would walk the heap dozens of times during
    the layout (a quarter of the time). The worker's task wraps the whole job (layout, storing
    the file, marking it ready), so the one collection (20–30 ms) comes after the job is
    ready; nested uses leave it to the outermost."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


@functools.cache
def _resources() -> tuple[Any, Any]:
    """Per process: the font configuration (fontconfig is slow to set up) and the parsed
    print stylesheet. Both are read-only once made."""
    weasyprint = _weasyprint()
    font_config = weasyprint.text.fonts.FontConfiguration()
    stylesheet = weasyprint.CSS(
        url=STATIC_BASE + PDF_STYLESHEET, url_fetcher=static_only_fetcher(), font_config=font_config
    )
    return font_config, stylesheet


def warm_up() -> None:
    """Import WeasyPrint and lay out a page once, so a worker's first job is not slow."""
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as scratch:
        write_pdf("<p>warm</p>", Path(scratch.name))
    # What is loaded now lives as long as the process: keep it out of every later collection.
    gc.freeze()
