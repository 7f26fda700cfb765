"""The inquiry app's API endpoints, mounted under /api/v1/."""

from ninja import Router

router = Router(tags=["inquiry"])
