"""`wasl runserver`: Django's development server (with static files), answering without
the 40 ms stalls of Nagle's algorithm. Listed first in INSTALLED_APPS so that its command
is the one `wasl runserver` runs."""
