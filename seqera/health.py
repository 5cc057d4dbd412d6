"""Liveness and readiness for operators and load balancers.

* ``/health/live``: the process answers. No database, no broker, no authentication.
* ``/health/ready``: every check named in ``HEALTH_CHECKS`` (name -> dotted path of a function
  that returns None when healthy and raises otherwise) runs with its own status; 200 when all
  pass, 503 when one fails. The body names each check and says "ok" or "fail", never the error
  text: an exception's message can hold an address, a user name or a key id, so it is logged
  (redacted, as every log line) and the answer stays generic.

Checks live with the app that owns what they check (the key ring's in `workspaces.health`), so
this base module imports no app.

Probes by address: load balancers and orchestrators probe a process by its IP (``Host:
10.0.3.7:8000``), which is not in ``ALLOWED_HOSTS`` and must not be added there. `ProbeMiddleware`,
first in ``MIDDLEWARE``, answers exactly the probe paths (``/health/live``, ``/health/ready``) and
``/metrics`` (Prometheus scrapes targets by address too; it keeps its own IP/token check) before
anything reads the Host header, so their answers never depend on it. They build no URL, set no
cookie and redirect nowhere, so the Host header cannot steer them. Every other path, including
``/health/`` alone or ``/health/live/``, goes through the full stack and its Host validation.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_broker() -> None:
    """Opens a short-lived connection of its own (timeouts of HEALTH_TIMEOUT_SECONDS) to the
    configured broker, so a hung broker cannot hang the probe; the in-process broker is always up."""
    url, timeout = settings.DRAMATIQ_BROKER_URL, settings.HEALTH_TIMEOUT_SECONDS
    if url.startswith(("redis://", "rediss://")):
        import redis

        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    elif url.startswith(("amqp://", "amqps://")):
        import pika

        parameters = pika.URLParameters(url)
        parameters.socket_timeout = parameters.blocked_connection_timeout = timeout
        parameters.connection_attempts, parameters.retry_delay = 1, 0
        pika.BlockingConnection(parameters).close()


def check_scheduler() -> None:
    """The scheduler process (`manage.py crontab`) recorded a tick within HEALTH_TICK_MAX_AGE_SECONDS."""
    from seqera.models import SchedulerTick
    from seqera.tasks import TICK_NAME

    tick = SchedulerTick.objects.filter(name=TICK_NAME).values_list("at", flat=True).first()
    if tick is None:
        raise RuntimeError("the scheduler has never ticked")
    age = (timezone.now() - tick).total_seconds()
    if age > settings.HEALTH_TICK_MAX_AGE_SECONDS:
        raise RuntimeError(f"the scheduler's last tick is {age:.0f} s old")


def run_checks() -> dict[str, str]:
    results = {}
    for name, path in settings.HEALTH_CHECKS.items():
        started = time.monotonic()
        try:
            import_string(path)()
        except Exception:  # noqa: BLE001 - any failure is this check's "fail"
            logger.warning("readiness check %s failed", name, exc_info=True)
            results[name] = "fail"
        else:
            results[name] = "ok"
        logger.debug("readiness check %s took %.1f ms", name, (time.monotonic() - started) * 1000)
    return results


@never_cache
@require_safe
def live(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request):
    checks = run_checks()
    healthy = all(status == "ok" for status in checks.values())
    return JsonResponse({"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503)


class ProbeMiddleware:
    """Serves the probe paths whatever the Host header says (see the module docstring)."""

    def __init__(self, get_response):
        from seqera import metrics

        self.get_response = get_response
        self.probes = {"/health/live": live, "/health/ready": ready, "/metrics": metrics.metrics}

    def __call__(self, request):
        view = self.probes.get(request.path_info)
        if view is None:
            return self.get_response(request)
        response = view(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
