"""The machine's floor: the smallest WSGI application, served by the same server with the same
workers as Wasl in the same run. Nothing a Wasl request does can cost less than this."""


def application(environ, start_response):  # type: ignore[no-untyped-def]
    body = b'{"ok": true}'
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
