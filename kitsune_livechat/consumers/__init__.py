"""WebSocket doors (docs/websocket-protocol.md), one module a socket: the chat (``chat``), the
contributor console (``console``) and the supervisors' floor (``floor``), on what ``base``
shares. Each is as thin as the HTTP API: parse a frame, call one service, answer."""
