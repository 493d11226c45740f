"""Lists of child rows — a business case's risks, a charter's stakeholders and milestones, a
scope's items, a plan's tasks — each declared once, for the page that edits it and the service
that stores it.

A `RowList` names the list (`key`: the form's prefix and the service's argument), the model of
its rows and their fields, the parent they hang from, what is fixed for every row of the list
(a charter item's kind), and how a page shows it: a heading, the button that adds a row,
widgets. A page binds it to a formset (`bind`); the formset's rows reach the service as plain
dicts — field values, with `id` for a row that already exists (`ListSection.rows`); the
service makes the stored list exactly that (`RowList.store`).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django import forms
from django.db import models

from lifecycle.errors import TooMuch
from projects.forms.common import DATE_INPUT, ONE_LINE, RecordForm
from projects.models import (
    BudgetLine,
    CharterItem,
    CharterRisk,
    Deliverable,
    Milestone,
    PlanMilestone,
    PlanTask,
    Requirement,
    Risk,
    ScopeItem,
    Stakeholder,
    Task,
)

Row = dict[str, Any]


class ListFormSet(forms.BaseInlineFormSet):
    """The rows of one list. A foreign key named in `within` may point only to another row of
    the same list (a task depends on a task of the same plan), never to the row itself. All its
    rows together hold at most `max_text` characters, so the document stays printable."""

    within: tuple[str, ...] = ()
    max_text: int = 20_000
    heading: str = ""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        siblings = self.model.objects.none()
        if self.instance.pk is not None:
            siblings = self.model.objects.filter(**{self.fk.name: self.instance})
        for name in self.within:
            form.fields[name].queryset = siblings

    def clean(self) -> None:
        super().clean()
        written = 0
        for form in self.forms:
            data = getattr(form, "cleaned_data", {})
            for name in self.within:
                if data.get(name) and data[name].pk == form.instance.pk:
                    form.add_error(name, "A task cannot depend on itself.")
            if data and not data.get("DELETE"):
                written += sum(len(value) for value in data.values() if isinstance(value, str))
        if written > self.max_text:
            raise forms.ValidationError(
                f"Keep “{self.heading}” under {self.max_text:,} characters in all; it has "
                f"{written:,}. Shorten or merge rows: the document must stay printable."
            )


@dataclass(frozen=True)
class RowList:
    key: str
    heading: str
    add_label: str
    model: type[models.Model]
    parent: str  # the rows' foreign key to what they belong to
    fixed: Mapping[str, str] = field(default_factory=dict)
    widgets: Mapping[str, forms.Widget] = field(default_factory=dict)
    within: tuple[str, ...] = ()
    max_num: int = 100
    max_text: int = 20_000  # characters in all the list's rows

    @property
    def fields(self) -> tuple[str, ...]:
        return self.model.FIELDS

    @cached_property
    def formset_class(self) -> type[ListFormSet]:
        return forms.inlineformset_factory(
            self.model._meta.get_field(self.parent).related_model,
            self.model,
            form=RecordForm,
            formset=type(
                f"{self.model.__name__}FormSet",
                (ListFormSet,),
                {"within": self.within, "max_text": self.max_text, "heading": self.heading},
            ),
            fields=self.fields,
            widgets=dict(self.widgets),
            extra=0,  # the page adds rows
            can_delete=True,
            max_num=self.max_num,
            absolute_max=self.max_num,
            validate_max=True,
        )

    def bind(self, data: Any, parent: models.Model) -> "ListSection":
        self.refuse_too_many(data)
        rows = self.model.objects.none()  # a new parent has none yet
        if parent.pk is not None:
            rows = self.model.objects.filter(**{self.parent: parent}, **self.fixed)
        return ListSection(
            self, self.formset_class(data, instance=parent, prefix=self.key, queryset=rows)
        )

    def refuse_too_many(self, data: Any) -> None:
        """More rows than the list takes are refused before a single form is built (a small
        request claiming 100,000 rows must not hold a worker)."""
        sent = (data or {}).get(f"{self.key}-TOTAL_FORMS", "0")
        if sent.isdigit() and int(sent) > self.max_num:
            raise TooMuch(
                f"“{self.heading}” takes at most {self.max_num} rows; {int(sent):,} were sent. "
                "Nothing was saved."
            )

    def store(self, rows: list[Row], parent: models.Model) -> bool:
        """Make the parent's rows of this list exactly `rows`: update, create, delete. Ids that
        are not the parent's are treated as new rows. Returns whether anything changed."""
        owner = {self.parent: parent, **self.fixed}
        existing = {row.pk: row for row in self.model.objects.filter(**owner)}
        changed, kept = False, set()
        for row in rows:
            values = {name: row.get(name) for name in self.fields}
            instance = existing.get(row.get("id"))
            if instance is None:
                self.model.objects.create(**owner, **values)
                changed = True
                continue
            kept.add(instance.pk)
            if any(getattr(instance, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(instance, name, value)
                instance.save()
                changed = True
        removed = [pk for pk in existing if pk not in kept]
        if removed:
            self.model.objects.filter(pk__in=removed).delete()
            changed = True
        return changed


@dataclass(frozen=True)
class ListSection:
    """One list bound to a form page: what the template renders and extends."""

    spec: RowList
    formset: ListFormSet

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def heading(self) -> str:
        return self.spec.heading

    @property
    def add_label(self) -> str:
        return self.spec.add_label

    def rows(self) -> list[Row]:
        """The rows the valid formset keeps: filled in and not marked for deletion."""
        rows = []
        for form in self.formset.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            rows.append(
                {"id": form.instance.pk} | {name: data.get(name) for name in self.spec.fields}
            )
        return rows


def bind(lists: Sequence[RowList], data: Any, parent: models.Model) -> list[ListSection]:
    return [spec.bind(data, parent) for spec in lists]


def valid(sections: Sequence[ListSection]) -> bool:
    return all([section.formset.is_valid() for section in sections])  # every one shows errors


def rows_of(sections: Sequence[ListSection]) -> dict[str, list[Row]]:
    return {section.key: section.rows() for section in sections}


def by_key(lists: Sequence[RowList]) -> dict[str, RowList]:
    return {spec.key: spec for spec in lists}


# -- The lists of every record -------------------------------------------------------------------

# A blank first choice: a risk row added and left untouched is ignored, not an error.
LIKELIHOOD = [("", "Choose…"), (1, "1 – Rare"), (2, "2 – Unlikely"), (3, "3 – Possible")]
LIKELIHOOD += [(4, "4 – Likely"), (5, "5 – Almost certain")]
IMPACT = [("", "Choose…"), (1, "1 – Minor"), (2, "2 – Moderate"), (3, "3 – Serious")]
IMPACT += [(4, "4 – Major"), (5, "5 – Severe")]
RISK_WIDGETS = {
    "likelihood": forms.Select(choices=LIKELIHOOD),
    "impact": forms.Select(choices=IMPACT),
    "mitigation": ONE_LINE,
}

RISKS = RowList("risks", "Risks", "Add a risk", Risk, "proposal", widgets=RISK_WIDGETS, max_num=50)

# The charter's lists, in the order of the document.
CHARTER_LISTS = (
    RowList("stakeholders", "Stakeholders", "Add a stakeholder", Stakeholder, "charter"),
    RowList(
        "milestones",
        "Timetable (milestones)",
        "Add a milestone",
        Milestone,
        "charter",
        widgets={"due_date": DATE_INPUT},
    ),
    RowList(
        "deliverables",
        "Major deliverables",
        "Add a deliverable",
        Deliverable,
        "charter",
        widgets={"description": ONE_LINE},
    ),
    *[
        RowList(kind.value, kind.label, add_label, CharterItem, "charter", fixed={"kind": kind})
        for kind, add_label in (
            (CharterItem.Kind.ASSUMPTION, "Add an assumption"),
            (CharterItem.Kind.CONSTRAINT, "Add a constraint"),
            (CharterItem.Kind.STRENGTH, "Add a strength"),
            (CharterItem.Kind.WEAKNESS, "Add a weakness"),
        )
    ],
    RowList(
        "tasks",
        "Work plan",
        "Add a task",
        Task,
        "charter",
        widgets={"start_date": DATE_INPUT, "end_date": DATE_INPUT},
        max_num=200,
    ),
    RowList(
        "risks", "Key risks", "Add a risk", CharterRisk, "charter", widgets=RISK_WIDGETS, max_num=50
    ),
)

SCOPE_LISTS = (
    RowList(
        "in_scope",
        "In scope",
        "Add an in-scope item",
        ScopeItem,
        "project",
        fixed={"kind": ScopeItem.Kind.IN},
    ),
    RowList(
        "out_of_scope",
        "Out of scope",
        "Add an out-of-scope item",
        ScopeItem,
        "project",
        fixed={"kind": ScopeItem.Kind.OUT},
    ),
    RowList(
        "requirements",
        "Requirements",
        "Add a requirement",
        Requirement,
        "project",
        widgets={"acceptance_criterion": ONE_LINE},
        max_num=300,
    ),
)

# Tasks first: milestones and budget lines are stored after them.
PLAN_LISTS = (
    RowList(
        "tasks",
        "Work plan",
        "Add a task",
        PlanTask,
        "plan",
        widgets={"start_date": DATE_INPUT, "end_date": DATE_INPUT},
        within=("depends_on",),
        max_num=300,
    ),
    RowList(
        "milestones",
        "Milestones",
        "Add a milestone",
        PlanMilestone,
        "plan",
        widgets={"due_date": DATE_INPUT},
    ),
    RowList("budget_lines", "Planned budget", "Add a budget line", BudgetLine, "plan"),
)
