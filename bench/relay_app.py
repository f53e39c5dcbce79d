"""The server side of ``ws_load.py``: a bare Channels relay (no database), one ASGI app.

``/room/<n>/`` joins room n; every text frame is sent to everyone in the room. The channel layer
comes from ``BENCH_LAYER``:

- ``none``: the baseline. Rooms live in this process's memory and frames go straight to the
  other consumers, so it measures uvicorn, the WebSocket protocol and Channels' consumer, and
  nothing else. Every other figure is reported as a ratio to it.
- ``inmemory``: ``channels.layers.InMemoryChannelLayer``.
- ``redis``: ``channels_redis.core.RedisChannelLayer`` on ``BENCH_REDIS_URL``.
- ``pubsub``: ``channels_redis.pubsub.RedisPubSubChannelLayer`` on ``BENCH_REDIS_URL``.

Run by ``ws_load.py`` as ``uvicorn --app-dir bench relay_app:application``.
"""

import os

import django
from django.conf import settings

LAYER = os.environ.get("BENCH_LAYER", "none")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PREFIX = os.environ.get("BENCH_PREFIX", "livechat-bench")

BACKENDS = {
    "none": {},
    "inmemory": {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
    "redis": {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py's asyncio pools stop at 100 connections unless told otherwise.
                "hosts": [{"address": REDIS_URL, "max_connections": 1000}],
                "prefix": PREFIX,
                # All of a process's channels share one Redis list of this length (default 100):
                # past it, group_send drops messages silently.
                **(
                    {"capacity": int(os.environ["BENCH_CAPACITY"])}
                    if "BENCH_CAPACITY" in os.environ
                    else {}
                ),
            },
        }
    },
    "pubsub": {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": PREFIX},
        }
    },
}

if not settings.configured:
    settings.configure(
        INSTALLED_APPS=["channels"],
        CHANNEL_LAYERS=BACKENDS[LAYER],
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        USE_TZ=True,
    )
    django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

# Baseline rooms: room number -> the consumers in it (this process only).
ROOMS: dict[int, set] = {}


class RelayConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.room = self.scope["url_route"]["kwargs"]["room"]
        self.group = f"bench.room.{self.room}"
        if self.channel_layer is not None:
            await self.channel_layer.group_add(self.group, self.channel_name)
        else:
            ROOMS.setdefault(self.room, set()).add(self)
        await self.accept()

    async def disconnect(self, code):
        if self.channel_layer is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        else:
            ROOMS.get(self.room, set()).discard(self)

    async def receive(self, text_data=None, bytes_data=None):
        if self.channel_layer is not None:
            await self.channel_layer.group_send(
                self.group, {"type": "room.message", "text": text_data}
            )
        else:
            for consumer in list(ROOMS.get(self.room, ())):
                await consumer.send(text_data=text_data)

    async def room_message(self, event):
        await self.send(text_data=event["text"])


application = URLRouter([path("room/<int:room>/", RelayConsumer.as_asgi())])
