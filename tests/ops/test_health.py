"""Liveness and readiness (seqera.health): per-check status, 503 on any failure, nothing revealed."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seqera.models import SchedulerTick
from seqera.tasks import TICK_NAME, record_tick

pytestmark = pytest.mark.django_db


def tick() -> None:
    # record_tick() itself closes its connection (it runs in the scheduler's own thread), which a
    # test inside a transaction cannot afford: the row it writes is written here directly.
    SchedulerTick.objects.update_or_create(name=TICK_NAME, defaults={"at": timezone.now()})


def test_liveness_needs_no_authentication_and_no_database(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert len(queries) == 0


def test_ready_when_every_check_passes(client):
    tick()
    response = client.get("/health/ready")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "key_ring": "ok", "scheduler": "ok"},
    }


def test_unready_without_a_scheduler_tick(client):
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["scheduler"] == "fail"
    assert response.json()["checks"]["database"] == "ok"


def test_unready_when_the_last_tick_is_too_old(client, settings):
    SchedulerTick.objects.create(
        name=TICK_NAME, at=timezone.now() - timedelta(seconds=settings.HEALTH_TICK_MAX_AGE_SECONDS + 5)
    )
    assert client.get("/health/ready").status_code == 503
    tick()
    assert client.get("/health/ready").status_code == 200


def test_a_broker_down_fails_only_the_broker_check_and_reveals_no_address(client, settings):
    tick()
    # A port nothing listens on, with a password in the URL: neither may appear in the answer.
    settings.DRAMATIQ_BROKER_URL = "redis://:hunter2-secret@127.0.0.1:1/0"
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "fail", "key_ring": "ok", "scheduler": "ok"}
    body = response.content.decode()
    assert "127.0.0.1" not in body and "hunter2" not in body and "6379" not in body


def test_a_broken_key_ring_fails_the_key_ring_check(client, settings):
    tick()
    settings.CREDENTIALS_KEYS = "bad"
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["key_ring"] == "fail"


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_tick_records_its_time():
    before = timezone.now()
    record_tick()
    assert SchedulerTick.objects.get(name=TICK_NAME).at >= before


def test_the_scheduler_job_is_registered_to_run_at_once():
    from dramatiq_crontab import scheduler

    job = scheduler.get_job("seqera.tasks.record_tick")
    assert job is not None and job.func is record_tick


# --------------------------------------------------------------------------- probes by address
PROBE_HOST = "10.0.3.7:8000"  # a load balancer probes the process by its address


def test_probe_paths_are_the_routed_health_and_metrics_paths():
    from django.urls import reverse

    from seqera.health import ProbeMiddleware

    paths = set(ProbeMiddleware(lambda request: None).probes)
    assert paths == {reverse("health-live"), reverse("health-ready"), reverse("metrics")}


def test_health_probes_answer_a_host_outside_allowed_hosts(client, settings):
    settings.ALLOWED_HOSTS = ["seqera.example.org"]
    tick()
    live = client.get("/health/live", HTTP_HOST=PROBE_HOST)
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    assert live["X-Content-Type-Options"] == "nosniff"
    ready = client.get("/health/ready", HTTP_HOST=PROBE_HOST)
    assert ready.status_code == 200 and ready.json()["status"] == "ok"
    tick_age = settings.HEALTH_TICK_MAX_AGE_SECONDS
    settings.HEALTH_TICK_MAX_AGE_SECONDS = -1  # readiness still judges, whatever the Host
    assert client.get("/health/ready", HTTP_HOST=PROBE_HOST).status_code == 503
    settings.HEALTH_TICK_MAX_AGE_SECONDS = tick_age
    assert client.post("/health/live", HTTP_HOST=PROBE_HOST).status_code == 405


def test_metrics_by_address_keeps_its_own_access_check(client, settings):
    settings.ALLOWED_HOSTS = ["seqera.example.org"]
    settings.METRICS_ALLOWED_IPS, settings.METRICS_TOKEN = [], "scrape-token"
    assert client.get("/metrics", HTTP_HOST=PROBE_HOST).status_code == 403
    assert client.get("/metrics", HTTP_HOST=PROBE_HOST, HTTP_AUTHORIZATION="Bearer scrape-token").status_code == 200


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/service-info", "/health/", "/health/live/", "/admin/"])
def test_every_other_path_still_refuses_a_host_outside_allowed_hosts(client, settings, path):
    settings.ALLOWED_HOSTS = ["seqera.example.org"]
    assert client.get(path, HTTP_HOST=PROBE_HOST).status_code == 400
    assert client.get(path, HTTP_HOST="seqera.example.org").status_code != 400
