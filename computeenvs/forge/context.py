"""What every forge and dispose step shares: AWS clients of one credential and region, the
resolved network and AMIs, the ARNs made so far, waits, and the IAM propagation retry.

Guarantees: every AWS call goes through `workspaces.aws` (the one door); waits poll with a
growing interval up to ``FORGE_POLL_SECONDS`` and give up after ``FORGE_WAIT_SECONDS`` with
`ForgeError`; `on_step(step)` is called before each step (the durable-work heartbeat, and the
place where a forge notices it was cancelled).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError
from django.conf import settings

from workspaces import aws


class ForgeError(Exception):
    """A step cannot complete; the message is for the user (AWS's own reason when there is one)."""


class ForgeAborted(Exception):
    """The compute environment left CREATING (deleted or being deleted) while it was forged."""


def error_code(exc: Exception) -> str:
    return exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""


def error_text(exc: Exception) -> str:
    return exc.response.get("Error", {}).get("Message", "") if isinstance(exc, ClientError) else str(exc)


# AWS says a role or instance profile it has just been given does not exist or cannot be assumed:
# IAM propagation (up to ~2 minutes). Only these are retried; every other error is final.
IAM_PROPAGATION_MARKERS = (
    "sts:assumerole",
    "iaminstanceprofile",
    "instance profile",
    "iam role",
    "servicerole",
    "is not authorized to perform",
    "role arn",
    "cannot be assumed",
)


def is_iam_propagation_error(exc: Exception) -> bool:
    if error_code(exc) not in ("ClientException", "InvalidParameterValue", "InvalidParameterValueException"):
        return False
    message = error_text(exc).lower()
    return any(marker in message for marker in IAM_PROPAGATION_MARKERS)


@dataclass
class Context:
    credentials: Any
    region: str
    ce_id: str
    workspace_id: int
    config: Any  # options.AwsBatchConfig
    on_step: Callable[[str], None] = lambda step: None
    arns: dict[str, str] = field(default_factory=dict)  # step -> ARN (or id) of what is ensured
    extra_security_groups: list[str] = field(default_factory=list)  # e.g. the EFS NFS group
    _session: Any = None
    _clients: dict = field(default_factory=dict)
    _network: tuple | None = None
    _amis: dict = field(default_factory=dict)

    # -- AWS access (the one door)
    def client(self, service: str):
        if service not in self._clients:
            if self._session is None:
                self._session = aws.session_for(self.credentials, self.region)
            self._clients[service] = aws.client(self.credentials, service, self.region, session=self._session)
        return self._clients[service]

    # -- timing
    @staticmethod
    def poll_seconds() -> float:
        return float(getattr(settings, "FORGE_POLL_SECONDS", 5))

    def wait(self, what: str, probe: Callable[[], bool], *, timeout: float | None = None) -> None:
        """Calls `probe` until it returns True; sleeps between calls (0.2 s growing to the poll interval)."""
        limit = timeout if timeout is not None else float(getattr(settings, "FORGE_WAIT_SECONDS", 1800))
        deadline, delay = time.monotonic() + limit, min(0.2, self.poll_seconds())
        while not probe():
            if time.monotonic() > deadline:
                raise ForgeError(f"Timed out after {int(limit)} s waiting for {what}.")
            time.sleep(delay)
            delay = min(delay * 2, self.poll_seconds())

    def with_iam_retry(self, call: Callable[[], Any]) -> Any:
        """Runs `call`, retrying only IAM-propagation errors for ``FORGE_IAM_WINDOW_SECONDS`` (2 min)."""
        window = float(getattr(settings, "FORGE_IAM_WINDOW_SECONDS", 120))
        pause = float(getattr(settings, "FORGE_IAM_RETRY_SECONDS", 5))
        deadline = time.monotonic() + window
        while True:
            try:
                return call()
            except ClientError as exc:
                if not is_iam_propagation_error(exc) or time.monotonic() + pause > deadline:
                    raise
                time.sleep(pause)

    # -- facts resolved once per run
    def network(self) -> tuple[list[str], list[str]]:
        """(subnets, security groups): the configured ones, or the region's default VPC's."""
        if self._network is None:
            forge = self.config.forge
            subnets, groups = list(forge.subnets), list(forge.security_groups)
            if not subnets or not groups:
                ec2 = self.client("ec2")
                vpc = forge.vpc_id
                if not vpc:
                    vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
                    if not vpcs:
                        raise ForgeError(f"No default VPC in {self.region}: give a VPC, subnets and security groups.")
                    vpc = vpcs[0]["VpcId"]
                if not subnets:
                    found = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
                    subnets = sorted(s["SubnetId"] for s in found)
                if not groups:
                    found = ec2.describe_security_groups(
                        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
                    )["SecurityGroups"]
                    groups = [g["GroupId"] for g in found]
            self._network = (subnets, groups)
        return self._network

    def security_groups(self) -> list[str]:
        return list(dict.fromkeys([*self.network()[1], *self.extra_security_groups]))

    def ami(self, parameter: str | None, given: str | None) -> str | None:
        """The given AMI, or the ECS-optimized one from the SSM public parameter."""
        if given or not parameter:
            return given
        if parameter not in self._amis:
            found = self.client("ssm").get_parameters(Names=[parameter]).get("Parameters", [])
            if not found:
                raise ForgeError(f"The ECS-optimized AMI parameter {parameter} is not available in {self.region}.")
            self._amis[parameter] = found[0]["Value"]
        return self._amis[parameter]
