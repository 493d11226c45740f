"""Forms list their fields explicitly: state, stage, owners and sponsors are never posted."""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from lifecycle.services import COMMENT_MAX_LENGTH
from projects.models import (
    BudgetLine,
    Category,
    Charter,
    CharterItem,
    CharterRisk,
    ClosureGoal,
    ClosureReport,
    Deliverable,
    Direction,
    Funding,
    Goal,
    Measurement,
    Milestone,
    Plan,
    PlanMilestone,
    PlanTask,
    Project,
    Proposal,
    Requirement,
    Risk,
    ScopeItem,
    Sponsor,
    Stakeholder,
    StatusReport,
    Task,
)
from projects.services.definition import measurement_check

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# A blank first choice: a risk row added and left untouched is ignored, not an error.
LIKELIHOOD = [
    ("", "Choose…"),
    (1, "1 – Rare"),
    (2, "2 – Unlikely"),
    (3, "3 – Possible"),
    (4, "4 – Likely"),
    (5, "5 – Almost certain"),
]
IMPACT = [
    ("", "Choose…"),
    (1, "1 – Minor"),
    (2, "2 – Moderate"),
    (3, "3 – Serious"),
    (4, "4 – Major"),
    (5, "5 – Severe"),
]


def end_not_before_start(form: forms.Form, cleaned: dict[str, Any]) -> dict[str, Any]:
    start, end = cleaned.get("start_date"), cleaned.get("end_date")
    if start and end and end < start:
        form.add_error("end_date", "The end must not be before the start.")
    return cleaned


class SponsorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Sponsor) -> str:
        return str(obj)


def active_sponsors() -> QuerySet[Sponsor]:
    return Sponsor.objects.filter(user__is_active=True).select_related("user")


class BusinessCaseForm(forms.ModelForm):
    """The business case: the project's identity (title, category, sponsor) and its case."""

    title = forms.CharField(max_length=200)
    category = forms.ChoiceField(choices=Category.choices)
    sponsor = SponsorChoiceField(
        queryset=Sponsor.objects.none(), help_text="Who decides on this business case."
    )

    class Meta:
        model = Proposal
        fields = Proposal.CASE_FIELDS
        widgets = {
            "goal": forms.Textarea(attrs={"rows": 2}),
            "need": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "benefits": forms.Textarea(attrs={"rows": 2}),
            "start_date": DATE_INPUT,
            "end_date": DATE_INPUT,
        }

    def __init__(self, *args: Any, project: Project | None = None, **kwargs: Any) -> None:
        if project is not None:
            kwargs.setdefault(
                "initial",
                {"title": project.title, "category": project.category, "sponsor": project.sponsor},
            )
        super().__init__(*args, **kwargs)
        self.fields["sponsor"].queryset = active_sponsors()
        self.fields["estimated_cost"].widget.attrs.update({"min": "0.01", "step": "0.01"})
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset("The case", "title", "category", "sponsor", "goal", "need", "description"),
            Fieldset(
                "Cost, time and benefits",
                Div(
                    Div("estimated_cost", css_class="col-md-4"),
                    Div("start_date", css_class="col-md-4"),
                    Div("end_date", css_class="col-md-4"),
                    css_class="row",
                ),
                "benefits",
            ),
        )

    def clean(self) -> dict[str, Any]:
        return end_not_before_start(self, super().clean())

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class RiskForm(forms.ModelForm):
    class Meta:
        model = Risk
        fields = ["description", "likelihood", "impact", "mitigation"]
        widgets = {
            "likelihood": forms.Select(choices=LIKELIHOOD),
            "impact": forms.Select(choices=IMPACT),
            "mitigation": forms.Textarea(attrs={"rows": 1}),
        }


def list_formset(
    parent: type, model: type, *, max_num: int = 100, **options: Any
) -> type[forms.BaseInlineFormSet]:
    """Rows of a list on a form page: none extra (the page adds them), deletable, bounded."""
    return forms.inlineformset_factory(
        parent, model, extra=0, can_delete=True, max_num=max_num, validate_max=True, **options
    )


RiskFormSet = list_formset(Proposal, Risk, form=RiskForm, max_num=50)


class FundingForm(forms.ModelForm):
    class Meta:
        model = Funding
        fields = ["amount", "source", "approved_on"]
        widgets = {"approved_on": DATE_INPUT}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].widget.attrs.update({"min": "0.01", "step": "0.01"})
        self.helper = FormHelper()
        self.helper.form_tag = False


class CommentForm(forms.Form):
    """The comment box of a decision or stage action; whether it is required is the
    transition's rule, checked by the service."""

    comment = forms.CharField(
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# -- The charter -----------------------------------------------------------------------------


class CharterForm(forms.ModelForm):
    """The charter's text sections; `version` refuses a form opened before the last save."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Charter
        fields = Charter.TEXT_FIELDS
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in Charter.TEXT_FIELDS}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        self.helper = FormHelper()
        self.helper.form_tag = False


def _list_formset(model: type, fields: tuple[str, ...], **widgets: forms.Widget) -> type:
    return list_formset(Charter, model, fields=fields, widgets=widgets)


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = Task.FIELDS
        widgets = {"start_date": DATE_INPUT, "end_date": DATE_INPUT}

    def clean(self) -> dict[str, Any]:
        return end_not_before_start(self, super().clean())


class CharterRiskForm(RiskForm):
    class Meta(RiskForm.Meta):
        model = CharterRisk


ITEM_ADD_LABELS = {
    "assumption": "Add an assumption",
    "constraint": "Add a constraint",
    "strength": "Add a strength",
    "weakness": "Add a weakness",
}

# Every list of the charter, in the order of the document: key, heading, button, formset class.
CHARTER_FORMSETS = [
    (
        "stakeholders",
        "Stakeholders",
        "Add a stakeholder",
        _list_formset(Stakeholder, Stakeholder.FIELDS),
    ),
    (
        "milestones",
        "Timetable (milestones)",
        "Add a milestone",
        _list_formset(Milestone, Milestone.FIELDS, due_date=DATE_INPUT),
    ),
    (
        "deliverables",
        "Major deliverables",
        "Add a deliverable",
        _list_formset(
            Deliverable, Deliverable.FIELDS, description=forms.Textarea(attrs={"rows": 1})
        ),
    ),
    *[
        (
            kind.value,
            kind.label,
            ITEM_ADD_LABELS[kind.value],
            _list_formset(CharterItem, CharterItem.FIELDS),
        )
        for kind in CharterItem.Kind
    ],
    (
        "tasks",
        "Work plan",
        "Add a task",
        list_formset(Charter, Task, form=TaskForm, max_num=200),
    ),
    (
        "risks",
        "Key risks",
        "Add a risk",
        list_formset(Charter, CharterRisk, form=CharterRiskForm, max_num=50),
    ),
]


@dataclass(frozen=True)
class FormsetSection:
    """One list on a form page: what the template needs to render and extend it."""

    key: str
    heading: str
    add_label: str
    formset: forms.BaseModelFormSet


def charter_formsets(data: Any, charter: Charter) -> list[FormsetSection]:
    """Bound (or unbound) formsets for every list; the four short lists share one model."""
    sections = []
    for key, heading, add_label, formset_class in CHARTER_FORMSETS:
        kwargs: dict[str, Any] = {"instance": charter, "prefix": key}
        if key in CharterItem.Kind.values:
            kwargs["queryset"] = CharterItem.objects.filter(charter=charter, kind=key)
        sections.append(FormsetSection(key, heading, add_label, formset_class(data, **kwargs)))
    return sections


# -- Definition: goals, measurements, scope ----------------------------------------------------

THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


class NumberField(forms.DecimalField):
    """A number as people type it: “1,000”, “40%”, “ 12.5 ” all mean what they say."""

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            value = value.strip().removesuffix("%").strip()
            if THOUSANDS.match(value):
                value = value.replace(",", "")
        return super().to_python(value)


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = Goal.FIELDS
        field_classes = {"baseline": NumberField, "target": NumberField}
        widgets = {
            "start_date": DATE_INPUT,
            "due_date": DATE_INPUT,
            "baseline": forms.TextInput(attrs={"inputmode": "decimal"}),
            "target": forms.TextInput(attrs={"inputmode": "decimal"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "statement",
            Div(
                Div("metric", css_class="col-md-5"),
                Div("unit", css_class="col-md-3"),
                Div("direction", css_class="col-md-4"),
                css_class="row",
            ),
            Div(
                Div("baseline", css_class="col-md-3"),
                Div("target", css_class="col-md-3"),
                Div("start_date", css_class="col-md-3"),
                Div("due_date", css_class="col-md-3"),
                css_class="row",
            ),
            "owner",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, due = cleaned.get("start_date"), cleaned.get("due_date")
        if start and due and due <= start:
            self.add_error("due_date", "The due date must be after the start.")
        baseline, target = cleaned.get("baseline"), cleaned.get("target")
        direction = cleaned.get("direction")
        if baseline is not None and target is not None:
            if target == baseline:
                self.add_error("target", "The target must differ from the baseline.")
            elif direction == Direction.INCREASE and target < baseline:
                self.add_error("target", "To increase, the target must be above the baseline.")
            elif direction == Direction.DECREASE and target > baseline:
                self.add_error("target", "To decrease, the target must be below the baseline.")
        return cleaned


class MeasurementForm(forms.ModelForm):
    class Meta:
        model = Measurement
        fields = Measurement.FIELDS
        field_classes = {"value": NumberField}
        widgets = {"date": DATE_INPUT, "value": forms.TextInput(attrs={"inputmode": "decimal"})}

    def __init__(self, *args: Any, goal: Goal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.goal = goal
        self.fields["date"].initial = timezone.localdate()
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_date(self) -> date:
        when = self.cleaned_data["date"]
        try:
            measurement_check(self.goal, when)
        except ValidationError as error:
            raise ValidationError(error.message_dict["date"]) from error
        return when


SCOPE_FORMSETS = [
    (
        "in_scope",
        "In scope",
        "Add an in-scope item",
        list_formset(Project, ScopeItem, fields=ScopeItem.FIELDS),
    ),
    (
        "out_of_scope",
        "Out of scope",
        "Add an out-of-scope item",
        list_formset(Project, ScopeItem, fields=ScopeItem.FIELDS),
    ),
    (
        "requirements",
        "Requirements",
        "Add a requirement",
        list_formset(
            Project,
            Requirement,
            fields=Requirement.FIELDS,
            widgets={"acceptance_criterion": forms.Textarea(attrs={"rows": 1})},
            max_num=300,
        ),
    ),
]
SCOPE_KINDS = {"in_scope": ScopeItem.Kind.IN, "out_of_scope": ScopeItem.Kind.OUT}


def scope_formsets(data: Any, project: Project) -> list[FormsetSection]:
    sections = []
    for key, heading, add_label, formset_class in SCOPE_FORMSETS:
        kwargs: dict[str, Any] = {"instance": project, "prefix": key}
        if key in SCOPE_KINDS:
            kwargs["queryset"] = ScopeItem.objects.filter(project=project, kind=SCOPE_KINDS[key])
        sections.append(FormsetSection(key, heading, add_label, formset_class(data, **kwargs)))
    return sections


# -- Planning, delivery, closure ---------------------------------------------------------------


class PlanTaskFormSet(forms.BaseInlineFormSet):
    """A task may depend on another task of the same plan, and only on one."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        tasks = (
            PlanTask.objects.filter(plan=self.instance)
            if self.instance.pk
            else PlanTask.objects.none()
        )
        form.fields["depends_on"].queryset = tasks

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            data = getattr(form, "cleaned_data", {})
            if data.get("depends_on") and data["depends_on"].pk == form.instance.pk:
                form.add_error("depends_on", "A task cannot depend on itself.")


class PlanTaskForm(forms.ModelForm):
    class Meta:
        model = PlanTask
        fields = PlanTask.FIELDS
        widgets = {"start_date": DATE_INPUT, "end_date": DATE_INPUT}

    def clean(self) -> dict[str, Any]:
        return end_not_before_start(self, super().clean())


PLAN_FORMSETS = [
    (
        "tasks",
        "Work plan",
        "Add a task",
        list_formset(Plan, PlanTask, form=PlanTaskForm, formset=PlanTaskFormSet, max_num=300),
    ),
    (
        "milestones",
        "Milestones",
        "Add a milestone",
        list_formset(
            Plan, PlanMilestone, fields=PlanMilestone.FIELDS, widgets={"due_date": DATE_INPUT}
        ),
    ),
    (
        "budget_lines",
        "Planned budget",
        "Add a budget line",
        list_formset(Plan, BudgetLine, fields=BudgetLine.FIELDS),
    ),
]


class PlanForm(forms.Form):
    """The plan's save counter: a form opened before the last save is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput)


def plan_formsets(data: Any, plan: Plan) -> list[FormsetSection]:
    return [
        FormsetSection(key, heading, add_label, formset_class(data, instance=plan, prefix=key))
        for key, heading, add_label, formset_class in PLAN_FORMSETS
    ]


class StatusReportForm(forms.ModelForm):
    class Meta:
        model = StatusReport
        fields = StatusReport.FIELDS
        widgets = {
            "date": DATE_INPUT,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "next_steps": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"schedule": "Schedule (RAG)", "budget": "Budget (RAG)", "scope": "Scope (RAG)"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "date",
            Div(
                Div("schedule", css_class="col-4"),
                Div("budget", css_class="col-4"),
                Div("scope", css_class="col-4"),
                css_class="row",
            ),
            "summary",
            "next_steps",
        )

    def clean_date(self) -> date:
        when = self.cleaned_data["date"]
        if when > timezone.localdate():
            raise ValidationError("A status report cannot be dated in the future.")
        return when


class ClosureForm(forms.ModelForm):
    class Meta:
        model = ClosureReport
        fields = ClosureReport.TEXT_FIELDS
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in ClosureReport.TEXT_FIELDS}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ClosureGoalForm(forms.ModelForm):
    class Meta:
        model = ClosureGoal
        fields = ClosureGoal.FIELDS
        field_classes = {"final_value": NumberField}
        widgets = {"final_value": forms.TextInput(attrs={"inputmode": "decimal"})}


ClosureGoalFormSet = forms.inlineformset_factory(
    ClosureReport, ClosureGoal, form=ClosureGoalForm, extra=0, can_delete=False, max_num=200
)
