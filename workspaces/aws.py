"""The one door to AWS: boto3 sessions and clients built from a workspace's credentials.

Nothing else in the project imports boto3. Every client gets standard-mode retries, connect and
read timeouts, and the endpoint override of the local sandbox and tests (``AWS_ENDPOINT_URL``,
from settings only). A session is built per credential and region, never shared across tenants,
so one workspace's throttling cannot drain another's retry quota. With an assume-role ARN, the
stored keys (or, without keys, the service's own identity) only obtain temporary credentials for
the role, always passing the credential's external ID.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from seqera.metrics import count_aws_calls

if TYPE_CHECKING:
    from workspaces.models import Credentials

DEFAULT_REGION = "us-east-1"
AwsError = (ClientError, BotoCoreError)


def client_config() -> Config:
    return Config(
        retries={"mode": "standard", "max_attempts": settings.AWS_MAX_ATTEMPTS},
        connect_timeout=settings.AWS_CONNECT_TIMEOUT,
        read_timeout=settings.AWS_READ_TIMEOUT,
    )


def _base_session(credentials: Credentials, region: str) -> boto3.Session:
    if credentials.access_key:
        return boto3.Session(
            aws_access_key_id=credentials.access_key,
            aws_secret_access_key=credentials.get_secret(),
            region_name=region,
        )
    return boto3.Session(region_name=region)


def _client(session: boto3.Session, service: str, region: str):
    made = session.client(service, region_name=region, config=client_config(), endpoint_url=settings.AWS_ENDPOINT_URL)
    count_aws_calls(made, service)  # seqera_aws_calls_total / seqera_aws_errors_total at /metrics
    return made


def assume_role(credentials: Credentials, region: str) -> dict:
    """Calls sts:AssumeRole with the credential's external ID; returns the temporary keys."""
    sts = _client(_base_session(credentials, region), "sts", region)
    params = {"RoleArn": credentials.assume_role_arn, "RoleSessionName": f"seqera-{credentials.id}"[:64]}
    if credentials.external_id:
        params["ExternalId"] = credentials.external_id
    return sts.assume_role(**params)["Credentials"]


def session_for(credentials: Credentials, region: str = DEFAULT_REGION) -> boto3.Session:
    if not credentials.assume_role_arn:
        return _base_session(credentials, region)
    temporary = assume_role(credentials, region)
    return boto3.Session(
        aws_access_key_id=temporary["AccessKeyId"],
        aws_secret_access_key=temporary["SecretAccessKey"],
        aws_session_token=temporary["SessionToken"],
        region_name=region,
    )


def client(credentials: Credentials, service: str, region: str = DEFAULT_REGION, session: boto3.Session | None = None):
    """A boto3 client for `service` acting as `credentials` in `region`."""
    return _client(session or session_for(credentials, region), service, region)


def caller_identity(credentials: Credentials, region: str = DEFAULT_REGION) -> dict:
    """sts:GetCallerIdentity as the credential (after assuming its role when one is set)."""
    return client(credentials, "sts", region).get_caller_identity()


def error_message(exc: Exception) -> str:
    """AWS's own message for a failed call, without request ids or key material."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = error.get("Code", ""), error.get("Message", "")
        return f"{code}: {message}".strip(": ") or str(exc)
    return str(exc)
