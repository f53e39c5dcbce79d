from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from config.locales import LocaleConverter, i18n_patterns
from demo import views as demo_views

# Kitsune's page URLs start with the locale: /en-US/kb/<slug>, /de/questions/<id>.
register_converter(LocaleConverter, "locale")

urlpatterns = [
    path("", demo_views.root, name="home"),
    path("<locale:locale>/", demo_views.home, name="home.locale"),
    path("", include("wiki.urls")),
    path("", include("questions.urls")),
    path("", include("users.urls")),
    path(
        "users/login/",
        auth_views.LoginView.as_view(
            template_name="demo/login.html", redirect_authenticated_user=True
        ),
        name="users.login",
    ),
    path("users/logout/", auth_views.LogoutView.as_view(), name="users.logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    # As on Kitsune: the app's pages inside the locale prefix (/en-US/livechat/console/), its API
    # outside (/livechat/api/); the sockets (/ws/livechat/) are served by the ASGI router.
    path("livechat/", include("kitsune_livechat.api_urls")),
    path("admin/", admin.site.urls),
    *i18n_patterns(path("livechat/", include("kitsune_livechat.page_urls"))),
]
