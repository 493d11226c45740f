"""Logging in, a person's own profile, the PMO's People page, and handing a project to a new
manager."""

from datetime import date
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from projects.formats import person
from projects.forms.common import LineField, NumberField, RecordForm
from projects.models import Profile, Project, Sponsor, TokenScope
from projects.roles import SPONSORS_GROUP
from projects.services.sso import password_login_allowed


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True  # the page's form tag has it
    return helper


class NotificationsForm(RecordForm):
    """The e-mails a person chooses to get."""

    class Meta(RecordForm.Meta):
        model = Profile
        fields = ["digest", "mention_emails"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class DetailsForm(forms.Form):
    """A person's own name, title and e-mail address. Changing the address asks for the
    password: whoever holds the address can reset the password, so a borrowed session must
    not be enough to take the account."""

    first_name = LineField(label="First name", max_length=150)
    last_name = LineField(label="Last name", max_length=150)
    title = LineField(
        label="Title", max_length=120, required=False, help_text="Your job title, e.g. “Analyst”."
    )
    email = forms.EmailField(label="E-mail", max_length=254)
    current_password = forms.CharField(
        label="Current password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Needed only to change your e-mail address.",
    )

    def __init__(self, *args: Any, user: AbstractBaseUser, **kwargs: Any) -> None:
        profile = Profile.objects.filter(user=user).first()
        kwargs.setdefault(
            "initial",
            {
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "title": profile.title if profile else "",
            },
        )
        super().__init__(*args, **kwargs)
        self.user = user
        self.helper = _helper()
        self.helper.layout = Layout(
            Div(
                Div("first_name", css_class="col-sm-6"),
                Div("last_name", css_class="col-sm-6"),
                css_class="row",
            ),
            "title",
            "email",
            "current_password",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        email = data.get("email")
        changed = email and email.lower() != (self.user.email or "").lower()
        if changed and not self.user.check_password(data.get("current_password") or ""):
            self.add_error("current_password", "Enter your current password to change your e-mail.")
        data.pop("current_password", None)
        return data


class RolesField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class PersonForm(forms.Form):
    """Someone the PMO invites or changes: name, e-mail, roles and, for a sponsor, the title,
    business unit and approval limit. The service says why anything else is refused (an
    address someone has, a sponsor's role taken from someone who sponsors projects)."""

    username = forms.CharField(
        label="Username",
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="What they log in with: letters, digits and @/./+/-/_ only.",
    )
    first_name = LineField(label="First name", max_length=150)
    last_name = LineField(label="Last name", max_length=150)
    email = forms.EmailField(
        label="E-mail", max_length=254, help_text="The invitation goes to this address."
    )
    title = LineField(label="Job title", max_length=120, required=False)
    groups = RolesField(
        queryset=Group.objects.order_by("name"),
        label="Roles",
        required=False,
        help_text="Sponsors need a sponsor title and business unit below.",
    )
    sponsor_title = LineField(
        label="Sponsor title", max_length=120, required=False, help_text="e.g. “CIO”."
    )
    business_unit = LineField(label="Business unit", max_length=120, required=False)
    approval_limit = NumberField(
        label="Approval limit",
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text="What the sponsor approves alone, e.g. “50,000”. Blank is unlimited.",
    )

    def __init__(self, *args: Any, user: AbstractBaseUser | None = None, **kwargs: Any) -> None:
        """`user`: the person changed (their username stays); None to invite someone."""
        if user is not None:
            # Shown, never compared: the rulebook alone compares approval limits.
            sponsor = (
                Sponsor.objects.filter(user=user)
                .values("title", "business_unit", "approval_limit")
                .first()
            )
            profile = Profile.objects.filter(user=user).first()
            kwargs.setdefault(
                "initial",
                {
                    "first_name": user.first_name,
                    "last_name": user.last_name,
                    "email": user.email,
                    "title": profile.title if profile else "",
                    # A sponsor profile is the sponsor's role, in the group or not.
                    "groups": list(
                        Group.objects.filter(
                            Q(user=user) | Q(name=SPONSORS_GROUP if sponsor else None)
                        )
                    ),
                    "sponsor_title": sponsor["title"] if sponsor else "",
                    "business_unit": sponsor["business_unit"] if sponsor else "",
                    "approval_limit": sponsor["approval_limit"] if sponsor else None,
                },
            )
        super().__init__(*args, **kwargs)
        if user is not None:
            del self.fields["username"]
        self.helper = _helper()
        names = [name for name in ("username",) if name in self.fields]
        self.helper.layout = Layout(
            *names,
            Div(
                Div("first_name", css_class="col-sm-6"),
                Div("last_name", css_class="col-sm-6"),
                css_class="row",
            ),
            "email",
            "title",
            Field("groups"),
            Fieldset(
                "Sponsor",
                "sponsor_title",
                "business_unit",
                "approval_limit",
                css_class="border rounded px-3 pt-2 mb-3",
            ),
        )


class ManagerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: AbstractBaseUser) -> str:
        return person(obj)


def possible_managers(project: Project) -> Any:
    """Active people who write business cases (the managers' permission), neither the
    project's manager now nor its sponsor."""
    writes = Q(groups__permissions__codename="add_project") | Q(
        user_permissions__codename="add_project"
    )
    people = get_user_model()._default_manager.filter(writes, is_active=True).distinct()
    return people.exclude(pk__in=[project.manager_id, project.sponsor_id]).order_by(
        "last_name", "first_name"
    )


class ManagerChangeForm(forms.Form):
    """The PMO names another manager: never the sponsor, never the manager now; with a
    reason."""

    manager = ManagerChoiceField(queryset=Project.objects.none(), label="New manager")
    comment = forms.CharField(
        label="Reason", max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = possible_managers(project)
        self.helper = _helper()


class LoginForm(AuthenticationForm):
    """Django's log-in form; with single sign-on limited to `OIDC_PASSWORD_USERS`, anyone else
    is sent to the provider before any password is checked (so nothing about it is revealed,
    and no attempt is counted against the account)."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        if username and not password_login_allowed(username=username):
            raise ValidationError(
                f"Passwords are kept for the PMO's break-glass accounts: use "
                f"Sign in with {settings.OIDC_PROVIDER_NAME} above.",
                code="sso_only",
            )
        return super().clean()


class TokenForm(forms.Form):
    """A new personal access token: what it is for, what it may do, until when."""

    name = LineField(label="Token name", max_length=100, help_text="What it is for, e.g. “Jira”.")
    scope = forms.ChoiceField(
        label="Scope",
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        help_text="A read token may only read; a write token acts as you do in the browser.",
    )
    expires_on = forms.DateField(
        label="Expires on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The last day it works. Leave blank for a token that never expires.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean_expires_on(self) -> date | None:
        expires_on = self.cleaned_data["expires_on"]
        if expires_on is not None and expires_on < timezone.localdate():
            raise forms.ValidationError("Choose today or a later day.")
        return expires_on
