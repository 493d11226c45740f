from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from projects.views import accounts, favicon, healthz, sso

admin.site.site_header = "Tollgate administration"
admin.site.site_title = "Tollgate"

# How long a set-password link works, for the pages that say so.
LINK_DAYS = {"timeout_days": settings.PASSWORD_RESET_TIMEOUT // 86400}

urlpatterns = [
    path("login/", accounts.LoginView.as_view(), name="login"),
    # Single sign-on (404 while off); the callback is the redirect URI registered at the provider.
    path("oidc/authenticate/", sso.SignInStart.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", sso.SignInCallback.as_view(), name="oidc_authentication_callback"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Password reset and change: Django's views and names, templates in templates/registration/.
    path("password-reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(extra_context=LINK_DAYS),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(extra_context=LINK_DAYS),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("password-change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password-change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    # The REST API (projects/api/): a token, not a login, opens it; its schema and its docs
    # (Swagger UI from static files, its script a file of its own for the CSP).
    path("api/v1/", include("projects.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        # A page for people: the login page first (DRF's views would answer 401).
        login_required(
            SpectacularSwaggerSplitView.as_view(
                url_name="api-schema", template_name="api/swagger_ui.html"
            )
        ),
        name="api-docs",
    ),
    path("", include("projects.urls")),
]
