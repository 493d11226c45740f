from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from projects.views import favicon, healthz

admin.site.site_header = "Tollgate administration"
admin.site.site_title = "Tollgate"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("", include("projects.urls")),
]
