"""The settings of Balagh 940, each read once here (Django settings, then the environment,
then the default)."""

from __future__ import annotations

from wasl import env_settings

# Up to this many photos on a report (the limit), and on a closing proof.
PHOTOS_MAX = 5


def photo_max_bytes() -> int:
    """The largest photo received, before it is resized (10 MB: any phone's full-size JPEG)."""
    return int(env_settings.read("WASL_REPORT_PHOTO_MAX_BYTES", 10 * 1024 * 1024))


def feedback_days() -> int:
    """Days after closing in which the reporter may confirm or reopen a report."""
    return int(env_settings.read("WASL_REPORT_FEEDBACK_DAYS", 7))


def map_tiles() -> tuple[str, str]:
    """A tile server's address template and attribution for the maps; none by default (the
    district polygons are the base layer)."""
    url = str(env_settings.read("WASL_MAP_TILE_URL", ""))
    attribution = str(env_settings.read("WASL_MAP_TILE_ATTRIBUTION", ""))
    return url, attribution


def flood_limits() -> tuple[int, int, int]:
    """(window in seconds, reports per address, reports per API key or signed-in person) that
    one client may post in a window before it is refused with 429 (the call centre's agents
    are not counted: they take every caller's report from one office)."""
    window = max(1, int(env_settings.read("WASL_REPORT_FLOOD_WINDOW", 600)))
    per_address = int(env_settings.read("WASL_REPORT_FLOOD_PER_ADDRESS", 10))
    per_key = int(env_settings.read("WASL_REPORT_FLOOD_PER_KEY", 300))
    return window, per_address, per_key
