"""AWS set-up for tests, in the moto account of the `aws` fixture: buckets and job queues made
the way AWS requires (a queue backed by a real managed compute environment)."""

from __future__ import annotations

REGION = "us-east-1"


def batch_queue(aws, name: str, *, state: str = "ENABLED") -> None:
    """A real (moto) job queue backed by a managed EC2 compute environment, as tech-notes §1 requires."""
    iam, ec2, batch = aws.client("iam"), aws.client("ec2", region_name=REGION), aws.client("batch", region_name=REGION)
    trust = '{"Version":"2012-10-17","Statement":[]}'
    service_role = iam.create_role(RoleName=f"{name}-svc", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.create_role(RoleName=f"{name}-inst", AssumeRolePolicyDocument=trust)
    profile = iam.create_instance_profile(InstanceProfileName=f"{name}-inst")["InstanceProfile"]["Arn"]
    iam.add_role_to_instance_profile(InstanceProfileName=f"{name}-inst", RoleName=f"{name}-inst")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]
    groups = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    env = batch.create_compute_environment(
        computeEnvironmentName=f"{name}-env",
        type="MANAGED",
        state="ENABLED",
        serviceRole=service_role,
        computeResources={
            "type": "EC2",
            "minvCpus": 0,
            "maxvCpus": 4,
            "instanceTypes": ["optimal"],
            "instanceRole": profile,
            "subnets": subnets,
            "securityGroupIds": [groups[0]["GroupId"]],
        },
    )["computeEnvironmentArn"]
    batch.create_job_queue(
        jobQueueName=name, state=state, priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": env}]
    )


def bucket(aws, name: str, region: str = REGION) -> None:
    s3 = aws.client("s3", region_name=region)
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
