"""The request handler and server of `wasl runserver`.

Django's development server writes an answer in several small pieces (the status line, the
headers, the body). With Nagle's algorithm on, every piece after the first waits for the
client to acknowledge the first, and a client acknowledges late (up to 40 ms on Linux) when
it has nothing to send back: every answer stalls. Between two Wasl nodes, where one worker
posts batch after batch to one server, that stall was a fifth of the time of a batch. The
handler turns Nagle's algorithm off for its connections (TCP_NODELAY), as production
servers such as gunicorn do.
"""

from __future__ import annotations

from typing import Any

from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer


class NoDelayRequestHandler(WSGIRequestHandler):
    disable_nagle_algorithm = True  # socketserver.StreamRequestHandler sets TCP_NODELAY


class NoDelayWSGIServer(WSGIServer):
    def __init__(self, server_address: Any, handler_class: Any, *args: Any, **kwargs: Any):
        if handler_class is WSGIRequestHandler:
            handler_class = NoDelayRequestHandler
        super().__init__(server_address, handler_class, *args, **kwargs)
