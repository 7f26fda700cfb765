"""`wasl serve`: Wasl under gunicorn, the production server.

Before it opens a port it makes sure the server would work, and otherwise stops with one line
saying what to do: with PRODUCTION on it refuses DEBUG and the development SECRET_KEY; the
database must answer and carry every migration; the static files must be collected (or
`--collectstatic` collects them first). It never migrates: that is a deployment step, run once
however many servers there are.

Then gunicorn's master process forks the workers from this one, where Django is loaded already
(gunicorn's `preload_app`). Each worker is a gthread worker: it answers one request at a time per
thread, and keeps idle or half-sent connections in a poller rather than blocking on them, so a
browser's spare connection never holds a worker. gunicorn turns Nagle's algorithm off on its
connections (TCP_NODELAY) by itself.

How many workers: WEB_CONCURRENCY if set, else gunicorn's rule of thumb, two per core plus one
(a request spends part of its time waiting on the database, and another worker uses the core
meanwhile). The cores are those this process may run on (a container's limit, not the host's).
"""

from __future__ import annotations

import os
import posixpath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.wsgi import get_wsgi_application
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.db.migrations.executor import MigrationExecutor
from gunicorn.app.base import BaseApplication


def cores() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def default_workers() -> int:
    value = os.environ.get("WEB_CONCURRENCY", "").strip()
    if not value:
        return 2 * cores() + 1
    if not value.isdigit() or int(value) < 1:
        raise CommandError(f"WEB_CONCURRENCY must be a whole number of workers, not {value!r}.")
    return int(value)


class Gunicorn(BaseApplication):
    """gunicorn's master process, configured here rather than by its command line."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__(prog="wasl serve")

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        # What gunicorn's own command reads from the environment, for settings `wasl serve`
        # has no option for (e.g. GUNICORN_CMD_ARGS="--max-requests 1000").
        extra = self.cfg.parser().parse_args(self.cfg.get_cmd_args_from_env())
        for key, value in vars(extra).items():
            if value is not None and key != "args":
                self.cfg.set(key.lower(), value)

    def load(self) -> Any:
        return without_bodies_on_head(get_wsgi_application())


def without_bodies_on_head(application: Any) -> Any:
    """Django leaves dropping the body of an answer to HEAD to the server (its development
    server does); gunicorn drops it too, but warns in its log for every such request, and
    load balancers check health with HEAD."""

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        body = application(environ, start_response)
        if environ.get("REQUEST_METHOD") != "HEAD":
            return body
        if hasattr(body, "close"):
            body.close()  # Django's request_finished: the request is over
        return []

    return wsgi


class Command(BaseCommand):
    help = (
        "Serve Wasl with gunicorn, the production server (static files by WhiteNoise). Refuses "
        "to start when the server would not work: DEBUG or the development SECRET_KEY with "
        "PRODUCTION on, the database unreachable or not migrated, static files not collected."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--bind",
            action="append",
            metavar="HOST:PORT",
            help="address to listen on, HOST:PORT or unix:PATH; repeat for several "
            "(default: 127.0.0.1:8000)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="worker processes (default: WEB_CONCURRENCY, else two per core plus one: "
            f"{2 * cores() + 1} here)",
        )
        parser.add_argument(
            "--threads", type=int, default=1, help="threads per worker (default: 1)"
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=30,
            help="seconds a worker may spend on one request before it is restarted (default: 30)",
        )
        parser.add_argument(
            "--access-log", action="store_true", help="log every request on standard output"
        )
        parser.add_argument(
            "--collectstatic",
            action="store_true",
            help="collect the static files first (one server per STATIC_ROOT; with several, "
            "run `wasl collectstatic` once as a deployment step instead)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_an_unsafe_production()
        check_the_database()
        if options["collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        check_the_static_files()
        connections.close_all()  # the workers are forked from here: none may share a connection

        workers = options["workers"] or default_workers()
        if workers < 1 or options["threads"] < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        Gunicorn(
            {
                "bind": options["bind"] or ["127.0.0.1:8000"],
                "workers": workers,
                "worker_class": "gthread",
                "threads": options["threads"],
                "timeout": options["timeout"],
                "preload_app": True,
                "proc_name": "wasl",
                "accesslog": "-" if options["access_log"] else None,
                # Whether a request came over HTTPS is Django's decision alone
                # (TRUST_X_FORWARDED_PROTO in settings): gunicorn must not set the scheme
                # from X-Forwarded-* headers, which it does by default for loopback clients.
                "secure_scheme_headers": {},
                # gunicorn ≥ 25 opens a control socket at one path per user, shared by every
                # gunicorn that user runs; several Wasl servers on one host must not share it.
                "control_socket_disable": True,
                # A request line longer than gunicorn's 4 KB would get gunicorn's own plain
                # answer; 0 lets it through up to gunicorn's hard 1 MB, so that Django refuses
                # a URL over WASL_MAX_URL_BYTES with the API's JSON error (wasl/web/middleware.py).
                "limit_request_line": 0,
                # The same for a header field over gunicorn's 8 KB: it passes fields up to
                # this bound, and Django refuses those over WASL_MAX_HEADER_BYTES with a 431.
                "limit_request_field_size": header_field_bound(),
            }
        ).run()


def header_field_bound() -> int:
    """The largest header field gunicorn passes to Django: twice WASL_MAX_HEADER_BYTES, at
    least 32 KB. It bounds what gunicorn buffers: 100 fields (its limit) of this size."""
    return max(32 * 1024, 2 * settings.WASL_MAX_HEADER_BYTES)


def refuse_an_unsafe_production() -> None:
    if not settings.PRODUCTION:
        return
    if settings.DEBUG:
        raise CommandError(
            "PRODUCTION=1 with DEBUG on: a public server never shows its code and settings "
            "in error pages. Unset DEBUG."
        )
    if settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        raise CommandError(
            "PRODUCTION=1 with the development SECRET_KEY, which is public: set SECRET_KEY to a "
            "long random secret of this deployment (python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))')."
        )


def check_the_database() -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    where = connection.settings_dict.get("HOST") or ""
    if connection.settings_dict.get("PORT"):
        where += f":{connection.settings_dict['PORT']}"
    name = f"{connection.vendor} database {connection.settings_dict['NAME']}"
    if where:
        name += f" at {where}"
    try:
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except OperationalError as error:
        reason = " ".join(str(error).split())  # psycopg's message spans lines
        raise CommandError(f"The {name} is unreachable: {reason}") from None
    if plan:
        labels = ", ".join(sorted({migration.app_label for migration, _ in plan}))
        raise CommandError(
            f"The {name} lacks {len(plan)} migration(s) (of {labels}): run `wasl migrate` first."
        )


def check_the_static_files() -> None:
    """Every static file the apps have must be in the manifest `collectstatic` writes: with
    Django's manifest storage a page that names a missing one fails."""
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return
    ignore = apps.get_app_config("staticfiles").ignore_patterns
    missing = []
    for finder in finders.get_finders():
        for path, storage in finder.list(ignore):
            name = posixpath.join(getattr(storage, "prefix", None) or "", path.replace(os.sep, "/"))
            if staticfiles_storage.hash_key(name) not in staticfiles_storage.hashed_files:
                missing.append(name)
    if missing:
        raise CommandError(
            f"{len(missing)} static file(s) not collected in {settings.STATIC_ROOT} "
            f"(e.g. {sorted(missing)[0]}): run `wasl collectstatic --no-input` first, "
            "or start with --collectstatic."
        )
