"""The portfolio's filters and sorting (django-filter), applied to what the user may see."""

import re

import django_filters
from django import forms
from django.db.models import DecimalField, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from lifecycle.stages import Stage
from projects.models import Category, ProjectQuerySet, Sponsor

REFERENCE = re.compile(r"^\s*TG-?(\d+)\s*$", re.IGNORECASE)


def with_money(projects: ProjectQuerySet) -> ProjectQuerySet:
    """Each project with its estimated cost beside the funding it has (`funded`)."""
    return projects.annotate(
        estimated=Coalesce(
            "proposal__estimated_cost",
            Value(0),
            output_field=DecimalField(max_digits=16, decimal_places=2),
        )
    )


class PortfolioFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    stage = django_filters.ChoiceFilter(choices=Stage.choices, empty_label="Any stage")
    sponsor = django_filters.ModelChoiceFilter(
        queryset=Sponsor.objects.select_related("user"), empty_label="Any sponsor"
    )
    category = django_filters.ChoiceFilter(choices=Category.choices, empty_label="Any category")
    sort = django_filters.OrderingFilter(
        label="Sort by",
        empty_label="Newest first",
        fields=(
            ("title", "title"),
            ("stage_entered_at", "in_stage_since"),
            ("created_at", "created"),
            ("estimated", "estimated"),
            ("funded", "funded"),
        ),
        field_labels={
            "title": "Title",
            "in_stage_since": "Longest in its stage",
            "created": "Oldest first",
            "estimated": "Estimated cost",
            "funded": "Funding",
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

    def search(self, projects: QuerySet, name: str, value: str) -> QuerySet:
        if match := REFERENCE.match(value):
            return projects.filter(pk=int(match[1]))
        return projects.filter(
            Q(title__icontains=value)
            | Q(proposal__goal__icontains=value)
            | Q(proposal__description__icontains=value)
        )
