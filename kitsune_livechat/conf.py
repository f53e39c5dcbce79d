"""Every LIVECHAT_* setting and its default, in one place.

Values are read from django.conf.settings on every access, so override_settings works in
tests and nothing is cached across a settings change.
"""

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Host models, reached by label like AUTH_USER_MODEL; the app never imports the host.
    "ARTICLE_MODEL": "wiki.Document",
    "PRODUCT_MODEL": "products.Product",
    # Adapter that reads articles, searches the KB, creates forum questions, records votes.
    "HOST_ADAPTER": "kitsune_livechat.host.KitsuneHostAdapter",
    # Where karma awards go besides the ledger (KarmaAward rows, always written): every backend
    # receives every new award. The defaults feed Kitsune's auto titles and yearly badges
    # (they need the host's "karma" and "kbadge" apps; checks report livechat.E007 otherwise).
    "KARMA_BACKENDS": [
        "kitsune_livechat.karma_backends.KitsuneTitlesBackend",
        "kitsune_livechat.karma_backends.BadgesBackend",
    ],
    # Points per action; in the spirit of Kitsune's old points (answer +1, first answer +5,
    # helpful +10, solution +25).
    "KARMA_POINTS": {
        "chat_answered": 1,
        "first_chat": 5,
        "good_rating": 10,
        "feedback_filed": 2,
        "feedback_led_to_revision": 25,
        "mentored_chat": 3,
        "trainee_graduated": 10,
        "walked_away": -5,
    },
    # Chats shorter than this earn no karma (seconds).
    "KARMA_MIN_CHAT_SECONDS": 60,
    # The same helper and visitor earn credit for at most this many chats per 30 days.
    "KARMA_REPEAT_PAIR_LIMIT": 3,
    # A helper who held a chat this long and sent nothing (no message, no draft) while the
    # visitor waited walked away from it: the "walked_away" deduction (seconds).
    "KARMA_WALKED_AWAY_SECONDS": 180,
    # Feedback counts as having led to a revision when the article gets a new approved
    # revision within this many days of it (checked by livechat_karma / livechat_sweep).
    "KARMA_FEEDBACK_REVISION_DAYS": 90,
    # Yearly Live Chat badge once a helper reaches this many points in a year.
    "BADGE_THRESHOLD": 50,
    "BADGE_TITLE_TEMPLATE": "{year} Live Chat Badge",
    # Auto titles kept current for the top helpers of the last 90 days.
    "TOP_HELPERS_TITLE": "Top 10 Chat Helper",
    "TOP_HELPERS_COUNT": 10,
    # Visitors without an account may chat (identified by a signed token).
    "ALLOW_ANONYMOUS": False,
    # An anonymous visitor's token stops opening a chat this long after it ended (seconds).
    "VISITOR_TOKEN_GRACE": 24 * 3600,
    # Where browsers open the chat sockets: a path on this site, or a full wss:// URL when the
    # ASGI server runs on another host (Kitsune itself serves WSGI only).
    "WEBSOCKET_ROOT": "/ws/livechat/",
    # Messages: longest body in characters; rate limit per user (or anonymous visitor) over all
    # their sockets and HTTP calls, shared by processes through Django's cache when it is shared.
    "MAX_MESSAGE_LENGTH": 2000,
    "RATE_LIMIT_MESSAGES": 20,
    # Longest client WebSocket frame in characters (a message at MAX_MESSAGE_LENGTH with
    # escapes fits); longer frames get an error frame. Set the ASGI server's own cap above it
    # (uvicorn --ws-max-size) so bigger frames are refused before they are buffered.
    "MAX_FRAME_SIZE": 16384,
    # Chat and console sockets one user (or anonymous visitor) may hold open at once.
    "MAX_SOCKETS_PER_USER": 10,
    # Forum questions and follow-up emails asked for without a chat, per caller and per client
    # address, in an hour.
    "FALLBACK_LIMIT": 5,
    # Anonymous visitors: new chats per client address in an hour, and the share of a queue's
    # line (its seats limit) anonymous chats may fill, so logged-in visitors still get in.
    "ANONYMOUS_CHATS_PER_IP": 5,
    "ANONYMOUS_LINE_SHARE": 0.5,
    "RATE_LIMIT_SECONDS": 10,
    # Files in chats: the largest accepted (bytes) and the types accepted, as sniffed from the
    # file's content (never its name). Only these are known: PNG, JPEG, GIF and WebP images
    # (shown inline), PDF and plain text (offered as downloads).
    "ATTACHMENT_MAX_BYTES": 5 * 1024 * 1024,
    "ATTACHMENT_TYPES": [
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
    ],
    # A helper who sends no heartbeat for this long goes offline (seconds).
    "HEARTBEAT_TIMEOUT": 90,
    # Chats of a helper silent this long (seconds, longer than HEARTBEAT_TIMEOUT) go back in
    # line for the next volunteer; 0 leaves them with the helper.
    "REQUEUE_AFTER": 300,
    # A chat socket that has not resynced (a client ping does) for this many seconds reads the
    # messages it may have missed from the database (0: only on ping). Covers channel layer
    # outages for clients that never ping.
    "RESYNC_SECONDS": 30,
    # The console sets an online helper away after this many seconds without activity (a key,
    # a click, a pointer move) and back online at the next one; 0 turns it off.
    "AUTO_AWAY_SECONDS": 600,
    # Default seats per helper.
    "DEFAULT_CAPACITY": 3,
    # Most chats a helper may hold at once, whatever capacity they ask for.
    "MAX_CAPACITY": 20,
    # Wait estimates use the real waits of chats a queue answered in this many minutes.
    "WAIT_HISTORY_MINUTES": 60,
    # The availability answer (open, full or closed, the wait) is served from Django's cache for
    # this many seconds; any change to a line or to helpers' presence retires it at once (0: off).
    "AVAILABILITY_CACHE_SECONDS": 5,
    # Waiting chats are coalesced into one position push per visitor within this window (s).
    "POSITION_PUSH_DELAY": 0.25,
    # Where email follow-up requests go (empty: nowhere; the visitor still gets a confirmation,
    # the address is kept on the chat and the chat's helper sees the hand-off in the console).
    # Never to a helper's own address, which would reach the visitor on the first reply.
    "FOLLOWUP_EMAIL": "",
    # The visitor may have the transcript emailed this many times per chat and hour.
    "TRANSCRIPT_EMAILS_PER_HOUR": 3,
    # The site's origin ("https://support.mozilla.org") for links in text that leaves the site
    # (forum questions, emails, transcripts, canned responses). Empty: the request's, else
    # django.contrib.sites' current domain.
    "SITE_URL": "",
    # Chat rows older than this are purged by livechat_purge (days).
    "RETENTION_DAYS": 365,
    # The author may edit article feedback for this long (minutes).
    "FEEDBACK_EDIT_MINUTES": 60,
    # Flag the host article for review when feedback says it is wrong or outdated.
    "FLAG_ARTICLES_FOR_REVIEW": False,
    # Minimum chats before an article appears in the failure ranking.
    "INSIGHTS_MIN_SAMPLE": 5,
    # Tell the visitor when a trainee is observing.
    "DISCLOSE_TRAINEES": False,
    # Mentoring path: chats needed before a trainee is proposed for graduation.
    "GRADUATION_OBSERVED_CHATS": 3,
    "GRADUATION_SUPERVISED_CHATS": 3,
    "GRADUATION_MIN_RATING": 4,
    # Group a graduated trainee joins (it should hold livechat.answer_chats).
    "HELPERS_GROUP": "Live Chat Helpers",
    # The floor view: the service level counts chats a helper took within this many minutes.
    "SERVICE_LEVEL_MINUTES": 2,
    # ...flags chats running longer than this many minutes...
    "FLOOR_LONG_CHAT_MINUTES": 30,
    # ...and chats whose visitor has waited this many seconds for a helper's reply.
    "FLOOR_UNANSWERED_SECONDS": 120,
    # The floor's figures are also pushed this often (ages, service level), besides every change.
    "FLOOR_REFRESH_SECONDS": 15,
}


class LivechatSettings:
    """Attribute access to LIVECHAT_* settings with the defaults above."""

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown livechat setting: {name}")
        return getattr(settings, f"LIVECHAT_{name}", DEFAULTS[name])


livechat_settings = LivechatSettings()
