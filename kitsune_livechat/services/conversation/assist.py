"""Material for helping: canned responses and KB articles for the console, and articles that
may solve a waiting visitor's problem.

Kitsune keeps its canned responses as KB articles (category 70), read through the host adapter;
the app adds its own (``CannedResponse``). Both are offered in the visitor's locale where a
translation exists, else in the site's default locale.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _

from ...exceptions import Forbidden, InvalidInput, NotAuthenticated
from ...host import get_host_adapter
from ...locales import default_locale, same_locale, site_locale
from ...models import CannedResponse, ChatSession, Participant
from ..shared.access import Caller, ChatRole, get_session_for
from ..shared.people import display_names
from ..shared.roles import answers_chats, is_supervisor, on_training_path
from ..shared.site_links import absolute_links

MAX_QUERY = 200
MAX_RESULTS = 50
SEARCH_LIMIT = 10


@dataclass(frozen=True)
class Canned:
    key: str
    title: str
    body: str
    locale: str
    source: str  # "kb" (a host article) or "app" (a CannedResponse)
    url: str = ""


def require_console(caller: Caller) -> None:
    """Helpers, supervisors and trainees in training use the console's tools; nobody else."""
    if not caller.is_authenticated:
        raise NotAuthenticated()
    if answers_chats(caller.account):
        return
    if on_training_path(caller.user_id):
        return
    raise Forbidden(_("Only live chat contributors can do that."), code="not_a_contributor")


def _clean_query(query: str | None) -> list[str]:
    query = (query or "").strip()
    if len(query) > MAX_QUERY:
        raise InvalidInput(
            _("The search is too long (at most %(max)d characters).") % {"max": MAX_QUERY},
            code="query_too_long",
        )
    return [word for word in query.lower().split() if word]


def _app_responses(locale: str) -> list[Canned]:
    """The app's own replies: one per key, in ``locale`` when translated, else the default."""
    default = default_locale()
    best: dict[str, CannedResponse] = {}
    for row in CannedResponse.objects.filter(is_active=True):
        if not (same_locale(row.locale, locale) or same_locale(row.locale, default)):
            continue
        kept = best.get(row.key)
        if kept is None or (
            same_locale(row.locale, locale) and not same_locale(kept.locale, locale)
        ):
            best[row.key] = row
    return [Canned(r.key, r.title, r.body, r.locale, "app") for r in best.values()]


def canned_responses(*, caller: Caller, locale: str, query: str = "", base: str = "") -> list[dict]:
    """Every canned response a contributor may insert, best translation first, filtered by
    ``query`` (every word must appear in the title or the text). Two or three queries.

    Site paths in the text become full links on ``base``: pasted into a chat, a relative
    link would reach the visitor as dead text."""
    require_console(caller)
    words = _clean_query(query)
    locale = site_locale(locale) or default_locale()
    responses = [
        Canned(c.key, c.title, c.body, c.locale, "kb", c.url)
        for c in get_host_adapter().canned_responses(locale=locale, user=caller.account)
    ]
    responses += _app_responses(locale)
    if words:
        responses = [
            r for r in responses if all(w in f"{r.title}\n{r.body}".lower() for w in words)
        ]
    responses.sort(key=lambda r: (not same_locale(r.locale, locale), r.title.lower()))
    return [{**asdict(r), "body": absolute_links(r.body, base)} for r in responses[:MAX_RESULTS]]


def search_articles(*, caller: Caller, query: str, locale: str, limit: int = SEARCH_LIMIT) -> list:
    """KB articles for a contributor to send as links, through the host's search."""
    require_console(caller)
    if not _clean_query(query):
        return []
    limit = min(max(int(limit), 1), SEARCH_LIMIT)
    return get_host_adapter().search_articles(
        query.strip(),
        locale=site_locale(locale) or default_locale(),
        limit=limit,
        user=caller.account,
    )


SUGGESTIONS = 3


def suggestions_for(*, caller: Caller, session_id) -> list:
    """KB articles matching a waiting visitor's question, other than the one they came from.

    Only the chat's visitor asks, only while waiting (afterwards a helper is there); found with
    the host's search in the chat's locale.
    """
    access = get_session_for(caller, session_id)
    session = access.session
    if access.role != ChatRole.VISITOR or session.status != ChatSession.Status.WAITING:
        return []
    found = get_host_adapter().search_articles(
        session.problem,
        locale=session.locale,
        limit=SUGGESTIONS + 1,
        user=caller.account,
        product=session.product,
    )
    return [article for article in found if article.id != session.article_id][:SUGGESTIONS]


# --- Chats in progress, to observe or knock on ------------------------------------------------

IN_PROGRESS_LIMIT = 100


def chats_in_progress(*, caller: Caller, limit: int = IN_PROGRESS_LIMIT) -> list[dict]:
    """Active chats for supervisors to observe and trainees to knock on, oldest first.

    Everyone with a console sees which chats run (article, locale, product, helper); only
    supervisors, who may read any chat, also see the question. ``access`` says where the
    caller stands: ``in_chat`` (helper or participant), ``knocking``, ``observer`` (may watch
    without asking) or ``none``. Three queries however many chats.
    """
    require_console(caller)
    sessions = list(
        ChatSession.objects.filter(status=ChatSession.Status.ACTIVE)
        .exclude(visitor_id=caller.user_id)
        .order_by("assigned_at", "created")[:limit]
    )
    mine = dict(
        Participant.objects.filter(
            user_id=caller.user_id,
            session__in=[s.pk for s in sessions],
            state__in=(Participant.State.ACTIVE, Participant.State.KNOCKING),
        ).values_list("session_id", "state")
    )
    names = display_names({s.helper_id for s in sessions if s.helper_id})
    supervisor = is_supervisor(caller.account)
    chats = []
    for session in sessions:
        state = mine.get(session.pk)
        if session.helper_id == caller.user_id or state == Participant.State.ACTIVE:
            access = "in_chat"
        elif state == Participant.State.KNOCKING:
            access = "knocking"
        else:
            access = "observer" if supervisor else "none"
        chats.append(
            {
                "id": str(session.pk),
                "article": {"title": session.article_title, "url": session.article_url},
                "locale": session.locale,
                "product": session.product,
                "helper": names.get(session.helper_id, ""),
                "assigned_at": session.assigned_at,
                "problem": session.problem[:200] if supervisor else "",
                "access": access,
            }
        )
    return chats
