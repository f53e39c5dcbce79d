"""Tags on chats: read, add and remove them, and the console's autocomplete.

Thin doors over ``services.conversation.tags``.
"""

from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from ..services.conversation import tags
from .auth import caller_of, chat_auth

router = Router(tags=["tags"])


class TagIn(Schema):
    tag: str


class TagsOut(Schema):
    tags: list[str]


class TagQuery(Schema):
    q: str = ""


class TagCountOut(Schema):
    tag: str
    count: int


@router.get("sessions/{session_id}/tags", auth=chat_auth, response=TagsOut, summary="Chat tags")
def list_tags(request: HttpRequest, session_id: UUID):
    """The chat's tags (its helpers and supervisors; never the visitor)."""
    return {"tags": tags.list_tags(caller=caller_of(request), session_id=session_id)}


@router.post(
    "sessions/{session_id}/tags", auth=chat_auth, response={201: TagsOut}, summary="Tag a chat"
)
def add_tag(request: HttpRequest, session_id: UUID, payload: TagIn):
    """Put a tag on the chat; the other consoles in it get a ``tags`` frame."""
    result = tags.add_tag(caller=caller_of(request), session_id=session_id, tag=payload.tag)
    return Status(201, {"tags": result})


@router.delete(
    "sessions/{session_id}/tags/{tag}", auth=chat_auth, response=TagsOut, summary="Untag a chat"
)
def remove_tag(request: HttpRequest, session_id: UUID, tag: str):
    """Take a tag off the chat."""
    return {"tags": tags.remove_tag(caller=caller_of(request), session_id=session_id, tag=tag)}


@router.get("tags", auth=chat_auth, response=list[TagCountOut], summary="Tags in use")
def suggest(request: HttpRequest, query: Query[TagQuery]):
    """Tags already used that start with ``q``, most used first (contributors)."""
    return tags.suggest_tags(caller=caller_of(request), prefix=query.q)
