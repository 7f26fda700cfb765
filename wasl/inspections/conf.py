"""The settings of field inspection (Django settings, then the environment, then the default)."""

from __future__ import annotations

from wasl import env_settings

# The code of the field inspection unit in each sub-municipality's entity (the directory).
INSPECTION_UNIT = "INSPECTION"
# Photos on one inspection at most (one or two per item of the longest checklist).
PHOTOS_MAX = 12
PHOTOS_PER_ITEM = 3


def reactive_days() -> int:
    """Working days to visit the place of a report."""
    return int(env_settings.read("WASL_INSPECTION_REACTIVE_DAYS", 2))
