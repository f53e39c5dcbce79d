"""What an insight question is about: a date range, product, locale and queue, parsed from
query parameters and applied to chats and feedback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from ...exceptions import InvalidInput
from ...locales import site_locale
from ...models import ArticleFeedback, ChatSession, ChatTag, Queue
from ..shared.cleaning import check_structure

Status = ChatSession.Status
Outcome = ArticleFeedback.Outcome
DEFAULT_DAYS = 30
MAX_RANGE_DAYS = 3 * 366
# Dates a filter may name.
EARLIEST_DATE = date(1970, 1, 1)
LATEST_DATE = date(2999, 12, 31)
NO_OUTCOME = "none"


@dataclass(frozen=True)
class Filters:
    """Which chats a figure covers: created between two local dates (inclusive), and more."""

    start: date | None = None
    end: date | None = None
    product: str = ""
    locale: str = ""
    queue: str = ""  # queue slug
    tag: str = ""  # a chat tag
    focus: int | None = None  # a focus campaign's id
    helper: str = ""  # the username of the chat's helper

    @classmethod
    def from_params(
        cls, params: Any, *, today: date | None = None, default_days: int | None = DEFAULT_DAYS
    ) -> Filters:
        """Read ``from``, ``to``, ``product``, ``locale``, ``queue``, ``tag`` (query string or
        dict).

        Without dates, the last ``default_days`` days (None: all time). Bad dates raise
        InvalidInput (``invalid_date``).
        """
        today = today or timezone.localdate()
        check_structure([params.get(name) for name in ("from", "to", "product", "locale", "queue")])
        end = _parse_date(params.get("to"), "to")
        start = _parse_date(params.get("from"), "from")
        if default_days is not None:
            end = end or today
            start = start or end - timedelta(days=default_days - 1)
        if start and end and start > end:
            raise InvalidInput(
                _("The start date must not be after the end date."), code="bad_range"
            )
        if start and end and (end - start).days > MAX_RANGE_DAYS:
            raise InvalidInput(_("Pick a range of at most three years."), code="bad_range")
        return cls(
            start=start,
            end=end,
            product=str(params.get("product") or "").strip(),
            locale=site_locale(str(params.get("locale") or "")) or "",
            queue=str(params.get("queue") or "").strip(),
            tag=str(params.get("tag") or "").strip().lower(),
            focus=_parse_id(params.get("focus"), "focus"),
            helper=str(params.get("helper") or "").strip(),
        )

    def as_params(self) -> dict[str, str]:
        """The filters as query-string values (for links between pages and exports)."""
        params = {
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "product": self.product,
            "locale": self.locale,
            "queue": self.queue,
            "tag": self.tag,
            "focus": str(self.focus) if self.focus else "",
            "helper": self.helper,
        }
        return {key: value for key, value in params.items() if value}

    def session_q(self, prefix: str = "") -> Q:
        q = Q()
        if self.start:
            q &= Q(**{f"{prefix}created__gte": _local_midnight(self.start)})
        if self.end:
            q &= Q(**{f"{prefix}created__lt": _local_midnight(self.end + timedelta(days=1))})
        if self.product:
            q &= Q(**{f"{prefix}product": self.product})
        if self.locale:
            q &= Q(**{f"{prefix}locale": self.locale})
        if self.queue:
            q &= Q(**{f"{prefix}queue__slug": self.queue})
        if self.tag:
            tagged = ChatTag.objects.filter(name=self.tag).values("session_id")
            q &= Q(**{f"{prefix}pk__in": tagged})
        if self.focus:
            q &= Q(**{f"{prefix}focus_id": self.focus})
        if self.helper:
            username = get_user_model().USERNAME_FIELD
            q &= Q(**{f"{prefix}helper__{username}": self.helper})
        return q

    def sessions(self) -> QuerySet[ChatSession]:
        return ChatSession.objects.filter(self.session_q())

    def feedback(self) -> QuerySet[ArticleFeedback]:
        return ArticleFeedback.objects.filter(self.session_q("session__"))

    def days(self) -> list[date]:
        if not (self.start and self.end):
            return []
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def _parse_id(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value))
    except ValueError:
        number = 0
    if number < 1:
        raise InvalidInput(_("%(name)s must be an id.") % {"name": name}, code="invalid_filter")
    return number


def _parse_date(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        day = None
    # Far from today, range arithmetic and local midnights overflow ``date``.
    if day is None or not EARLIEST_DATE <= day <= LATEST_DATE:
        raise InvalidInput(
            _("“%(name)s” must be a date like 2024-01-31.") % {"name": name}, code="invalid_date"
        )
    return day


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def queue_choices() -> list[tuple[str, str]]:
    """Every queue as (slug, name), for the filter and form menus that name one."""
    return list(Queue.objects.order_by("name").values_list("slug", "name"))
