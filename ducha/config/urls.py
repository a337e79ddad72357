from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from ducha.api.urls import api

admin.site.site_header = _("Ducha supervision platform administration")
admin.site.site_title = _("Ducha administration")
admin.site.index_title = _("Master data")

urlpatterns = [
    path("", include("ducha.ops.urls")),  # /healthz, /readyz, /metrics
    path("", include("ducha.workbench.urls")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("captcha/", include("captcha.urls")),  # the public clue form's picture code
]
handler400 = "ducha.common.uploads.bad_request"  # an upload over the limit: 413 with its code
