import json

import pytest

from computeenvs.forge.plan import (
    MAX_PREFIX_LENGTH,
    NVME_INSTANCE_TYPES,
    SSM_AMI_PARAMETERS,
    ForgeNameError,
    build_plan,
    dispose_order,
    plan_as_dicts,
    queue_names,
)
from computeenvs.models import ForgedResource
from tests.computeenvs.golden.cases import (
    CASES,
    CE_ID,
    LABELS,
    PREFIX,
    WORKSPACE_ID,
    as_json,
    assert_golden,
    base_config,
    manual_config,
    with_options,
)

FORGE_CASES = [name for name in CASES if name != "manual"]


def plan_for(config, labels=None, prefix=PREFIX, ce_id=CE_ID):
    return build_plan(ce_id=ce_id, config=config, labels=labels or {}, prefix=prefix, workspace_id=WORKSPACE_ID)


def by_step(plan):
    return {resource.step: resource for resource in plan}


@pytest.mark.parametrize("case", FORGE_CASES)
def test_plan_matches_golden_file(case):
    plan = plan_for(CASES[case], LABELS.get(case))
    assert_golden(f"plan_{case}.json", as_json(plan_as_dicts(plan)))


def test_manual_mode_has_no_plan():
    assert plan_for(manual_config()) == []


@pytest.mark.parametrize("case", FORGE_CASES)
def test_plan_is_ordered_by_dependencies_with_known_kinds(case):
    plan = plan_for(CASES[case])
    seen = set()
    for resource in plan:
        assert resource.kind in ForgedResource.Kind.values
        assert set(resource.depends_on) <= seen, f"{resource.step} depends on a later step"
        seen.add(resource.step)
    assert [r.step for r in plan][-4:] in (
        ["head_env", "head_queue", "work_env", "work_queue"],
        ["work_env", "work_queue", "dragen_env", "dragen_queue"],
    )


def test_spot_minimal_creates_the_documented_resources_with_forge_names():
    plan = plan_for(base_config())
    p = f"{PREFIX}-{CE_ID}"
    assert [(r.kind, r.name) for r in plan] == [
        ("IamRole", f"{p}-ServiceRole"),
        ("IamRole", f"{p}-FleetRole"),
        ("IamRole", f"{p}-ExecutionRole"),
        ("IamRole", f"{p}-InstanceRole"),
        ("IamInstanceProfile", f"{p}-InstanceRole"),
        ("Ec2LaunchTemplate", p),
        ("BatchEnv", f"{p}-head"),
        ("BatchQueue", f"{p}-head"),
        ("BatchEnv", f"{p}-work"),
        ("BatchQueue", f"{p}-work"),
    ]
    steps = by_step(plan)
    head, work = steps["head_env"].settings, steps["work_env"].settings
    assert head["provisioningModel"] == "EC2" and head["allocationStrategy"] == "BEST_FIT_PROGRESSIVE"
    assert work["provisioningModel"] == "SPOT"
    assert work["allocationStrategy"] == "SPOT_PRICE_CAPACITY_OPTIMIZED"
    assert work["bidPercentage"] == 100 and work["spotIamFleetRole"] == f"{p}-FleetRole"
    assert work["instanceTypes"] == ["optimal"] and work["network"] == "default VPC"
    assert work["amiSsmParameter"] == SSM_AMI_PARAMETERS["x86_64"]
    assert queue_names(PREFIX, CE_ID) == {
        "headQueue": f"{p}-head",
        "computeQueue": f"{p}-work",
        "dragenQueue": f"{p}-dragen",
    }


def test_queues_purge_unschedulable_jobs_after_ten_minutes():
    queue = by_step(plan_for(base_config()))["work_queue"].settings
    assert queue["computeEnvironmentOrder"] == [{"order": 1, "computeEnvironment": f"{PREFIX}-{CE_ID}-work"}]
    assert {a["reason"] for a in queue["jobStateTimeLimitActions"]} == {
        "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT",
        "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE",
    }
    assert all(
        (a["state"], a["action"], a["maxTimeSeconds"]) == ("RUNNABLE", "CANCEL", 600)
        for a in queue["jobStateTimeLimitActions"]
    )


def test_on_demand_has_no_fleet_role_and_keeps_its_strategy():
    steps = by_step(plan_for(CASES["ec2_fusion_fast_storage"]))
    assert "fleet_role" not in steps
    assert "bidPercentage" not in steps["work_env"].settings
    assert steps["work_env"].settings["minvCpus"] == 8


def test_execution_role_is_created_only_when_none_is_configured():
    assert "execution_role" in by_step(plan_for(base_config()))
    configured = with_options(executionRole="arn:aws:iam::123456789012:role/mine")
    assert "execution_role" not in by_step(plan_for(configured))


def test_fargate_head_runs_without_launch_template_and_gets_a_job_role():
    steps = by_step(plan_for(CASES["fargate_head_graviton"]))
    assert steps["head_env"].settings["provisioningModel"] == "FARGATE"
    assert steps["head_env"].depends_on == ("service_role",)
    assert "head_job_role" in steps
    assert steps["work_env"].settings["amiSsmParameter"] == SSM_AMI_PARAMETERS["arm64"]
    assert steps["work_env"].settings["instanceTypes"] == ["m6g", "r6g", "c6g"]
    with_role = with_options(CASES["fargate_head_graviton"], headJobRole="arn:aws:iam::1:role/head")
    assert "head_job_role" not in by_step(plan_for(with_role))


@pytest.mark.parametrize(
    ("top", "forge", "expected"),
    [
        ({}, {}, ["optimal"]),
        ({"nvnmeStorageEnabled": True}, {}, list(NVME_INSTANCE_TYPES)),
        ({}, {"arm64Enabled": True}, ["m6g", "r6g", "c6g"]),
        ({"nvnmeStorageEnabled": True}, {"arm64Enabled": True}, ["c7gd", "m7gd", "r7gd"]),
        ({"nvnmeStorageEnabled": True}, {"instanceTypes": ["m5d.4xlarge"]}, ["m5d.4xlarge"]),
    ],
)
def test_default_instance_types(top, forge, expected):
    plan = plan_for(with_options(forge=forge, **top))
    assert by_step(plan)["work_env"].settings["instanceTypes"] == expected


def test_gpu_uses_gpu_ami_unless_a_custom_ami_is_given():
    gpu = by_step(plan_for(CASES["gpu_dragen_labels"]))
    assert gpu["work_env"].settings["amiSsmParameter"] == SSM_AMI_PARAMETERS["gpu"]
    assert gpu["head_env"].settings["amiSsmParameter"] == SSM_AMI_PARAMETERS["x86_64"]
    assert gpu["head_env"].settings["instanceTypes"] == ["optimal"]
    custom = by_step(plan_for(with_options(CASES["gpu_dragen_labels"], forge={"imageId": "ami-custom"})))
    assert custom["work_env"].settings["ami"] == "ami-custom"
    assert custom["work_env"].settings["amiSsmParameter"] is None


def test_launch_template_user_data():
    minimal = by_step(plan_for(base_config()))["launch_template"].settings
    assert minimal["userData"]["ecsAgentSettings"][0] == "ECS_IMAGE_PULL_BEHAVIOR=once"
    assert minimal["userData"]["ebsAutoScale"] == {"blockSizeGb": 50}
    assert minimal["userData"]["awsCliPath"] == "/home/ec2-user/miniconda/bin/aws"
    assert minimal["bootDisk"] == {"sizeGb": 50, "volumeType": "gp3", "throughputMBps": None}

    fusion_on_ebs = with_options(
        waveEnabled=True, fusion2Enabled=True, forge={"ebsAutoScale": False, "ebsBootSize": None}
    )
    lt = by_step(plan_for(fusion_on_ebs))["launch_template"].settings
    assert lt["bootDisk"] == {"sizeGb": 100, "volumeType": "gp3", "throughputMBps": 325}
    assert lt["userData"]["awsCliPath"] is None and lt["userData"]["ebsAutoScale"] is None

    fast = by_step(plan_for(CASES["ec2_fusion_fast_storage"]))["launch_template"].settings
    assert fast["userData"]["nvmeStorage"]
    assert fast["userData"]["ecsConfigAppended"] == ["ECS_ENABLE_CONTAINER_METADATA=true"]
    assert fast["bootDisk"]["throughputMBps"] is None


def test_file_systems_are_created_before_the_launch_template_that_mounts_them():
    steps = by_step(plan_for(CASES["efs_create_fsx_create"]))
    name = f"{PREFIX}-{CE_ID}"
    assert steps["efs"].settings["creationToken"] == name and steps["efs"].tags["Name"] == name
    assert steps["fsx"].settings["clientRequestToken"] == name
    assert steps["fsx"].settings["storageCapacityGb"] == 1200
    assert {"efs", "fsx"} <= set(steps["launch_template"].depends_on)
    mounts = steps["launch_template"].settings["userData"]["fileSystemMounts"]
    assert [m["mountPath"] for m in mounts] == ["/mnt/efs", "/mnt/fsx"]


def test_existing_file_systems_are_mounted_not_created():
    config = with_options(
        forge={
            "efsId": "fs-0abc",
            "efsMount": "/mnt/efs",
            "fsxName": "fs-1.fsx.eu-west-1.amazonaws.com",
            "fsxMount": "/mnt/fsx",
        }
    )
    steps = by_step(plan_for(config))
    assert "efs" not in steps and "fsx" not in steps
    mounts = steps["launch_template"].settings["userData"]["fileSystemMounts"]
    assert [m["fileSystem"] for m in mounts] == ["fs-0abc", "fs-1.fsx.eu-west-1.amazonaws.com"]


def test_dragen_gets_its_own_environment_and_queue():
    steps = by_step(plan_for(CASES["gpu_dragen_labels"]))
    assert steps["dragen_queue"].name == f"{PREFIX}-{CE_ID}-dragen"
    assert steps["dragen_env"].settings["instanceTypes"] == ["f1.4xlarge"]
    assert steps["dragen_env"].settings["ami"] == "ami-dragen0001"


def test_tags_are_labels_plus_ownership_and_a_name_label_overrides_the_name():
    plan = plan_for(CASES["gpu_dragen_labels"], LABELS["gpu_dragen_labels"])
    for resource in plan:
        assert resource.tags == {
            "Name": "acme-genomics",
            "cost-center": "cc-1234",
            "project": "rnaseq",
            "forge:ce-id": CE_ID,
            "forge:workspace-id": str(WORKSPACE_ID),
            "forge:installation": "seqera",
        }
    unlabeled = plan_for(base_config())
    assert all(r.tags["Name"] == r.name for r in unlabeled)


def test_more_than_fifty_tags_is_refused():
    labels = {f"label{i}": "v" for i in range(47)}
    with pytest.raises(ValueError, match="at most|allows 50"):
        plan_for(base_config(), labels)
    assert plan_for(base_config(), dict(list(labels.items())[:46]))


def test_too_long_prefix_is_refused_with_the_limit_named():
    assert plan_for(base_config(), prefix="P" * MAX_PREFIX_LENGTH)
    with pytest.raises(ForgeNameError) as error:
        plan_for(base_config(), prefix="P" * (MAX_PREFIX_LENGTH + 1))
    message = str(error.value)
    assert (
        "IAM role name" in message and "at most 64" in message and f"at most {MAX_PREFIX_LENGTH} characters" in message
    )


@pytest.mark.parametrize("prefix", ["", "Tower Forge", "Tower:Forge", "-Tower", "Tower.Forge"])
def test_prefix_with_characters_aws_refuses_is_rejected(prefix):
    with pytest.raises(ForgeNameError):
        plan_for(base_config(), prefix=prefix)


def test_dispose_walks_the_plan_backwards_roles_last():
    plan = plan_for(CASES["efs_create_fsx_create"])
    order = dispose_order(plan)
    assert [d.step for d in order] == [r.step for r in reversed(plan)]
    steps = [d.step for d in order]
    assert steps.index("work_queue") < steps.index("work_env") < steps.index("launch_template")
    assert steps.index("head_queue") < steps.index("head_env")
    assert steps[-1] == "service_role"
    assert steps.index("efs") < steps.index("instance_profile") < steps.index("instance_role")
    queue = next(d for d in order if d.kind == "BatchQueue")
    assert queue.actions[0] == "UpdateJobQueue state=DISABLED" and queue.actions[2] == "DeleteJobQueue"
    env = next(d for d in order if d.kind == "BatchEnv")
    assert env.actions[0] == "UpdateComputeEnvironment state=DISABLED"


def test_plan_is_deterministic_and_json_ready():
    first = plan_as_dicts(plan_for(CASES["ec2_fusion_fast_storage"]))
    second = plan_as_dicts(plan_for(CASES["ec2_fusion_fast_storage"]))
    assert json.dumps(first) == json.dumps(second)


@pytest.mark.parametrize("case", FORGE_CASES)
def test_the_kept_preview_is_the_plan_and_a_fresh_copy_each_time(case, settings):
    from computeenvs.selectors import preview_plan

    settings.FORGE_PREFIX = PREFIX
    labels = LABELS.get(case) or {}
    built = plan_as_dicts(plan_for(CASES[case], labels))
    asked = {"ce_id": CE_ID, "config": CASES[case], "labels": labels, "workspace_id": WORKSPACE_ID}
    first = preview_plan(**asked)
    assert first == built
    first[0]["name"] = "changed by a caller"
    first.pop()
    assert preview_plan(**asked) == built
    assert preview_plan(**{**asked, "labels": {**labels, "team": "other"}}) != built
