from django.contrib.staticfiles.management.commands.runserver import Command as StaticRunserver

from wasl.server.handlers import NoDelayWSGIServer


class Command(StaticRunserver):
    help = (
        "Starts Django's development server, serving static files, with Nagle's algorithm off "
        "for its connections (see wasl.server.handlers)."
    )
    server_cls = NoDelayWSGIServer
