"""The EC2 launch template: boot disk, tag propagation and the user data (ECS agent settings, the
user's ECS config appended, NVMe formatting, EBS auto scale, AWS CLI, file-system mounts)."""

from __future__ import annotations

import base64

from botocore.exceptions import ClientError

from computeenvs.forge.context import Context, ForgeError, error_code
from computeenvs.forge.names import is_ours
from computeenvs.options.types import NVME_MOUNT_PATH

NOT_FOUND = ("InvalidLaunchTemplateName.NotFoundException", "InvalidLaunchTemplateId.NotFound")
BOUNDARY = "==FORGE-BOUNDARY=="


def user_data_script(settings: dict) -> str:
    """The cloud-boothook shell script of the launch template (pure; shown in tests)."""
    data = settings["userData"]
    lines = ["#!/bin/bash", "set -eu", "mkdir -p /etc/ecs"]
    lines += [f"echo '{setting}' >> /etc/ecs/ecs.config" for setting in data["ecsAgentSettings"]]
    lines += [f"echo '{line}' >> /etc/ecs/ecs.config" for line in data["ecsConfigAppended"] if "'" not in line]
    if data.get("nvmeStorage"):
        lines += [
            "disks=$(lsblk -dpno NAME,MODEL | awk '/Instance Storage/ {print $1}')",
            'if [ -n "$disks" ]; then',
            "  yum install -y lvm2 >/dev/null 2>&1 || dnf install -y lvm2",
            "  pvcreate $disks && vgcreate nvme $disks",
            "  lvcreate -l 100%FREE -n scratch nvme && mkfs.xfs /dev/nvme/scratch",
            f"  mkdir -p {NVME_MOUNT_PATH} && mount /dev/nvme/scratch {NVME_MOUNT_PATH} && chmod 1777 {NVME_MOUNT_PATH}",
            "fi",
        ]
    if data.get("ebsAutoScale"):
        size = data["ebsAutoScale"]["blockSizeGb"]
        lines += [
            "curl -s https://raw.githubusercontent.com/awslabs/amazon-ebs-autoscale/master/install.sh -o /tmp/ebs.sh",
            f"bash /tmp/ebs.sh -m /scratch -s {size}",
        ]
    if data.get("awsCliPath"):
        prefix = data["awsCliPath"].removesuffix("/bin/aws")
        lines += [
            f"if [ ! -x {data['awsCliPath']} ]; then",
            "  curl -s https://repo.anaconda.com/miniconda/Miniconda3-latest-Linux-x86_64.sh -o /tmp/mc.sh",
            f"  bash /tmp/mc.sh -b -f -p {prefix} && {prefix}/bin/pip install -q awscli",
            "fi",
        ]
    for mount in data.get("fileSystemMounts") or []:
        lines.append(f"mkdir -p {mount['mountPath']}  # {mount['type']} {mount['fileSystem']}")
    return "\n".join(lines) + "\n"


def user_data(settings: dict) -> str:
    body = (
        f'Content-Type: multipart/mixed; boundary="{BOUNDARY}"\nMIME-Version: 1.0\n\n'
        f'--{BOUNDARY}\nContent-Type: text/cloud-boothook; charset="us-ascii"\n\n'
        f"{user_data_script(settings)}\n--{BOUNDARY}--\n"
    )
    return base64.b64encode(body.encode()).decode()


def _tags(tags: dict) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def ensure(ctx: Context, resource) -> str:
    ec2 = ctx.client("ec2")
    try:
        found = ec2.describe_launch_templates(LaunchTemplateNames=[resource.name])["LaunchTemplates"]
    except ClientError as exc:
        if error_code(exc) not in NOT_FOUND:
            raise
        found = []
    if found:
        template = found[0]
        if not is_ours({t["Key"]: t["Value"] for t in template.get("Tags", [])}, ctx.ce_id):
            raise ForgeError(
                f"A launch template named {resource.name} already exists and was not made by Batch Forge for this "
                "compute environment; it is left alone."
            )
        return template["LaunchTemplateId"]
    settings = resource.settings
    disk = settings["bootDisk"]
    ebs = {"VolumeSize": disk["sizeGb"], "VolumeType": disk["volumeType"], "DeleteOnTermination": True}
    if disk.get("throughputMBps"):
        ebs["Throughput"] = disk["throughputMBps"]
    data = {
        "UserData": user_data(settings),
        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": ebs}],
        "TagSpecifications": [
            {"ResourceType": kind, "Tags": _tags(resource.tags)} for kind in settings.get("tagPropagation", [])
        ],
    }
    if settings.get("ec2KeyPair"):
        data["KeyName"] = settings["ec2KeyPair"]
    try:
        template = ec2.create_launch_template(
            LaunchTemplateName=resource.name,
            ClientToken=settings["clientToken"],
            LaunchTemplateData=data,
            TagSpecifications=[{"ResourceType": "launch-template", "Tags": _tags(resource.tags)}],
        )["LaunchTemplate"]
    except ClientError as exc:
        if error_code(exc) != "InvalidLaunchTemplateName.AlreadyExistsException":
            raise
        template = ec2.describe_launch_templates(LaunchTemplateNames=[resource.name])["LaunchTemplates"][0]
    return template["LaunchTemplateId"]


def dispose(ctx: Context, name: str, arn: str) -> None:
    ec2 = ctx.client("ec2")
    try:  # look first: deleting a missing template answers differently across AWS and its emulators
        found = ec2.describe_launch_templates(LaunchTemplateNames=[name])["LaunchTemplates"]
        if found:
            ec2.delete_launch_template(LaunchTemplateId=found[0]["LaunchTemplateId"])
    except ClientError as exc:
        if error_code(exc) not in NOT_FOUND:
            raise
