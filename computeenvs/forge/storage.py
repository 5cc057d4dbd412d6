"""EFS (with its NFS security group and one mount target per availability zone of the CE's
subnets), FSx for Lustre, and the CloudWatch log group: ensure and dispose."""

from __future__ import annotations

import time

from botocore.exceptions import ClientError

from computeenvs.forge.context import Context, ForgeError, error_code
from computeenvs.forge.names import TAG_CE, is_ours

NFS_PORT = 2049


def _tags(tags: dict) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _tag_dict(tags) -> dict:
    return {t["Key"]: t["Value"] for t in tags or []}


# --------------------------------------------------------------------------- EFS
def nfs_group_name(name: str) -> str:
    return f"{name}-nfs"


def _subnets_by_zone(ctx: Context) -> tuple[str, dict[str, str]]:
    subnets, _ = ctx.network()
    described = ctx.client("ec2").describe_subnets(SubnetIds=subnets)["Subnets"]
    by_zone: dict[str, str] = {}
    for subnet in sorted(described, key=lambda s: s["SubnetId"]):
        by_zone.setdefault(subnet["AvailabilityZone"], subnet["SubnetId"])
    return described[0]["VpcId"], by_zone


def _find_nfs_group(ctx: Context, name: str, vpc: str | None = None) -> str | None:
    filters = [
        {"Name": "group-name", "Values": [nfs_group_name(name)]},
        {"Name": f"tag:{TAG_CE}", "Values": [ctx.ce_id]},
    ]
    if vpc:
        filters.append({"Name": "vpc-id", "Values": [vpc]})
    found = ctx.client("ec2").describe_security_groups(Filters=filters)["SecurityGroups"]
    return found[0]["GroupId"] if found else None


def _ensure_nfs_group(ctx: Context, resource, vpc: str) -> str:
    ec2 = ctx.client("ec2")
    group = _find_nfs_group(ctx, resource.name, vpc)
    if group is None:
        try:
            group = ec2.create_security_group(
                GroupName=nfs_group_name(resource.name),
                Description=f"NFS to the Batch Forge EFS of compute environment {ctx.ce_id}",
                VpcId=vpc,
                TagSpecifications=[{"ResourceType": "security-group", "Tags": _tags(resource.tags)}],
            )["GroupId"]
        except ClientError as exc:
            group = _find_nfs_group(ctx, resource.name, vpc) if error_code(exc) == "InvalidGroup.Duplicate" else None
            if group is None:  # another error, or a same-named group that is not this CE's
                raise
    # also on an adopted group: a previous run may have died between creating it and this rule
    try:
        ec2.authorize_security_group_ingress(
            GroupId=group,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": NFS_PORT,
                    "ToPort": NFS_PORT,
                    "UserIdGroupPairs": [{"GroupId": group}],
                }
            ],
        )
    except ClientError as exc:
        if error_code(exc) != "InvalidPermission.Duplicate":
            raise
    return group


def ensure_efs(ctx: Context, resource) -> str:
    efs = ctx.client("efs")
    token = resource.settings["creationToken"]
    found = efs.describe_file_systems(CreationToken=token)["FileSystems"]
    if found:
        if not is_ours(_tag_dict(found[0].get("Tags")), ctx.ce_id):
            raise ForgeError(f"An EFS file system with creation token {token} exists and was not made by Batch Forge.")
        fs = found[0]
    else:
        try:
            fs = efs.create_file_system(
                CreationToken=token, PerformanceMode="generalPurpose", Encrypted=True, Tags=_tags(resource.tags)
            )
        except ClientError as exc:
            if error_code(exc) != "FileSystemAlreadyExists":
                raise
            fs = efs.describe_file_systems(CreationToken=token)["FileSystems"][0]
    fs_id = fs["FileSystemId"]
    ctx.wait(
        f"EFS file system {fs_id} to become available",
        lambda: efs.describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]["LifeCycleState"] == "available",
    )
    vpc, by_zone = _subnets_by_zone(ctx)
    group = _ensure_nfs_group(ctx, resource, vpc)
    ctx.extra_security_groups.append(group)
    targets = efs.describe_mount_targets(FileSystemId=fs_id)["MountTargets"]
    zones = {t.get("AvailabilityZoneName") for t in targets} | {t["SubnetId"] for t in targets}
    for zone, subnet in sorted(by_zone.items()):
        if zone in zones or subnet in zones:
            continue
        try:
            efs.create_mount_target(FileSystemId=fs_id, SubnetId=subnet, SecurityGroups=[group])
        except ClientError as exc:
            if error_code(exc) != "MountTargetConflict":
                raise

    def mounted() -> bool:
        current = efs.describe_mount_targets(FileSystemId=fs_id)["MountTargets"]
        return len(current) >= len(by_zone) and all(t["LifeCycleState"] == "available" for t in current)

    ctx.wait(f"the mount targets of {fs_id}", mounted)
    return fs.get("FileSystemArn") or fs_id


def dispose_efs(ctx: Context, name: str, arn: str) -> None:
    efs = ctx.client("efs")
    for fs in efs.describe_file_systems(CreationToken=name)["FileSystems"]:
        fs_id = fs["FileSystemId"]
        for target in efs.describe_mount_targets(FileSystemId=fs_id)["MountTargets"]:
            try:
                efs.delete_mount_target(MountTargetId=target["MountTargetId"])
            except ClientError as exc:
                if error_code(exc) != "MountTargetNotFound":
                    raise

        def targets_gone(fs_id: str = fs_id) -> bool:
            return not efs.describe_mount_targets(FileSystemId=fs_id)["MountTargets"]

        ctx.wait(f"the mount targets of {fs_id} to be deleted", targets_gone)
        try:
            efs.delete_file_system(FileSystemId=fs_id)
        except ClientError as exc:
            if error_code(exc) != "FileSystemNotFound":
                raise
        ctx.wait(
            f"EFS file system {fs_id} to be deleted",
            lambda: not efs.describe_file_systems(CreationToken=name)["FileSystems"],
        )
    group = _find_nfs_group(ctx, name)
    if group is not None:
        ec2 = ctx.client("ec2")
        deadline = time.monotonic() + 300
        while True:  # the mount targets' network interfaces take a while to go
            try:
                ec2.delete_security_group(GroupId=group)
                return
            except ClientError as exc:
                if error_code(exc) == "InvalidGroup.NotFound":
                    return
                if error_code(exc) != "DependencyViolation" or time.monotonic() > deadline:
                    raise
                time.sleep(ctx.poll_seconds())


# --------------------------------------------------------------------------- FSx for Lustre
def _find_fsx(ctx: Context) -> dict | None:
    paginator = ctx.client("fsx").get_paginator("describe_file_systems")
    for page in paginator.paginate():
        for fs in page["FileSystems"]:
            if _tag_dict(fs.get("Tags")).get(TAG_CE) == ctx.ce_id and fs.get("Lifecycle") != "DELETING":
                return fs
    return None


def ensure_fsx(ctx: Context, resource) -> str:
    fsx = ctx.client("fsx")
    fs = _find_fsx(ctx)
    if fs is None:
        subnets, _ = ctx.network()
        fs = fsx.create_file_system(
            ClientRequestToken=resource.settings["clientRequestToken"],
            FileSystemType="LUSTRE",
            StorageCapacity=resource.settings["storageCapacityGb"],
            SubnetIds=subnets[:1],
            SecurityGroupIds=ctx.security_groups(),
            LustreConfiguration={"DeploymentType": resource.settings["deploymentType"]},
            Tags=_tags(resource.tags),
        )["FileSystem"]
    fs_id = fs["FileSystemId"]

    def available() -> bool:
        current = fsx.describe_file_systems(FileSystemIds=[fs_id])["FileSystems"][0]
        if current.get("Lifecycle") in ("FAILED", "MISCONFIGURED"):
            reason = (current.get("FailureDetails") or {}).get("Message", "no reason given")
            raise ForgeError(f"FSx file system {fs_id} is {current['Lifecycle']}: {reason}")
        return current.get("Lifecycle") == "AVAILABLE"

    ctx.wait(f"FSx file system {fs_id} to become AVAILABLE", available)
    return fs.get("ResourceARN") or fs_id


def dispose_fsx(ctx: Context, name: str, arn: str) -> None:
    fsx = ctx.client("fsx")
    fs = _find_fsx(ctx)
    if fs is None:
        return
    try:
        fsx.delete_file_system(FileSystemId=fs["FileSystemId"])
    except ClientError as exc:
        if error_code(exc) != "FileSystemNotFound":
            raise
    ctx.wait(f"FSx file system {fs['FileSystemId']} to be deleted", lambda: _find_fsx(ctx) is None)


# --------------------------------------------------------------------------- CloudWatch log group
def ensure_log_group(ctx: Context, resource) -> str | None:
    """The log group's name when Forge made it; None when it already existed and is not ours
    (then it is used as it is and never recorded, so dispose leaves it)."""
    logs = ctx.client("logs")
    name = resource.name
    found = [g for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] if g["logGroupName"] == name]
    if found:
        tags = logs.list_tags_log_group(logGroupName=name).get("tags", {})
        return name if is_ours(tags, ctx.ce_id) else None
    try:
        logs.create_log_group(logGroupName=name, tags=resource.tags)
    except ClientError as exc:
        if error_code(exc) != "ResourceAlreadyExistsException":
            raise
        return ensure_log_group(ctx, resource)
    return name


def dispose_log_group(ctx: Context, name: str, arn: str) -> None:
    try:
        ctx.client("logs").delete_log_group(logGroupName=name)
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
