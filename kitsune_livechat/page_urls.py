"""The app's pages alone, for inside a site's locale prefix (Kitsune's ``i18n_patterns``):
``path("livechat/", include("kitsune_livechat.page_urls"))`` there and
``path("livechat/", include("kitsune_livechat.api_urls"))`` outside it.
"""

from django.urls import path

from .pages import breakdown, chat, contributors, floor, focus, history, insights

app_name = "livechat"

urlpatterns = [
    path("leaderboard/", contributors.leaderboard, name="leaderboard"),
    path("volunteer/", contributors.volunteer, name="volunteer"),
    path(
        "volunteer/trainees/<int:trainee_id>/<slug:action>/",
        contributors.volunteer_action,
        name="volunteer_action",
    ),
    path("chat/", chat.chat, name="chat"),
    path("chat/<uuid:session_id>/", chat.chat_session, name="chat_session"),
    path("chat/<uuid:session_id>/transcript.txt", chat.transcript, name="transcript"),
    path("console/", chat.console, name="console"),
    path("console/observe/<uuid:session_id>/", chat.observe, name="observe"),
    path("console/past/", history.past_chats, name="past_chats"),
    path("my-chats/", history.my_chats, name="my_chats"),
    path("jsi18n/<str:locale>/", chat.javascript_catalog, name="jsi18n"),
    path("insights/", insights.ranking, name="insights"),
    path("insights/articles/<int:article_id>/", insights.article, name="insights_article"),
    path("insights/stats/", insights.stats_page, name="insights_stats"),
    path("insights/focuses/", insights.focuses, name="insights_focuses"),
    path("insights/focuses/<int:focus_id>/", insights.focus, name="insights_focus"),
    path("insights/export/<slug:kind>.csv", insights.export, name="insights_export"),
    path("insights/breakdown/", breakdown.breakdown_page, name="insights_breakdown"),
    path("insights/chats/", breakdown.chats_page, name="insights_chats"),
    path("floor/", floor.floor_page, name="floor"),
    path("focus/", focus.focus_list, name="focus_list"),
    path("focus/new/", focus.focus_new, name="focus_new"),
    path("focus/<int:focus_id>/", focus.focus_edit, name="focus_edit"),
    path("focus/<int:focus_id>/preview/", focus.focus_preview, name="focus_preview"),
    path("focus/<int:focus_id>/<slug:action>/", focus.focus_action, name="focus_action"),
]
