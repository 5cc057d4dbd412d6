"""The canary secret: a value shaped like an AWS secret access key (40 characters) that must never
appear in a page, an API response, the admin, a log line or a queue message."""

import base64
import json
from urllib.parse import quote, quote_plus

CANARY = "CanarySecret/DoNotLeak/0123456789abcdefgh"

LOGGERS = (
    "",
    "botocore",
    "boto3",
    "urllib3",
    "dramatiq",
    "django",
    "moto",
    "workspaces",
    "computeenvs",
    "pipelines",
    "seqera",
)


def encodings(secret: str) -> list[str]:
    raw = secret.encode()
    return [
        secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1],
        base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode(),
        base64.b64encode(raw).decode().rstrip("="), secret[6:26],  # a distinctive middle part
    ]  # fmt: skip
