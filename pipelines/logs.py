"""A run's head-job log, read from CloudWatch Logs one page at a time (domain.md §4.5).

Guarantees:

* `read_page` makes one `GetLogEvents` call (two only when the token expired: then it restarts
  from the tail and says so in `message`); no call at all before the head job has a log stream,
  nor for a run reported from outside this service (it has no head job: `message` says where
  Nextflow's own log is, when the trace told);
* tokens are CloudWatch's own (``f/…`` newer, ``b/…`` older): `forward_token` reads what was
  written after the page (the live tail polls it), `rewind_token` what came before it; at the end
  of the stream the forward token comes back unchanged with no entries, and at its beginning
  `rewind_token` is None;
* `stream_lines` walks the whole stream from its first line, one page (at most 10,000 events) in
  memory at a time, for a streamed download; it stops when CloudWatch returns the token it was given.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from pipelines.launch import AWS_DEFAULT_LOG_GROUP
from pipelines.models import Run
from pipelines.trace import selectors as trace_selectors
from workspaces import aws

PAGE_LINES = 200
MAX_PAGE_LINES = 10_000
DOWNLOAD_PAGE_LINES = 10_000
MAX_EMPTY_PAGES = 100  # a sparse stream may answer empty pages with new tokens: give up after this many


@dataclass
class LogPage:
    entries: list[str] = field(default_factory=list)
    forward_token: str | None = None
    rewind_token: str | None = None
    pending: bool = False
    truncated: bool = False
    message: str = ""

    def as_api(self) -> dict:
        return {
            "entries": self.entries,
            "forwardToken": self.forward_token,
            "rewindToken": self.rewind_token,
            "pending": self.pending,
            "truncated": self.truncated,
            "message": self.message,
            "downloads": [],
        }


def _code(exc: Exception) -> str:
    return exc.response.get("Error", {}).get("Code", "") if isinstance(exc, aws.ClientError) else ""


def _not_started(run: Run) -> LogPage:
    if (outside := trace_selectors.reported_from_outside(run)) is not None:
        where = (
            f"Nextflow wrote its log to {outside['log_file']} on the machine that ran it."
            if outside["log_file"]
            else "Nextflow keeps its log (.nextflow.log) in the launch directory on the machine that ran it"
            + (f" ({outside['launch_dir']})." if outside["launch_dir"] else ".")
        )
        return LogPage(
            message=f"This run was not launched here: it has no head job, so there is no head-job log. {where}"
        )
    if run.is_active:
        return LogPage(pending=True, message="The head job has not started yet: its log appears once it runs.")
    return LogPage(message="The head job never ran: there is no log.")


def logs_client(run: Run):
    return aws.client(run.credentials, "logs", run.region)


def read_page(run: Run, *, token: str | None = None, limit: int = PAGE_LINES, client=None) -> LogPage:
    """One page of the head job's log: the latest lines without `token`, else the page it names."""
    if not run.log_stream or run.credentials is None:
        return _not_started(run)
    limit = max(1, min(int(limit), MAX_PAGE_LINES))
    client = client or logs_client(run)
    params = {"logGroupName": run.log_group or AWS_DEFAULT_LOG_GROUP, "logStreamName": run.log_stream, "limit": limit}
    message = ""
    try:
        if token:
            response = client.get_log_events(**params, nextToken=token)
        else:
            response = client.get_log_events(**params, startFromHead=False)
    except aws.ClientError as exc:
        if _code(exc) == "ResourceNotFoundException":
            return LogPage(
                pending=run.is_active,
                message="The log stream is not in CloudWatch (yet, or any more)."
                if run.is_active
                else "The log stream is no longer in CloudWatch: its retention may have removed it.",
            )
        if not token or _code(exc) != "InvalidParameterException":
            raise
        response = client.get_log_events(**params, startFromHead=False)
        message = "The log position expired: showing the latest lines again."
        token = None
    entries = [event["message"] for event in response.get("events", [])]
    forward, backward = response.get("nextForwardToken"), response.get("nextBackwardToken")
    at_beginning = token is not None and token.startswith("b/") and backward == token
    return LogPage(
        entries=entries,
        forward_token=forward,
        rewind_token=None if at_beginning else backward,
        pending=run.is_active,
        message=message,
    )


def stream_lines(run: Run, *, client=None, page_lines: int = DOWNLOAD_PAGE_LINES) -> Iterator[str]:
    """Every line of the head job's log from the first, one CloudWatch page at a time."""
    if not run.log_stream or run.credentials is None:
        return
    client = client or logs_client(run)
    params = {
        "logGroupName": run.log_group or AWS_DEFAULT_LOG_GROUP,
        "logStreamName": run.log_stream,
        "limit": page_lines,
        "startFromHead": True,
    }
    token = None
    empty = 0
    while True:
        response = client.get_log_events(**params, **({"nextToken": token} if token else {}))
        events = response.get("events", [])
        for event in events:
            yield event["message"] + "\n"
        forward = response.get("nextForwardToken")
        empty = 0 if events else empty + 1
        if not forward or forward == token or empty > MAX_EMPTY_PAGES:
            return
        token = forward
