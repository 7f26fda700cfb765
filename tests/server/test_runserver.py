"""`wasl runserver` is Django's development server with Nagle's algorithm off."""

from __future__ import annotations

import http.client
import socket
import threading

from django.core.management import get_commands
from django.core.servers.basehttp import WSGIRequestHandler

from wasl.server.handlers import NoDelayRequestHandler, NoDelayWSGIServer


def test_wasl_runserver_is_this_apps_command():
    assert get_commands()["runserver"] == "wasl.server"


def test_connections_of_the_server_have_nagles_algorithm_off():
    seen: list[int] = []

    class Recording(NoDelayRequestHandler):
        def setup(self):
            super().setup()
            seen.append(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server = NoDelayWSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    assert server.RequestHandlerClass is NoDelayRequestHandler  # what runserver gets
    server.RequestHandlerClass = Recording
    server.set_app(app)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    try:
        client = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
        client.request("GET", "/")
        response = client.getresponse()
        assert (response.status, response.read()) == (200, b"ok")
        client.close()
        thread.join(10)
    finally:
        server.server_close()
    assert seen and seen[0] != 0
    # And Django's own handler leaves it on: the reason for this one.
    assert WSGIRequestHandler.disable_nagle_algorithm is False
