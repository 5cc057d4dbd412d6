"""LOG_FORMAT=json (seqera.logging.JsonFormatter): one JSON object per line, the request id on
every line of a request, and the redaction of secrets kept."""

import io
import json
import logging

import dramatiq
import pytest
from django.urls import reverse

from seqera.logging import JsonFormatter, RedactSecretsFilter, RequestContextFilter, current_request_id

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.fixture
def json_lines():
    """A handler as settings.LOGGING builds it for LOG_FORMAT=json, on the root logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecretsFilter())
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_the_setting_selects_the_formatter(settings):
    assert settings.LOGGING["formatters"]["json"]["()"] == "seqera.logging.JsonFormatter"
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["redact_secrets", "request_context"]


def test_one_json_object_per_line_with_secrets_redacted(json_lines):
    logger = logging.getLogger("seqera.test")
    logger.warning("key %s and AKIAIOSFODNN7EXAMPLE", SECRET, extra={"object_id": "ce-1"})
    try:
        raise ValueError(f"boom {SECRET}")
    except ValueError:
        logger.exception("failed")
    first, second = json_lines()
    assert first["level"] == "WARNING" and first["logger"] == "seqera.test"
    assert first["message"] == "key [REDACTED] and [REDACTED]"
    assert first["object_id"] == "ce-1" and first["request_id"] is None and first["time"].endswith("+00:00")
    assert "ValueError" in second["exception"] and SECRET not in second["exception"]


@pytest.mark.django_db
def test_a_request_logs_its_id_view_and_status_but_not_its_path(client, json_lines):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="proxy-id-12345")
    assert response["X-Request-ID"] == "proxy-id-12345"
    (line,) = [line for line in json_lines() if line["logger"] == "seqera.request"]
    assert line["request_id"] == "proxy-id-12345"
    assert line["view"] == "login" and line["status"] == 200 and line["method"] == "GET"
    assert line["duration_ms"] >= 0 and "user_id" not in line  # anonymous

    # An unusable id from the caller is replaced by a fresh one.
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert len(response["X-Request-ID"]) == 32 and "\n" not in response["X-Request-ID"]


@pytest.mark.django_db
def test_invitation_tokens_in_paths_never_reach_the_log(client, json_lines):
    path = reverse("invitation_accept", kwargs={"token": "one-time-secret-token"})
    client.get(path)
    text = json.dumps(json_lines())
    assert "one-time-secret-token" not in text


@dramatiq.actor(queue_name="default", max_retries=0, actor_name="ops_test_logging_actor")
def logging_actor(object_id: str) -> None:
    logging.getLogger("seqera.test.actor").info("working on %s", object_id)


def actor_lines(json_lines) -> list[dict]:
    return [line for line in json_lines() if line["logger"] == "seqera.test.actor"]


def test_a_request_id_travels_with_the_messages_it_enqueues(broker, worker, sent, json_lines):
    # Checked on the worker's log line: a broker may enqueue a copy of the message (Redis does).
    token = current_request_id.set("web-request-0001")
    try:
        logging_actor.send("ce-42")
    finally:
        current_request_id.reset(token)
    (message,) = sent()
    broker.join("default")
    worker.join()
    (line,) = actor_lines(json_lines)
    assert line["request_id"] == "web-request-0001"
    assert line["actor"] == "ops_test_logging_actor" and line["message_id"] == message.message_id
    assert line["message"] == "working on ce-42"


def test_a_message_sent_outside_a_request_carries_no_request_id(broker, worker, json_lines):
    logging_actor.send("ce-43")
    broker.join("default")
    worker.join()
    (line,) = actor_lines(json_lines)
    assert line["request_id"] is None and line["actor"] == "ops_test_logging_actor"


def test_a_workspace_request_logs_the_user_and_workspace_ids(tenancy, client, json_lines):
    user = tenancy.users["admin"]
    client.force_login(user)
    workspace = tenancy.workspace
    response = client.get(reverse("computeenvs:list", kwargs={"org": workspace.org.name, "workspace": workspace.name}))
    assert response.status_code == 200
    (line,) = [line for line in json_lines() if line["logger"] == "seqera.request"]
    assert line["user_id"] == user.pk and line["workspace_id"] == workspace.pk and line["view"] == "computeenvs:list"
