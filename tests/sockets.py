"""Opening chat sockets in tests the way a browser does: the site's real ASGI stack (origin
check, session cookie, URL routing), driven by Channels' WebsocketCommunicator."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from config.asgi import application
from django.conf import settings
from django.test import Client

ORIGIN = (b"origin", b"http://testserver")
TIMEOUT = 3


@database_sync_to_async
def session_cookie(user) -> str:
    """A real login session stored in the database, as the browser's cookie carries it."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def chat_path(session_id, **query) -> str:
    path = f"/ws/livechat/session/{session_id}/"
    return f"{path}?{urlencode(query)}" if query else path


class Socket:
    """A WebsocketCommunicator with JSON helpers; always ``await socket.close()``."""

    def __init__(self, communicator: WebsocketCommunicator):
        self.communicator = communicator

    async def send(self, frame_type: str, **fields) -> None:
        await self.communicator.send_json_to({"type": frame_type, **fields})

    async def send_text(self, text: str) -> None:
        await self.communicator.send_to(text_data=text)

    async def receive(self, timeout: float = TIMEOUT) -> dict:
        output = await self.communicator.receive_output(timeout)
        assert output["type"] == "websocket.send", f"expected a frame, got {output}"
        return json.loads(output["text"])

    async def receive_until(self, frame_type: str, timeout: float = TIMEOUT) -> list[dict]:
        """Frames up to and including the first of ``frame_type``."""
        frames = []
        while True:
            frame = await self.receive(timeout)
            frames.append(frame)
            if frame["type"] == frame_type:
                return frames

    async def nothing(self, timeout: float = 0.3) -> bool:
        return await self.communicator.receive_nothing(timeout)

    async def closed_with(self, timeout: float = TIMEOUT) -> int:
        """The close code of the next output, which must be a close (no data before it)."""
        output = await self.communicator.receive_output(timeout)
        assert output["type"] == "websocket.close", f"expected a close, got {output}"
        return output.get("code")

    async def close(self) -> None:
        await self.communicator.disconnect()


async def open_socket(
    path: str, *, user=None, origin: tuple[bytes, bytes] | None = ORIGIN, cookie: str = ""
) -> tuple[Socket, bool]:
    """Connect to ``path`` (with ``?token=`` for anonymous visitors); (socket, accepted).

    ``user`` logs in afresh; ``cookie`` reuses a login session (``session_cookie(user)``)."""
    headers = [origin] if origin else []
    if user is not None and not cookie:
        cookie = await session_cookie(user)
    if cookie:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    accepted, _detail = await communicator.connect(timeout=TIMEOUT)
    return Socket(communicator), accepted


async def join_chat(session_id, *, user=None, token=None, after_seq=None, cookie=""):
    """Connect to a chat and read the greeting: replayed messages, ``resumed``, ``status``
    (and ``participants`` for staff). Returns (socket, greeting frames)."""
    query = {}
    if token:
        query["token"] = token
    if after_seq is not None:
        query["after_seq"] = after_seq
    socket, accepted = await open_socket(chat_path(session_id, **query), user=user, cookie=cookie)
    assert accepted
    frames = await socket.receive_until("status")
    return socket, frames
