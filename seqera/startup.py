"""What a web process checks before it serves its first request.

`manage.py` commands (migrate, check, rundramatiq, crontab) run Django's system checks, but a
WSGI/ASGI server such as gunicorn does not: a malformed setting (e.g. the credentials key ring)
would otherwise surface as a 500 on the first request that needs it. `check_or_stop()` runs the
same checks (without the database ones) when the application is built, and raises
ImproperlyConfigured listing every error, so the server refuses to start and says why.
"""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def check_or_stop() -> None:
    errors = [message for message in checks.run_checks() if message.is_serious()]
    if errors:
        lines = "\n".join(f"  {error.id}: {error.msg}" for error in errors)
        raise ImproperlyConfigured(f"The web process cannot start; fix these settings:\n{lines}")
