"""Actual costs from a CSV file: the file read and every row checked, every problem named with
its line number. Nothing is written here: `projects.services.costs.actuals_import` parses the
file again on the server and writes all of its rows, or none.

The file (UTF-8, a spreadsheet's byte-order mark allowed), one actual cost a row:

    date,budget_line,amount,reference,note
    2026-03-31,Team,"12,400.00",Timesheets March,

- `date`: the day it was spent, as YYYY-MM-DD, not in the future;
- `budget_line`: a line of the project's plan, by its description as the Costs page shows it,
  or by its category (“Hardware”) when the plan has one line of that category; either way
  upper and lower case alike;
- `amount`: more than zero, written as in every amount field (“1,200.50” yes, “1e3” no);
- `reference`: the supplier or the reference (an invoice number), required;
- `note`: optional.

Text cells starting with = + - @ are refused (a spreadsheet runs them as formulas).
"""

import calendar
import csv
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from projects.forms.common import LineField, MoneyField
from projects.models import ActualCost, BudgetLine
from projects.models.projects import money_validators

HEADER = ("date", "budget_line", "amount", "reference", "note")
FORMULA_START = ("=", "+", "-", "@")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DAY_FIRST = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")
YEAR_FIRST = re.compile(r"^(\d{4})[./-](\d{1,2})[./-](\d{1,2})$")
ERRORS_SHOWN = 100  # a file wrong on every line shows this many, and how many more


def max_bytes() -> int:
    return settings.ACTUALS_IMPORT_MAX_KB * 1024


def max_rows() -> int:
    return settings.ACTUALS_IMPORT_MAX_ROWS


@dataclass(frozen=True)
class Row:
    line: int
    date: date
    budget_line: BudgetLine
    amount: Decimal
    reference: str
    note: str


@dataclass
class Parsed:
    """A file read: its rows if every one is valid, else the problems (the rows read so far
    are kept for the preview)."""

    sha256: str
    rows: list[Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def total(self) -> Decimal:
        return sum((row.amount for row in self.rows), Decimal(0))


def line_name(line: BudgetLine) -> str:
    """How the file names a budget line: its description, else its category."""
    return line.description or line.get_category_display()


def accepted_names(lines: Iterable[BudgetLine]) -> dict[str, list[BudgetLine]]:
    """Every value the `budget_line` column accepts (case-folded), with the lines it names:
    each line's description, and each category's label when one line has that category."""
    lines = list(lines)
    names: dict[str, list[BudgetLine]] = {}
    for line in lines:
        names.setdefault(line_name(line).casefold(), []).append(line)
    for line in lines:
        label = line.get_category_display().casefold()
        same_category = [other for other in lines if other.category == line.category]
        if len(same_category) == 1 and line not in names.get(label, []):
            names.setdefault(label, []).append(line)
    return names


def shown_names(lines: Iterable[BudgetLine]) -> list[tuple[BudgetLine, list[str]]]:
    """For the page: each line with the values that name it in the file."""
    lines = list(lines)
    names = accepted_names(lines)
    found: dict[int, list[str]] = {line.pk: [] for line in lines}
    for line in lines:
        for text in (line_name(line), line.get_category_display()):
            if names.get(text.casefold()) == [line] and text not in found[line.pk]:
                found[line.pk].append(text)
    return [(line, found[line.pk]) for line in lines]


def sample(lines: Iterable[BudgetLine]) -> str:
    """A small file that imports as it is into a plan with these lines."""
    today = timezone.localdate()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for number, (_, names) in enumerate(shown_names(lines)[:3], start=1):
        # A name that reads as a formula would be refused: that line is left out.
        if names and not names[0].startswith(FORMULA_START):
            writer.writerow([today.isoformat(), names[0], "1,250.00", f"INV-2026-{number:03d}", ""])
    return out.getvalue()


def date_hint(text: str) -> str:
    """What to type instead: the same day as YYYY-MM-DD when the text looks like a date
    (“31/02/2026” → the month's last day, 2026-02-28), else the form with today's date."""
    numbers = None
    if match := DAY_FIRST.match(text):
        day, month, year = (int(part) for part in match.groups())
        numbers = (year, month, day)
    elif match := YEAR_FIRST.match(text):
        numbers = tuple(int(part) for part in match.groups())
    if numbers and 1 <= numbers[1] <= 12 and numbers[0] >= 1:
        year, month, day = numbers
        last = calendar.monthrange(year, month)[1]
        return date(year, month, min(max(day, 1), last)).isoformat()
    return f"YYYY-MM-DD, e.g. {timezone.localdate().isoformat()}"


def _date(text: str) -> date:
    if ISO_DATE.match(text):
        try:
            when = date.fromisoformat(text)
        except ValueError:
            pass
        else:
            if when > timezone.localdate():
                raise ValidationError(
                    f"date {when.isoformat()} is in the future (an actual cost is money spent)"
                )
            return when
    raise ValidationError(f"date '{text}' is not a date (use {date_hint(text)})")


AMOUNT_FIELD = MoneyField(max_digits=14, decimal_places=2, validators=money_validators)


def _amount(text: str) -> Decimal:
    try:
        amount = AMOUNT_FIELD.clean(text)
    except ValidationError as error:
        raise ValidationError(f"amount '{text}': {' '.join(error.messages)}") from None
    return amount  # above zero and below the cap: the money validators said so


def _text(name: str, text: str, *, required: bool) -> str:
    stripped = text.strip()
    if stripped.startswith(FORMULA_START):
        raise ValidationError(
            f"{name} '{stripped[:40]}' starts with '{stripped[0]}', which a spreadsheet runs "
            "as a formula: remove it"
        )
    max_length = ActualCost._meta.get_field(name).max_length
    try:
        value = LineField(max_length=max_length, required=required).clean(text)
    except ValidationError as error:
        first = error.error_list[0]
        message = f"{name}: {first.messages[0]}"
        if first.code == "required":
            message = f"{name} is empty (a supplier or reference is required)"
        elif first.code == "max_length":
            message = f"{name} is longer than {max_length} characters"
        raise ValidationError(message) from None
    return value


def _budget_line(text: str, names: dict[str, list[BudgetLine]]) -> BudgetLine:
    found = names.get(text.strip().casefold(), [])
    if len(found) == 1:
        return found[0]
    if found:
        raise ValidationError(
            f"budget line '{text}' names {len(found)} lines of the plan: give each line its "
            "own description in the plan"
        )
    accepted = ", ".join(sorted({line_name(line) for lines in names.values() for line in lines}))
    raise ValidationError(
        f"budget line '{text}' is not a line of this project's plan (use one of: {accepted})"
    )


def _row(line: int, cells: list[str], names: dict[str, list[BudgetLine]]) -> Row:
    """One row, or a ValidationError listing everything wrong with it."""
    problems: list[str] = []
    values: dict[str, object] = {}
    checks = {
        "date": lambda text: _date(text.strip()),
        "budget_line": lambda text: _budget_line(text, names),
        "amount": lambda text: _amount(text),
        "reference": lambda text: _text("reference", text, required=True),
        "note": lambda text: _text("note", text, required=False),
    }
    for name, text in zip(HEADER, cells, strict=True):
        try:
            values[name] = checks[name](text)
        except ValidationError as error:
            problems += error.messages
    if problems:
        raise ValidationError([f"Line {line}: {problem}" for problem in problems])
    return Row(line=line, **values)  # type: ignore[arg-type]


def parse(content: bytes, lines: Iterable[BudgetLine]) -> Parsed:
    """Read a whole file against the plan's budget lines."""
    parsed = Parsed(sha256=hashlib.sha256(content).hexdigest())
    if len(content) > max_bytes():
        parsed.errors.append(too_large(len(content)))
        return parsed
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        parsed.errors.append(
            "The file is not UTF-8 text: save it from the spreadsheet as “CSV UTF-8” and "
            "upload it again."
        )
        return parsed
    reader = csv.reader(io.StringIO(text, newline=""))
    names = accepted_names(lines)
    try:
        header = next(reader, None)
        if header is None:
            parsed.errors.append("The file is empty: it needs the header and one row a cost.")
            return parsed
        if [cell.strip().casefold() for cell in header] != list(HEADER):
            parsed.errors.append(
                f"Line 1: the header must be {','.join(HEADER)} (the file has "
                f"'{','.join(header)[:200]}')."
            )
            return parsed
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # a blank line
            if len(parsed.rows) + len(parsed.errors) >= max_rows():
                parsed.errors.insert(
                    0,
                    f"The file has more than {max_rows():,} rows: import it in smaller files.",
                )
                return parsed
            if len(cells) != len(HEADER):
                parsed.errors.append(
                    f"Line {reader.line_num}: {len(cells)} cells, where the header has "
                    f"{len(HEADER)} ({','.join(HEADER)})"
                )
                continue
            try:
                parsed.rows.append(_row(reader.line_num, cells, names))
            except ValidationError as error:
                parsed.errors += error.messages
    except csv.Error as error:
        parsed.errors.append(f"Line {reader.line_num}: the file is not valid CSV ({error}).")
        return parsed
    if not parsed.rows and not parsed.errors:
        parsed.errors.append("The file has the header but no rows: nothing to import.")
    return parsed


def too_large(size: int) -> str:
    return (
        f"The file is {size / 1024:,.0f} KB; an import takes files up to "
        f"{settings.ACTUALS_IMPORT_MAX_KB:,} KB: split it into smaller files."
    )
