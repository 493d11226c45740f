"""Lists of child rows (risks, stakeholders, milestones…) edited as formsets.

A form hands the service plain rows — a dict of field values, with `id` for a row that already
exists — and the service makes the stored list exactly that, in one place for every list.
"""

from typing import Any

from django import forms
from django.db import models

Row = dict[str, Any]


def formset_rows(formset: forms.BaseModelFormSet, fields: tuple[str, ...]) -> list[Row]:
    """The rows a valid formset keeps: filled in and not marked for deletion."""
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        rows.append({"id": form.instance.pk} | {name: data.get(name) for name in fields})
    return rows


def sync_rows(
    model: type[models.Model], rows: list[Row], fields: tuple[str, ...], **parent: Any
) -> bool:
    """Make the parent's rows of `model` exactly `rows`: update, create, delete. Returns
    whether anything changed. Ids that are not the parent's are treated as new rows."""
    existing = {row.pk: row for row in model.objects.filter(**parent)}
    changed = False
    kept = set()
    for row in rows:
        values = {name: row.get(name) for name in fields}
        instance = existing.get(row.get("id"))
        if instance is None:
            model.objects.create(**parent, **values)
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
        model.objects.filter(pk__in=removed).delete()
        changed = True
    return changed
