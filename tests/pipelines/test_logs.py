"""The head job's log from CloudWatch (moto): pages, tokens, end of stream, expiry, the streamed walk."""

import time

import boto3
import pytest

from pipelines import logs
from pipelines.models import RunStatus
from tests.factories import RunFactory

pytestmark = pytest.mark.django_db
GROUP, STREAM = "/aws/batch/job", "nf-launcher-abc/default/0123456789"


def stream_of(lines: int, *, batch: int = 10_000) -> None:
    client = boto3.client("logs", region_name="us-east-1")
    client.create_log_group(logGroupName=GROUP)
    client.create_log_stream(logGroupName=GROUP, logStreamName=STREAM)
    start = int(time.time() * 1000) - lines
    for first in range(0, lines, batch):
        events = [{"timestamp": start + n, "message": f"line {n:07d}"} for n in range(first, min(first + batch, lines))]
        client.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=events)


@pytest.fixture
def run(tenancy, aws):
    return RunFactory(
        workspace=tenancy.workspace, credentials=tenancy.credentials, region="us-east-1", status=RunStatus.RUNNING,
        job_id="job-1", log_group=GROUP, log_stream=STREAM,
    )  # fmt: skip


def test_pages_walk_back_to_the_first_line_and_forward_to_the_end(run):
    stream_of(1000)
    page = logs.read_page(run, limit=100)
    assert page.entries[-1] == "line 0000999" and len(page.entries) == 100 and page.pending
    pages = [page.entries]
    while page.rewind_token:
        page = logs.read_page(run, token=page.rewind_token, limit=100)
        if page.entries:
            pages.append(page.entries)
    seen = [line for entries in reversed(pages) for line in entries]
    assert seen == [f"line {n:07d}" for n in range(1000)]
    tail = logs.read_page(run, limit=100)
    end = logs.read_page(run, token=tail.forward_token, limit=100)
    assert end.entries == [] and end.forward_token == tail.forward_token  # end of stream: the same token back
    boto3.client("logs", region_name="us-east-1").put_log_events(
        logGroupName=GROUP, logStreamName=STREAM, logEvents=[{"timestamp": int(time.time() * 1000), "message": "new"}]
    )
    assert logs.read_page(run, token=end.forward_token).entries == ["new"]  # the live tail's next read


def test_an_expired_token_restarts_from_the_tail_with_a_notice(run):
    stream_of(50)
    page = logs.read_page(run, token="f/not-a-token-any-more")
    assert page.entries[-1] == "line 0000049" and "expired" in page.message


def test_no_log_yet_and_a_vanished_stream_are_said_without_error(run, tenancy):
    waiting = RunFactory(workspace=tenancy.workspace, status=RunStatus.SUBMITTED)
    assert logs.read_page(waiting).pending and "not started" in logs.read_page(waiting).message
    gone = logs.read_page(run)  # no such stream in CloudWatch
    assert gone.entries == [] and "not in CloudWatch" in gone.message


@pytest.mark.slow
def test_a_million_line_log_is_walked_once_and_in_order_a_page_a_call(run):
    stream_of(1_000_000)
    calls = []
    client = boto3.client("logs", region_name="us-east-1")
    client.meta.events.register("before-call.logs.GetLogEvents", lambda **kwargs: calls.append(1))
    count = 0
    for count, line in enumerate(logs.stream_lines(run, client=client), start=1):
        assert line == f"line {count - 1:07d}\n"
    assert count == 1_000_000
    assert len(calls) == 101  # 100 pages of 10,000 and the one that says the stream ended (memory: bench/runs.py)
