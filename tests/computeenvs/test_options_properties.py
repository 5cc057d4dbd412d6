"""Properties of computeenvs.options.validate over arbitrary and plausible documents: it never
raises, always answers with violations naming known fields, and normalization is idempotent."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from computeenvs import options

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)

SAMPLES = {
    "region": ["eu-west-1", "us-east-1", "moon-1"],
    "workDir": ["s3://my-bucket/work", "s3://my-bucket/", "/mnt/efs/work", "/mnt/fsx/work", "s3://Bad_Bucket", "work"],
    "headQueue": ["head", "arn:aws:batch:eu-west-1:123456789012:job-queue/head", "bad queue"],
    "computeQueue": ["work", "arn:aws:batch:us-east-1:123456789012:job-queue/work"],
    "cliPath": [options.FORGE_CLI_PATH, "/opt/bin/aws", "aws"],
    "forge.efsId": ["fs-0123456789abcdef0", "fs-x"],
    "forge.efsMount": ["/mnt/efs", "/mnt/efs/", "efs"],
    "forge.fsxMount": ["/mnt/fsx", "/"],
    "forge.fsxName": ["fs-0123456789abcdef0.fsx.eu-west-1.amazonaws.com"],
    "forge.instanceTypes": [["m5", "c6id.large", "optimal"], ["m4"], [f"c{i}" for i in range(1, 25)]],
    "forge.subnets": [["subnet-0123456789abcdef0"], ["subnet-01234567", "subnet-01234567"]],
    "forge.securityGroups": [["sg-0123456789abcdef0"]],
    "forge.allowBuckets": [["s3://in-bucket", "s3://out-bucket/x"]],
    "forge.vpcId": ["vpc-0123456789abcdef0"],
    "forge.imageId": ["ami-0123456789abcdef0"],
    "forge.dragenAmiId": ["ami-0123456789abcdef0"],
    "forge.dragenInstanceType": ["f2.6xlarge"],
    "headJobRole": ["arn:aws:iam::123456789012:role/head"],
    "executionRole": ["arn:aws:iam::123456789012:role/exec"],
    "forge.ecsConfig": ["ECS_ENABLE_GPU_SUPPORT=true", "ECS_IMAGE_PULL_BEHAVIOR=always", "nonsense"],
    "preRunScript": ["export NXF_VER=24.10.0\r\n", "x" * 1100, "   "],
    "environment": [
        [{"name": "NXF_OPTS", "value": "-Xmx2g", "head": True}],
        [{"name": "A", "compute": True}, {"name": "A", "head": False, "compute": True}],
        [{"name": "A", "head": False, "compute": False}],
    ],
}


def plausible(spec):
    if spec.path in SAMPLES:
        return st.sampled_from(SAMPLES[spec.path])
    if spec.kind == "bool":
        return st.booleans()
    if spec.kind == "int":
        return st.sampled_from([0, 1, 50, 64, 100, 1200, 2400, 3000, 4096]) | st.integers(-5, 10_000)
    if spec.kind == "choice":
        return st.sampled_from(spec.choice_values + ("nope",))
    return st.text(max_size=30)


def documents(value_for):
    top = {spec.key: value_for(spec) for spec in options.FIELDS if not spec.forge_only}
    forge = {spec.key: value_for(spec) for spec in options.FIELDS if spec.forge_only}
    extra = {"forgedResources": json_values, "volumes": json_values, "unknown": json_values}
    forge_part = st.none() | st.fixed_dictionaries({}, optional=forge) | json_values
    return st.fixed_dictionaries({}, optional={**top, **extra, "forge": forge_part})


plausible_documents = documents(lambda spec: plausible(spec) | st.none())

VALID = {
    "workDir": ["s3://my-bucket/work", "s3://my-bucket", "/mnt/efs/work"],
    "headQueue": ["head", "arn:aws:batch:eu-west-1:123456789012:job-queue/head"],
    "computeQueue": ["work"],
    "cliPath": ["/opt/aws/bin/aws"],
    "headJobRole": ["arn:aws:iam::123456789012:role/head"],
    "computeJobRole": ["arn:aws:iam::123456789012:role/task"],
    "executionRole": ["arn:aws:iam::123456789012:role/exec"],
    "logGroup": ["/aws/batch/nf"],
    "forge.fsxSize": [1200, 2400],
    "forge.instanceTypes": [["m5", "c6id.large"], ["g5"], []],
    "forge.ebsBlockSize": [20, 100],
    "forge.ec2KeyPair": ["debug-key"],
    "forge.ecsConfig": ["ECS_CONTAINER_STOP_TIMEOUT=10m"],
    "forge.minCpus": [0, 4],
    "forge.bidPercentage": [0, 50, 100],
    "forge.efsId": ["fs-0123456789abcdef0"],
    "forge.efsMount": ["/mnt/efs", "/efs"],
    "forge.fsxMount": ["/mnt/fsx"],
    "forge.fsxName": ["fs-0123456789abcdef0.fsx.eu-west-1.amazonaws.com"],
    "forge.subnets": [["subnet-0123456789abcdef0"], []],
    "forge.securityGroups": [["sg-0123456789abcdef0"], []],
    "forge.allowBuckets": [["s3://in-bucket", "s3://out-bucket/x"]],
    "forge.vpcId": ["vpc-0123456789abcdef0"],
    "forge.imageId": ["ami-0123456789abcdef0"],
    "forge.dragenAmiId": ["ami-0123456789abcdef0"],
    "forge.dragenInstanceType": ["f2.6xlarge"],
    "environment": SAMPLES["environment"],
    "preRunScript": ["export NXF_VER=24.10.0\r\n", "x" * 1100],
}


def valid(spec):
    if spec.path in VALID:
        return st.sampled_from(VALID[spec.path])
    if spec.kind == "int":
        return st.integers(spec.minimum or 0, min(spec.maximum or 10_000, 10_000))
    if spec.kind == "choice":
        return st.sampled_from(spec.choice_values)
    if spec.kind == "text":
        return st.text(st.characters(exclude_characters="\x00"), max_size=30)  # NUL is refused by field
    return plausible(spec)


@st.composite
def mostly_valid_documents(draw):
    """Every value well-formed: only the cross-field rules can object."""
    optional = {spec.key: valid(spec) for spec in options.FIELDS if not spec.forge_only and not spec.required}
    document = draw(st.fixed_dictionaries({"region": st.sampled_from(["eu-west-1", "us-east-1"])}, optional=optional))
    document["workDir"] = draw(valid(options.FIELD_BY_PATH["workDir"]))
    if draw(st.booleans()):
        forge = {spec.key: valid(spec) for spec in options.FIELDS if spec.forge_only and not spec.required}
        document["forge"] = draw(st.fixed_dictionaries({"maxCpus": st.sampled_from([4, 64])}, optional=forge))
    else:
        document.update(headQueue="head", computeQueue="work")
    return document


garbage_documents = documents(lambda spec: json_values) | json_values


def assert_well_formed(normalized, violations):
    assert isinstance(normalized, dict)
    json.dumps(normalized)
    assert isinstance(violations, list)
    for violation in violations:
        assert isinstance(violation, options.Violation)
        assert isinstance(violation.message, str) and violation.message
        root = violation.field.split("[")[0]
        assert root in options.FIELD_BY_PATH or root in (options.NON_FIELD, "forge", "discriminator"), violation


@SETTINGS
@given(garbage_documents)
def test_garbage_never_raises(document):
    assert_well_formed(*options.validate(document))


@SETTINGS
@given(plausible_documents | mostly_valid_documents() | garbage_documents, st.booleans())
def test_normalization_is_idempotent(document, for_create):
    normalized, _ = options.validate(document, for_create=for_create)
    again, _ = options.validate(normalized, for_create=for_create)
    assert again == normalized


@SETTINGS
@given(plausible_documents | mostly_valid_documents())
def test_documents_are_checked_consistently(document):
    normalized, violations = options.validate(document)
    assert_well_formed(normalized, violations)
    config = options.parse(normalized)
    options.warnings(config)
    if not violations:
        assert options.check(config) == []
        assert options.validate(normalized)[1] == []
    rule_messages = {rule.message for rule in options.RULES}
    checked = set(options.check(config))
    assert {v for v in violations if v.message in rule_messages} <= checked


@SETTINGS
@given(mostly_valid_documents())
def test_well_formed_values_only_meet_the_rule_table(document):
    normalized, violations = options.validate(document)
    assert violations == options.check(options.parse(normalized))
