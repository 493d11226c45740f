"""The portfolio's filters and sorting (django-filter), applied to what the user may see."""

import hashlib
import re
from typing import Any

import django_filters
from django import forms
from django.core.cache import cache
from django.db.models import DecimalField, ExpressionWrapper, F, Model, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from lifecycle.stages import Stage
from projects.models import Category, Project, ProjectQuerySet, Proposal, Sponsor
from projects.statements import compiled

REFERENCE = re.compile(r"^\s*TG-?(\d+)\s*$", re.IGNORECASE)
TRIGRAM = 3  # the shortest text a trigram index can find (pg_trgm)


MONEY = DecimalField(max_digits=16, decimal_places=2)


def with_money(projects: ProjectQuerySet) -> ProjectQuerySet:
    """Each project with its business case's estimated cost (`Project.estimated_cost`, the
    database's copy) beside the funding it has (`funded`), what it has
    spent (`actual_cost`), its estimate at completion (`forecast_cost`) and the `variance` of
    that estimate against the baseline budget (blank until the plan is approved)."""
    return projects.annotate(
        estimated=Coalesce("estimated_cost", Value(0), output_field=MONEY),
        variance=ExpressionWrapper(F("forecast_cost") - F("baseline_budget"), output_field=MONEY),
    )


class Ordering(django_filters.OrderingFilter):
    """Sorting on a figure blank until the plan is approved puts the blank ones last, in
    either direction (the other columns are never blank, and keep their indexes' order).
    Projects that tie (the same cost, no variance yet) keep the list's own order, newest
    first: without it PostgreSQL may return ties in any order, and the pages would repeat
    some projects and skip others."""

    BLANK_FIRST = {"forecast_cost", "variance"}

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        ordered = super().filter(qs, value)
        if ordered is qs:  # no sort asked for: the list's own order
            return qs
        chosen = list(ordered.query.order_by)
        return ordered.order_by(*chosen, *self.tie_breaker(chosen))

    @staticmethod
    def tie_breaker(chosen: list[Any]) -> list[str]:
        """Newest first then by id (`Project.Meta.ordering`); after a sort by creation (Oldest
        first), projects created at the same moment by id in the same direction."""
        if chosen and isinstance(chosen[0], str) and chosen[0].lstrip("-") == "created_at":
            return ["-pk" if chosen[0].startswith("-") else "pk"]
        return list(Project._meta.ordering)

    def get_ordering_value(self, param: str) -> Any:
        value = super().get_ordering_value(param)
        name = value.lstrip("-")
        if name not in self.BLANK_FIRST:
            return value
        return F(name).desc(nulls_last=True) if value.startswith("-") else F(name).asc()


def _plain(value: Any) -> Any:
    """A cleaned value as a key can hold it: a record by its id, a list as a tuple."""
    if isinstance(value, Model):
        return (type(value).__name__, value.pk)
    if isinstance(value, list | tuple):
        return tuple(_plain(item) for item in value)
    return value


class PortfolioFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    stage = django_filters.ChoiceFilter(choices=Stage.choices, empty_label="Any stage")
    sponsor = django_filters.ModelChoiceFilter(
        queryset=Sponsor.objects.select_related("user"), empty_label="Any sponsor"
    )
    category = django_filters.ChoiceFilter(choices=Category.choices, empty_label="Any category")
    sort = Ordering(
        label="Sort by",
        empty_label="Newest first",
        fields=(
            ("title", "title"),
            ("stage_entered_at", "in_stage_since"),
            ("created_at", "created"),
            ("estimated", "estimated"),
            ("funded", "funded"),
            ("actual_cost", "actual"),
            ("forecast_cost", "eac"),
            ("variance", "variance"),
        ),
        field_labels={
            "title": "Title",
            "in_stage_since": "Longest in its stage",
            "created": "Oldest first",
            "estimated": "Estimated cost",
            "funded": "Funding",
            "actual": "Actual cost",
            "eac": "Estimate at completion",
            "variance": "Variance",
        },
    )

    class Meta:
        fields = ["q", "stage", "sponsor", "category"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            field.widget.attrs.setdefault("class", "form-select form-select-sm")
        self.form.fields["q"].widget = forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": "Title, goal or TG-0042"}
        )
        self.form.fields["sponsor"].label_from_instance = lambda sponsor: str(sponsor)

    def key(self) -> tuple[Any, ...]:
        """The filters as they narrow and sort the set: each valid field's cleaned value (a
        sponsor by id), which is all `qs` is built from beside the queryset it starts from.
        An invalid field is left out, as `qs` leaves it out."""
        self.is_valid()
        return tuple(
            (name, _plain(value)) for name, value in sorted(self.form.cleaned_data.items())
        )

    def rendered_fields(self) -> list[dict[str, str]]:
        """The filter form's fields as the page prints them (label, id, widget), kept in the
        process's cache for the same values and the same list of sponsors: Django renders each
        option of a select with its own template, 5–7 ms for these five fields on every page
        of the portfolio. The key holds everything the widgets show, so a hit is the HTML a
        render would give."""
        field = self.form.fields["sponsor"]
        listed = compiled(("portfolio filter's sponsors",), lambda: field.queryset).records()
        sponsors = [(sponsor.pk, str(sponsor)) for sponsor in listed]
        values = [(name, self.form.data.getlist(name)) for name in self.form.fields]
        key = hashlib.sha256(repr((values, sponsors)).encode()).hexdigest()
        fields = cache.get(f"portfolio-filter:{key}")
        if fields is None:
            fields = [
                {"label": str(field.label), "id_for_label": field.id_for_label, "html": str(field)}
                for field in self.form
            ]
            cache.set(f"portfolio-filter:{key}", fields, 3600)
        return fields

    def search(self, projects: QuerySet, name: str, value: str) -> QuerySet:
        """A reference (TG-0042) finds that project; other text, the projects whose title, or
        whose business case's goal or description, contains it. The ids come from one query
        per table joined by UNION, so on PostgreSQL each can use its trigram indexes (migration
        0026): an OR across the join to the business case is checked row by row on every
        project, and `pk IN (…) OR pk IN (…)` is planned for its first rows, which scans the
        business cases. A trigram index cannot help a pattern under three characters: such a
        search is one scan with the join, as cheap as it gets."""
        if match := REFERENCE.match(value):
            return projects.filter(pk=int(match[1]))
        if len(value) < TRIGRAM:
            return projects.filter(
                Q(title__icontains=value)
                | Q(proposal__goal__icontains=value)
                | Q(proposal__description__icontains=value)
            )
        titled = Project.objects.order_by().filter(title__icontains=value).values("pk")
        described = (
            Proposal.objects.order_by()
            .filter(Q(goal__icontains=value) | Q(description__icontains=value))
            .values("project_id")
        )
        return projects.filter(pk__in=titled.union(described))
