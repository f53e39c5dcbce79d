"""The app's pages alone, for inside a site's locale prefix (Kitsune's ``i18n_patterns``):
``path("livechat/", include("kitsune_livechat.page_urls"))`` there and
``path("livechat/", include("kitsune_livechat.api_urls"))`` outside it.
"""

from django.urls import path

from . import (
    views,
    views_breakdown,
    views_contributors,
    views_floor,
    views_focus,
    views_history,
    views_insights,
)

app_name = "livechat"

urlpatterns = [
    path("leaderboard/", views_contributors.leaderboard, name="leaderboard"),
    path("volunteer/", views_contributors.volunteer, name="volunteer"),
    path(
        "volunteer/trainees/<int:trainee_id>/<slug:action>/",
        views_contributors.volunteer_action,
        name="volunteer_action",
    ),
    path("chat/", views.chat, name="chat"),
    path("chat/<uuid:session_id>/", views.chat_session, name="chat_session"),
    path("chat/<uuid:session_id>/transcript.txt", views.transcript, name="transcript"),
    path("console/", views.console, name="console"),
    path("console/observe/<uuid:session_id>/", views.observe, name="observe"),
    path("console/past/", views_history.past_chats, name="past_chats"),
    path("my-chats/", views_history.my_chats, name="my_chats"),
    path("jsi18n/<str:locale>/", views.javascript_catalog, name="jsi18n"),
    path("insights/", views_insights.ranking, name="insights"),
    path("insights/articles/<int:article_id>/", views_insights.article, name="insights_article"),
    path("insights/stats/", views_insights.stats_page, name="insights_stats"),
    path("insights/focuses/", views_insights.focuses, name="insights_focuses"),
    path("insights/focuses/<int:focus_id>/", views_insights.focus, name="insights_focus"),
    path("insights/export/<slug:kind>.csv", views_insights.export, name="insights_export"),
    path("insights/breakdown/", views_breakdown.breakdown_page, name="insights_breakdown"),
    path("insights/chats/", views_breakdown.chats_page, name="insights_chats"),
    path("floor/", views_floor.floor_page, name="floor"),
    path("focus/", views_focus.focus_list, name="focus_list"),
    path("focus/new/", views_focus.focus_new, name="focus_new"),
    path("focus/<int:focus_id>/", views_focus.focus_edit, name="focus_edit"),
    path("focus/<int:focus_id>/preview/", views_focus.focus_preview, name="focus_preview"),
    path("focus/<int:focus_id>/<slug:action>/", views_focus.focus_action, name="focus_action"),
]
