"""Canned responses and article links for the contributor console.

Kitsune keeps its canned responses as KB articles (category 70), read through the host adapter;
the app adds its own (``CannedResponse``). Both are offered in the visitor's locale where a
translation exists, else in the site's default locale.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from ..exceptions import Forbidden, InvalidInput, NotAuthenticated
from ..host import get_host_adapter
from ..models import CannedResponse, Trainee
from .access import Caller

MAX_QUERY = 200
MAX_RESULTS = 50
SEARCH_LIMIT = 10
TRAINEE_STAGES = (Trainee.Stage.TRAINING, Trainee.Stage.PROPOSED)


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
    if caller.has_perm("answer_chats") or caller.has_perm("supervise_chats"):
        return
    if Trainee.objects.filter(user_id=caller.user_id, stage__in=TRAINEE_STAGES).exists():
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


def _default_locale() -> str:
    return getattr(settings, "WIKI_DEFAULT_LANGUAGE", settings.LANGUAGE_CODE)


def _app_responses(locale: str) -> list[Canned]:
    """The app's own replies: one per key, in ``locale`` when translated, else the default."""
    default = _default_locale()
    rows = CannedResponse.objects.filter(is_active=True, locale__in={locale, default})
    best: dict[str, CannedResponse] = {}
    for row in rows:
        kept = best.get(row.key)
        if kept is None or (row.locale == locale and kept.locale != locale):
            best[row.key] = row
    return [Canned(r.key, r.title, r.body, r.locale, "app") for r in best.values()]


def canned_responses(*, caller: Caller, locale: str, query: str = "") -> list[dict]:
    """Every canned response a contributor may insert, best translation first, filtered by
    ``query`` (every word must appear in the title or the text). Two or three queries."""
    require_console(caller)
    words = _clean_query(query)
    locale = (locale or _default_locale())[:10]
    responses = [
        Canned(c.key, c.title, c.body, c.locale, "kb", c.url)
        for c in get_host_adapter().canned_responses(locale=locale)
    ]
    responses += _app_responses(locale)
    if words:
        responses = [
            r for r in responses if all(w in f"{r.title}\n{r.body}".lower() for w in words)
        ]
    responses.sort(key=lambda r: (r.locale != locale, r.title.lower()))
    return [asdict(r) for r in responses[:MAX_RESULTS]]


def search_articles(*, caller: Caller, query: str, locale: str, limit: int = SEARCH_LIMIT) -> list:
    """KB articles for a contributor to send as links, through the host's search."""
    require_console(caller)
    if not _clean_query(query):
        return []
    limit = min(max(int(limit), 1), SEARCH_LIMIT)
    return get_host_adapter().search_articles(
        query.strip(), locale=(locale or _default_locale())[:10], limit=limit
    )
