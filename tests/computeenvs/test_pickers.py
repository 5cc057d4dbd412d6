"""The compute-environment form's pickers: choices read from AWS with the form's credentials and
region (moto), cached briefly, refusals explained with the IAM action the credentials lack."""

import boto3
import pytest
from botocore.exceptions import ClientError
from django.core.cache import cache
from django.urls import reverse

from tests.helpers.urls import ce_url as url

REGION = "eu-west-1"


def picker(client, tenancy, kind, field, **params):
    path = reverse("computeenvs:picker", kwargs={"org": "acme", "workspace": "lab", "kind": kind})
    query = {"field": field, "credentials": tenancy.credentials.pk, "region": REGION, **params}
    return client.get(path, query).content.decode()


@pytest.fixture
def account(aws):
    cache.clear()
    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket="lab-work", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="lab-batch", Description="batch", VpcId=vpc)["GroupId"]
    return {"vpc": vpc, "subnet": subnet, "group": group}


@pytest.mark.django_db
def test_text_fields_get_a_datalist_and_lists_an_add_select(client, tenancy, account):
    client.force_login(tenancy.users["admin"])
    html = picker(client, tenancy, "buckets", "workDir")
    assert '<datalist id="picker-workDir">' in html and '<option value="s3://lab-work">' in html
    subnets = picker(client, tenancy, "subnets", "forge.subnets", **{"forge.vpcId": account["vpc"]})
    assert 'data-append-to="forge.subnets"' in subnets and account["subnet"] in subnets
    other_vpc = boto3.client("ec2", region_name=REGION).create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    assert account["subnet"] not in picker(client, tenancy, "subnets", "forge.subnets", **{"forge.vpcId": other_vpc})
    groups = picker(client, tenancy, "security-groups", "forge.securityGroups", **{"forge.vpcId": account["vpc"]})
    assert account["group"] in groups and "lab-batch" in groups
    types = picker(client, tenancy, "instance-types", "forge.instanceTypes")
    assert "vCPU" in types and "GiB" in types and "(family)" in types


@pytest.mark.django_db
def test_choices_are_cached_per_credentials_and_region(client, tenancy, account, aws_hooks):
    client.force_login(tenancy.users["admin"])
    calls = []
    aws_hooks.append(("before-call.s3.ListBuckets", lambda **kw: calls.append(1)))
    picker(client, tenancy, "buckets", "workDir")
    picker(client, tenancy, "buckets", "forge.allowBuckets")
    assert len(calls) == 1


@pytest.mark.django_db
def test_refusal_names_the_missing_permission(client, tenancy, account, aws_hooks):
    def deny(**kwargs):
        raise ClientError({"Error": {"Code": "UnauthorizedOperation", "Message": "no"}}, "DescribeVpcs")

    aws_hooks.append(("before-call.ec2.DescribeVpcs", deny))
    client.force_login(tenancy.users["admin"])
    html = picker(client, tenancy, "vpcs", "forge.vpcId")
    assert "may not list VPCs in eu-west-1: they need ec2:DescribeVpcs" in html


@pytest.mark.django_db
def test_without_credentials_it_says_what_to_choose_and_other_workspaces_are_not_reachable(client, tenancy, account):
    client.force_login(tenancy.users["admin"])
    assert "Choose credentials and a region" in picker(client, tenancy, "buckets", "workDir", credentials="")
    foreign = picker(client, tenancy, "buckets", "workDir", credentials=tenancy.other_credentials.pk)
    assert "Choose credentials" in foreign and "lab-work" not in foreign
    assert (
        client.get(
            reverse("computeenvs:picker", kwargs={"org": "acme", "workspace": "lab", "kind": "nope"})
        ).status_code
        == 404
    )


@pytest.mark.django_db
def test_form_fields_load_their_picker_lazily(client, tenancy):
    client.force_login(tenancy.users["admin"])
    html = client.get(url(tenancy, "create")).content.decode()
    html = html.replace("&#x27;", "'")
    assert 'list="picker-workDir"' in html
    assert "hx-trigger=\"focus from:[name='forge.subnets']\"" in html
