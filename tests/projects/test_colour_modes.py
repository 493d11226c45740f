"""Dark mode (issue 19): every colour Tollgate defines (the --tg-* variables in tollgate.css) has
a dark counterpart, and each keeps its contrast in its own mode: text 4.5:1 (AA), chart lines
and marks 3:1, on both the card and the page background of that mode. The browser sweep checks
the rendered pages with axe-core; this checks the SVG charts' colours, which axe-core does not."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from projects.charts import contrast

CSS = (Path(settings.BASE_DIR) / "static" / "css" / "tollgate.css").read_text()
# (card, page) backgrounds: Bootstrap's body and tertiary backgrounds of each mode.
BACKGROUNDS = {"light": ("#ffffff", "#f8f9fa"), "dark": ("#212529", "#2b3035")}
TEXT = ["chart-text", "chart-muted", "chart-today", "chart-target"]
TEXT += ["outline-secondary", "outline-primary", "outline-warning"]
MARKS = ["chart-bar", "chart-milestone", "chart-today-line", "chart-target-line", "chart-axis"]
RISKS = ["low", "medium", "high", "critical"]


def colours(selector: str) -> dict[str, str]:
    block = re.search(re.escape(selector) + r" \{([^}]*--tg-[^}]*)\}", CSS).group(1)
    return dict(re.findall(r"--tg-([\w-]+): (#[0-9a-f]{6}|#[0-9a-f]{3}\b|rgba\([^)]*\))", block))


MODES = {"light": colours(":root, [data-bs-theme=light]"), "dark": colours("[data-bs-theme=dark]")}


def full(colour: str) -> str:
    return "#" + "".join(c * 2 for c in colour[1:]) if len(colour) == 4 else colour


def test_every_colour_of_ours_has_a_dark_counterpart():
    assert MODES["light"].keys() == MODES["dark"].keys()
    assert len(MODES["light"]) >= 20


@pytest.mark.parametrize("mode", MODES)
def test_text_and_chart_marks_keep_their_contrast_in_each_mode(mode):
    tokens, low = MODES[mode], []
    for background in BACKGROUNDS[mode]:
        for name, least in [*((n, 4.5) for n in TEXT), *((n, 3) for n in MARKS)]:
            ratio = contrast(full(tokens[name]), background)
            if ratio < least:
                low.append(f"{name} on {background}: {ratio:.2f}")
    for level in RISKS:
        foreground, background = tokens[f"risk-{level}-fg"], tokens[f"risk-{level}-bg"]
        if (ratio := contrast(foreground, background)) < 4.5:
            low.append(f"risk {level}: {ratio:.2f}")
    assert low == []
