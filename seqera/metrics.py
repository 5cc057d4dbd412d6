"""Prometheus metrics at ``/metrics``, readable only by whom the settings name.

Guarantees:

* Access: a request is served when its direct peer address is in ``METRICS_ALLOWED_IPS``
  (addresses or networks) or it carries ``Authorization: Bearer <METRICS_TOKEN>``; everyone
  else gets a bare 403. Behind a proxy the peer is the proxy, so use the token there.
* One scrape per host covers every process: with ``PROMETHEUS_MULTIPROC_DIR`` set (the
  production shape sets it for web and workers alike), counters written by each gunicorn worker
  and each Dramatiq worker process (django-prometheus, Dramatiq's Prometheus middleware, the AWS
  counters below) are summed from that directory; without it, this process's registry is served.
* Domain gauges are computed from the database at scrape time by the collectors named in
  ``METRICS_COLLECTORS`` (each app owns its own), so they are right whichever process scrapes.
"""

from __future__ import annotations

import hmac
import ipaddress
import os

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily

AWS_CALLS = Counter("seqera_aws_calls_total", "AWS API calls made (one per operation, retries included).", ["service"])
AWS_ERRORS = Counter("seqera_aws_errors_total", "AWS API calls that failed (an AWS error or no answer).", ["service"])


def count_aws_calls(client, service: str) -> None:
    """Hooks botocore's events of `client` so its calls and failures are counted per service."""

    def before_call(**_):
        AWS_CALLS.labels(service).inc()

    def after_call(http_response=None, **_):
        if http_response is not None and http_response.status_code >= 300:
            AWS_ERRORS.labels(service).inc()

    def after_call_error(**_):
        AWS_ERRORS.labels(service).inc()

    client.meta.events.register("before-call", before_call)
    client.meta.events.register("after-call", after_call)
    client.meta.events.register("after-call-error", after_call_error)


def _allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return True
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(peer in ipaddress.ip_network(allowed, strict=False) for allowed in settings.METRICS_ALLOWED_IPS)


class _Collectors:
    """The METRICS_COLLECTORS, instantiated once, as one prometheus_client collector."""

    def __init__(self, paths):
        self.collectors = [import_string(path)() for path in paths]

    def collect(self):
        for collector in self.collectors:
            yield from collector.collect()


def registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)
    else:
        combined = CollectorRegistry()
        combined.register(_ProcessRegistry())
    combined.register(_Collectors(settings.METRICS_COLLECTORS))
    return combined


class _ProcessRegistry:
    def collect(self):
        yield from REGISTRY.collect()


@never_cache
@require_safe
def metrics(request):
    if not _allowed(request):
        return HttpResponseForbidden(b"", content_type="text/plain")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)


class WorkCollector:
    """Durable work items (`seqera.work`) by state, and the age of the oldest pending one."""

    def collect(self):
        from django.db.models import Count, Min
        from django.utils import timezone

        from seqera.models import WorkItem

        by_state = GaugeMetricFamily("seqera_work_items", "Durable work items by state.", labels=["state"])
        counts = dict(WorkItem.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
        for state in WorkItem.State.values:
            by_state.add_metric([state], counts.get(state, 0))
        yield by_state
        oldest = WorkItem.objects.filter(state=WorkItem.State.PENDING).aggregate(at=Min("submitted_at"))["at"]
        yield GaugeMetricFamily(
            "seqera_work_oldest_pending_age_seconds",
            "Age of the oldest pending durable work item (0 when none is pending).",
            value=max((timezone.now() - oldest).total_seconds(), 0) if oldest else 0,
        )
        yield GaugeMetricFamily(
            "seqera_work_items_active",
            "Durable work items pending or running.",
            value=counts.get(WorkItem.State.PENDING, 0) + counts.get(WorkItem.State.RUNNING, 0),
        )
