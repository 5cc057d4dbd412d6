import contextvars
import json
import logging
import re
from datetime import UTC, datetime

# AWS access key ids (long-term AKIA…, temporary ASIA…) and 40-character secret keys.
_PATTERNS = [
    re.compile(r"(?<![A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"),
    re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])"),
]


# Secret values sent to AWS Secrets Manager (pipeline secrets), as botocore's DEBUG lines echo
# request parameters and bodies: 'SecretString': '…' (repr) and "SecretString": "…" (JSON).
_SECRET_VALUES = re.compile(r"""(["']SecretString["']\s*:\s*)(b?)("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')""")


def redact(text: str) -> str:
    text = _SECRET_VALUES.sub(r"\1\2'[REDACTED]'", text)
    for pattern in _PATTERNS:
        text = pattern.sub("[REDACTED]", text)
    return text


class RedactSecretsFilter(logging.Filter):
    """Rewrites a record's message so AWS key material never reaches a log handler.

    Defence in depth: code never logs secrets on purpose; this catches what a library echoes.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


# --- Structured logs (LOG_FORMAT=json) -------------------------------------------------------

# The id of the request (or of the background message) this thread is serving; set by
# seqera.middleware.RequestIdMiddleware, read by every log record through RequestContextFilter.
current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
# (actor name, message id) of the Dramatiq message this worker thread runs
# (seqera.dramatiq_middleware.RequestContext).
current_message: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar("message", default=None)

# Extra fields a log call may pass (logger.info(..., extra={...})) that the JSON line carries.
EXTRA_FIELDS = (
    "method",
    "view",
    "route",
    "status",
    "duration_ms",
    "user_id",
    "workspace_id",
    "actor",
    "message_id",
    "object_id",
)


class RequestContextFilter(logging.Filter):
    """Adds `request_id` (None outside a request or a message it enqueued) to every record, and
    `actor` and `message_id` while a Dramatiq message runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id.get()
        message = current_message.get()
        if message is not None and getattr(record, "actor", None) is None:
            record.actor, record.message_id = message
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, the
    EXTRA_FIELDS present, and the exception. The message was already redacted by
    RedactSecretsFilter; the exception text and string extras are redacted here, as they are
    formatted after the filters ran."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", None),
        }
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                payload[name] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            payload["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, default=str)
