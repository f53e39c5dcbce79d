"""Include under the host's URLconf: ``path("livechat/", include("kitsune_livechat.urls"))``."""

from django.urls import path

from . import views_contributors
from .api import api

app_name = "livechat"

urlpatterns = [
    path("api/", api.urls),
    path("leaderboard/", views_contributors.leaderboard, name="leaderboard"),
]
