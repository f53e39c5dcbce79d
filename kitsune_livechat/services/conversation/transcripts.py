"""The transcript by email, on the visitor's request once the chat is over.

A signed-in visitor gets it at their account's address (a typed address is ignored, so an
account cannot be used to mail strangers); an anonymous visitor names one. It is written in the
chat's language, not the requester's browser's, and every link in it is absolute: a mail client
has no site to resolve ``/en-US/kb/...`` against. Requests are limited per chat in the cache
(``LIVECHAT_TRANSCRIPT_EMAILS_PER_HOUR``), so the button cannot be turned into a mail cannon.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ...conf import livechat_settings
from ...exceptions import Conflict, Forbidden, InvalidInput, RateLimited
from ...models import ChatSession, Message
from ..shared import limits
from ..shared.access import Caller, ChatRole, SessionAccess, get_session_for
from ..shared.site_links import absolute_links, absolute_url
from .visitor_view import transcript_line, transcript_messages, visible_transcript

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 3600


def _recipient(caller: Caller, email: str) -> str:
    if caller.is_authenticated:
        address = (getattr(caller.user, "email", "") or "").strip()
        if not address:
            raise InvalidInput(
                _("Your account has no email address. Add one to your profile first."),
                code="no_email",
            )
        return address
    address = (email or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        raise InvalidInput(_("Enter a valid email address."), code="invalid_email") from None
    return address


def _count_request(session_id) -> None:
    """One more request for this chat in the current window, or RateLimited."""
    limits.spend(
        "transcript-mail",
        str(session_id),
        limit=livechat_settings.TRANSCRIPT_EMAILS_PER_HOUR,
        window=WINDOW_SECONDS,
        error=RateLimited(
            _("The transcript was sent several times already. Try again later."),
            code="transcript_rate_limited",
        ),
    )


def transcript_email(session: ChatSession, *, to: str, base_url: str) -> EmailMessage:
    """The email itself: what the visitor saw of the chat (no whispers, notes or drafts)."""
    tz = timezone.get_current_timezone()
    with translation.override(session.locale or settings.LANGUAGE_CODE):
        lines = [
            _("Here is the transcript of your live chat."),
            "",
            _("Question: %(problem)s") % {"problem": session.problem},
        ]
        if session.article_title:
            lines.append(_("Article: %(title)s") % {"title": session.article_title})
        if session.article_url:
            lines.append(absolute_url(session.article_url, base_url))
        lines.append(
            _("Started: %(when)s")
            % {"when": session.created.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")}
        )
        lines.append("")
        for message in visible_transcript(session):
            body = absolute_links(message.body, base_url)
            lines.append(transcript_line(message, tz=tz, body=body))
        if session.visitor_id:
            chat_url = absolute_url(reverse("livechat:chat_session", args=[session.pk]), base_url)
            lines += ["", _("Your chat: %(url)s") % {"url": chat_url}]
        subject = _("Your live chat transcript: %(title)s") % {
            "title": session.article_title or session.problem[:60]
        }
    return EmailMessage(
        subject=subject,
        body="\n".join(lines) + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )


def email_transcript(*, caller: Caller, session_id, email: str = "", base_url: str) -> str:
    """Mail the chat's transcript to its visitor after commit; returns the address used.

    Only the chat's visitor may ask, and only once it is over (a running chat's transcript
    would be out of date by the time it arrives). A failing mail server is logged, never raised.
    """
    access = get_session_for(caller, session_id)
    if access.role != ChatRole.VISITOR:
        raise Forbidden(_("Only the visitor can ask for the transcript by email."))
    session = access.session
    if session.is_open:
        raise Conflict(_("The transcript can be sent once the chat is over."), code="chat_open")
    address = _recipient(caller, email)
    _count_request(session.pk)
    message = transcript_email(session, to=address, base_url=base_url)

    def send() -> None:
        try:
            message.send()
        except Exception:
            logger.exception("Could not send the transcript of chat %s", session.pk)

    transaction.on_commit(send)
    return address


def transcript_text(access: SessionAccess, base: str = "") -> str:
    """The transcript download: what the caller may see of the chat (staff see whispers and
    notes, labelled), in the active language; site paths are full links, since the file is
    read offline."""
    session = access.session
    tz = timezone.get_current_timezone()
    lines = [
        _("Live chat transcript"),
        _("Article: %(title)s") % {"title": session.article_title or "-"},
    ]
    if session.article_url:
        lines.append(absolute_url(session.article_url, base))
    lines.append(
        _("Started: %(when)s")
        % {"when": session.created.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")}
    )
    if session.ended_at:
        lines.append(
            _("Ended: %(when)s")
            % {"when": session.ended_at.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")}
        )
    lines += ["", _("Question: %(problem)s") % {"problem": session.problem}, ""]
    labels = {
        Message.Kind.WHISPER: _("whisper"),
        Message.Kind.NOTE: _("note"),
    }
    for message in transcript_messages(session, staff=access.is_staff).iterator():
        # System messages are kept as written; what people typed gets full links.
        body = (
            message.body
            if message.kind == Message.Kind.SYSTEM
            else absolute_links(message.body, base)
        )
        lines.append(transcript_line(message, tz=tz, body=body, label=labels.get(message.kind, "")))
    return "\n".join(lines) + "\n"
