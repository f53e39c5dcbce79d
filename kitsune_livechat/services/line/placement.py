"""Where a visitor would chat: the article, locale, product and browser they come with, the queue
that serves them, and whether that queue is open, full or closed right now.

Reads only; requesting a chat (``lifecycle``) and the availability endpoint both start here, so the
visitor is told exactly what a request would meet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from ...exceptions import InvalidInput
from ...host import ArticleInfo, get_host_adapter
from ...locales import clean_locale
from ...models import Focus, Queue
from . import availability_cache
from .availability import Reason, State, line_state, read_line, resolve_queue
from .focus import match_focus, public_focus
from .handoff import FALLBACKS
from .useragent import BrowserInfo, parse_browser


@dataclass
class Placement:
    """The article, locale, product and browser of a visitor, and the queue that serves them."""

    article: Any
    info: ArticleInfo
    locale: str
    product: str
    browser: BrowserInfo
    focus: Focus | None
    queue: Queue | None


def _clean_product(product: str | None, info: ArticleInfo) -> str:
    product = (product or "").strip()
    if not product:
        return info.products[0] if info.products else ""
    if product in info.products:
        return product
    if not info.products and product in {slug for slug, _title in get_host_adapter().products()}:
        return product
    raise InvalidInput(
        _("“%(product)s” is not a product of this article.") % {"product": product},
        code="unknown_product",
    )


def place(
    *,
    article_id: Any,
    locale: str | None = None,
    product: str | None = None,
    user_agent: str = "",
    user: Any = None,
) -> Placement:
    """Validate the article (exists for ``user``, not archived), locale and product; find focus
    and queue. An article the visitor may not see is no article."""
    adapter = get_host_adapter()
    article = adapter.get_article(article_id, user=user) if article_id not in (None, "") else None
    if article is None:
        raise InvalidInput(_("There is no such article."), code="unknown_article")
    info = adapter.article_info(article)
    if info.is_archived:
        raise InvalidInput(_("This article is archived."), code="archived_article")
    locale = clean_locale((locale or "").strip() or info.locale)
    product = _clean_product(product, info)
    browser = parse_browser(user_agent)
    focus = match_focus(
        article=article,
        product=product,
        locale=locale,
        browser=browser.browser,
        browser_version=browser.version,
    )
    products = [product] if product else list(info.products)
    queue = resolve_queue(focus=focus, products=products, locale=locale)
    return Placement(article, info, locale, product, browser, focus, queue)


@dataclass
class Availability:
    """A queue's state for a visitor, as the availability endpoint and a refusal report it."""

    state: State
    reason: Reason | None
    wait_seconds: int | None
    online: int
    queue: Queue | None
    focus: Focus | None
    locale: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "state": str(self.state),
            "reason": str(self.reason) if self.reason else None,
            "wait_seconds": self.wait_seconds,
            "online": self.online,
            "queue": self.queue.slug if self.queue else None,
            "focus": public_focus(self.focus, self.locale),
            "fallback": list(FALLBACKS) if self.state != State.OPEN else [],
        }


def availability_of(placement: Placement, now: datetime | None = None) -> Availability:
    """What a request from ``placement`` would meet now (see ``check_availability``)."""
    if placement.queue is None:
        return Availability(
            State.CLOSED, Reason.NO_QUEUE, None, 0, None, placement.focus, placement.locale
        )
    line = read_line(placement.queue, now=now)
    state, reason = line_state(line, placement.locale)
    online = len(line.for_locale(placement.locale))
    wait = line.estimate(line.waiting + 1, placement.locale) if state != State.CLOSED else None
    return Availability(
        state, reason, wait, online, placement.queue, placement.focus, placement.locale
    )


def check_availability(
    *,
    article_id: Any,
    locale: str | None = None,
    product: str | None = None,
    user_agent: str = "",
    user: Any = None,
) -> Availability:
    """Open, full or closed for this article, with the expected wait and helpers online.

    A fixed number of queries however long the line or how many helpers are online.
    """
    placement = place(
        article_id=article_id, locale=locale, product=product, user_agent=user_agent, user=user
    )
    return availability_of(placement)


def availability_answer(
    *,
    article_id: Any,
    locale: str | None = None,
    product: str | None = None,
    user_agent: str = "",
    user: Any = None,
) -> dict[str, Any]:
    """The availability endpoint's answer, from the shared cache while the line is unchanged.

    For a reader who is not logged in the whole answer is shared, keyed by what they send, so a
    cached answer costs no query. For a logged-in reader the article and queue are looked up
    for them every time (what they may read is theirs) and only the line's state is shared.
    """
    if not availability_cache.enabled():
        return check_availability(
            article_id=article_id, locale=locale, product=product, user_agent=user_agent, user=user
        ).as_json()
    anonymous = user is None or not user.is_authenticated
    visit_key = None
    if anonymous:
        visit_key = availability_cache.entry_key("visit", article_id, locale, product, user_agent)
        if (entry := availability_cache.lookup(visit_key)) is not None:
            availability_cache.note_basis(entry[0], entry[1], entry[3])
            return entry[2]
    placement = place(
        article_id=article_id,
        locale=locale,
        product=product,
        user_agent=user_agent,
        user=None if anonymous else user,
    )
    queue_id = placement.queue.pk if placement.queue else None
    focus_id = placement.focus.pk if placement.focus else None
    line_key = availability_cache.entry_key("line", queue_id, placement.locale, focus_id)
    if (entry := availability_cache.lookup(line_key)) is not None:
        if visit_key:
            availability_cache.store([visit_key], *entry)
            availability_cache.note_basis(entry[0], entry[1], entry[3])
        return entry[2]
    return availability_cache.cached_line_answer(
        [key for key in (visit_key, line_key) if key],
        queue_id,
        lambda: availability_of(placement).as_json(),
    )
