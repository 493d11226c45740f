"""Accounts: logging in, resetting and changing one's password (Django's views, throttled and
sent through the worker), one's own profile, the PMO's People page, and handing a project to a
new manager."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lifecycle.rules import require
from projects.formats import person
from projects.forms.accounts import (
    DetailsForm,
    LoginForm,
    ManagerChangeForm,
    NotificationsForm,
    PersonForm,
    TokenForm,
)
from projects.models import Profile
from projects.selectors.accounts import PEOPLE_PAGE, open_projects_of, people_list, person_get
from projects.selectors.projects import project_get
from projects.selectors.tokens import token_get, tokens_of
from projects.services import accounts, tokens
from projects.services.profiles import details_update, profile_update
from projects.services.tokens import NewToken


def _origin(request: HttpRequest) -> str:
    """Where the person asked from: the links in their e-mail lead back there (Django's own
    reset view does the same; ALLOWED_HOSTS vouches for the host)."""
    return request.build_absolute_uri("/")


# -- Passwords ---------------------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    """Django's view and form, with two changes: requests are counted per address and per IP
    (`accounts.password_reset_throttle`), and the e-mail is sent by the worker after the
    commit. Known address or not, the answer is the same page."""

    def form_valid(self, form: Any) -> HttpResponse:
        email = form.cleaned_data["email"]
        wait = accounts.password_reset_throttle(
            email=email, ip=self.request.META.get("REMOTE_ADDR", "")
        )
        if wait:
            minutes = (wait + 59) // 60
            form.add_error(
                None,
                "Too many password reset requests for this address or from your network. "
                f"Try again in {minutes} minute{'s' if minutes != 1 else ''}, or ask the PMO.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        accounts.password_reset_request(email=email, base_url=_origin(self.request))
        return HttpResponseRedirect(self.get_success_url())


# -- One's own profile -------------------------------------------------------------------------


def profile(request: HttpRequest) -> HttpResponse:
    """The person's own name, title and e-mail, and the e-mails they choose to get."""
    user = request.user
    instance = Profile.objects.filter(user=user).first() or Profile(user=user)
    posted = request.method == "POST"
    details_posted = posted and request.POST.get("part") == "details"
    details = DetailsForm(request.POST if details_posted else None, user=user)
    # Unticking every box posts nothing of the form: a POST is bound even when empty.
    notifications = NotificationsForm(
        request.POST if posted and not details_posted else None, instance=instance
    )
    if details_posted and details.is_valid():
        try:
            details_update(user=user, **details.cleaned_data)
        except ValidationError as error:
            details.add_error(None, error)
        else:
            messages.success(request, "Your details are saved.")
            return redirect("projects:profile")
    elif posted and not details_posted and notifications.is_valid():
        profile_update(user=user, **notifications.cleaned_data)
        messages.success(request, "Profile saved.")
        return redirect("projects:profile")
    return _profile_page(request, details=details, notifications=notifications)


def _profile_page(
    request: HttpRequest,
    *,
    details: DetailsForm | None = None,
    notifications: NotificationsForm | None = None,
    token_form: TokenForm | None = None,
    new_token: NewToken | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    if notifications is None:
        instance = Profile.objects.filter(user=user).first() or Profile(user=user)
        notifications = NotificationsForm(instance=instance)
    context = {
        "details": details or DetailsForm(user=user),
        "form": notifications,
        "remind_after": settings.REMIND_AFTER_DAYS,
        "token_form": token_form or TokenForm(),
        "tokens": tokens_of(user),
        "new_token": new_token,
    }
    return render(request, "projects/people/profile.html", context, status=status)


@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """A new personal access token, shown on the page this once: only its hash is kept, so
    the answer is the page itself, never a redirect that would have to carry it."""
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _profile_page(request, token_form=form, status=400)
    new_token = tokens.token_create(owner=request.user, **form.cleaned_data)
    return _profile_page(request, new_token=new_token)


@require_POST
def token_revoke(request: HttpRequest, token: int) -> HttpResponse:
    found = token_get(user=request.user, pk=token)
    tokens.token_revoke(token=found, by=request.user)
    messages.success(request, f"Token “{found.name}” revoked: it no longer works.")
    return redirect("projects:profile")


# -- People (the PMO) --------------------------------------------------------------------------


def person_list(request: HttpRequest) -> HttpResponse:
    """Everyone, with their roles, sponsor title and limit, whether active, their last login;
    found by text, 50 a page."""
    require(request.user, "may_manage_people")
    text = request.GET.get("q", "").strip()[:100]
    page = Paginator(people_list(text=text), PEOPLE_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "text": text}
    return render(request, "projects/people/people.html", context)


def person_invite(request: HttpRequest) -> HttpResponse:
    """Invite someone: their account, roles, and an e-mail to choose a password."""
    require(request.user, "may_manage_people")
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = accounts.person_invite(
                by=request.user, base_url=_origin(request), **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"{person(user)} is invited: an e-mail to {user.email} says how to start."
            )
            return redirect("projects:person", user.pk)
    context = {
        "form": form,
        "someone": None,
        "timeout_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    return render(request, "projects/people/person_form.html", context)


def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    """Change someone's name, e-mail, roles and approval limit."""
    require(request.user, "may_manage_people")
    someone = person_get(pk=person_id)
    form = PersonForm(request.POST or None, user=someone)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.person_update(user=someone, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{person(someone)}: changes saved.")
            return redirect("projects:person", someone.pk)
    context = {"form": form, "someone": someone}
    return render(request, "projects/people/person_form.html", context)


def person_deactivate(request: HttpRequest, person_id: int) -> HttpResponse:
    """Asks first; then the person cannot log in and their projects wait for the PMO."""
    require(request.user, "may_manage_people")
    someone = person_get(pk=person_id)
    if request.method == "POST":
        accounts.person_deactivate(user=someone, by=request.user)
        messages.success(
            request,
            f"{person(someone)} is deactivated. Projects they manage or sponsor wait in your "
            "Needs my action for a new manager or sponsor.",
        )
        return redirect("projects:people")
    context = {"someone": someone, **open_projects_of(someone)}
    return render(request, "projects/people/person_deactivate.html", context)


@require_POST
def person_reactivate(request: HttpRequest, person_id: int) -> HttpResponse:
    require(request.user, "may_manage_people")
    someone = person_get(pk=person_id)
    accounts.person_reactivate(user=someone, by=request.user)
    messages.success(request, f"{person(someone)} may log in again.")
    return redirect("projects:person", someone.pk)


@require_POST
def person_invite_again(request: HttpRequest, person_id: int) -> HttpResponse:
    require(request.user, "may_manage_people")
    someone = person_get(pk=person_id)
    accounts.person_invite_again(user=someone, by=request.user, base_url=_origin(request))
    messages.success(request, f"A new invitation is on its way to {someone.email}.")
    return redirect("projects:person", someone.pk)


# -- A project's manager -----------------------------------------------------------------------


def manager_change(request: HttpRequest, pk: int) -> HttpResponse:
    """The PMO names another manager, with a reason."""
    project = project_get(user=request.user, pk=pk)
    require(request.user, "may_change_manager", project)
    form = ManagerChangeForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.project_manager_change(project=project, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{person(form.cleaned_data['manager'])} is now the manager.")
            return redirect(project)
    context = {"form": form, "project": project}
    return render(request, "projects/projects/manager_form.html", context)


# -- Logging in --------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Django's log-in page; with single sign-on on, **Sign in with <provider>** above the
    form (settings read per request, so the tests can turn it on)."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sso_provider"] = settings.OIDC_PROVIDER_NAME if settings.OIDC_ENABLED else ""
        return context
