"""The one door to AWS: boto3 sessions and clients built from a workspace's credentials.

Nothing else in the project imports boto3. Every client gets standard-mode retries, connect and
read timeouts, and the endpoint override of the local sandbox and tests (``AWS_ENDPOINT_URL``,
from settings only). A session is built per credential and region, never shared across tenants,
so one workspace's throttling cannot drain another's retry quota. With an assume-role ARN, the
stored keys (or, without keys and only when `ALLOW_INSTANCE_CREDENTIALS` is on, the service's
own identity) only obtain temporary credentials for
the role, always passing the credential's external ID.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import boto3
import botocore.loaders
import botocore.session
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


class InstanceCredentialsDisabled(BotoCoreError):
    """Credentials without keys would run as the service's own AWS identity, which this
    installation does not lend to tenants (`ALLOW_INSTANCE_CREDENTIALS` is off)."""

    fmt = "These credentials have no access keys and this installation does not allow instance credentials."


# The service-model files are read once per process, not once per session: sessions stay per
# credential (no shared retry quota or keys), but a new one costs ~25 ms instead of ~150 ms a client.
_LOADER = botocore.loaders.create_loader()


def _session(**kwargs) -> boto3.Session:
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)
    return boto3.Session(botocore_session=core, **kwargs)


def _base_session(credentials: Credentials, region: str) -> boto3.Session:
    if credentials.access_key:
        return _session(
            aws_access_key_id=credentials.access_key,
            aws_secret_access_key=credentials.get_secret(),
            region_name=region,
        )
    if not settings.ALLOW_INSTANCE_CREDENTIALS:
        raise InstanceCredentialsDisabled()
    return _session(region_name=region)


# Called with every client this module builds. Only the local sandbox and the tests register
# hooks (to make moto behave like AWS); a hook must leave clients of any other endpoint alone.
_client_hooks: list[Callable] = []


def add_client_hook(hook: Callable) -> None:
    if hook not in _client_hooks:
        _client_hooks.append(hook)


def remove_client_hook(hook: Callable) -> None:
    if hook in _client_hooks:
        _client_hooks.remove(hook)


def _client(session: boto3.Session, service: str, region: str):
    client = session.client(service, region_name=region, config=client_config(), endpoint_url=settings.AWS_ENDPOINT_URL)
    count_aws_calls(client, service)  # seqera_aws_calls_total / seqera_aws_errors_total at /metrics
    for hook in list(_client_hooks):
        hook(client)
    return client


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
    return _session(
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
