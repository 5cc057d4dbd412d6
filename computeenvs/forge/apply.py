"""The forge walker: ensures each planned resource in order, recording it in the ledger.

Guarantees: for each resource, a ledger row exists (CREATING) before any AWS call that may
create it, and is CREATED with the ARN once the resource is usable; a step that fails leaves
its row FAILED with AWS's message and stops the walk. Running the walk again resumes: every
`ensure` looks its resource up by name first and adopts what carries this CE's ownership tags,
so nothing is created twice, whatever point a previous run died at.
"""

from __future__ import annotations

from computeenvs.forge import batch, iam, launch_template, ledger, storage
from computeenvs.forge.context import Context
from computeenvs.forge.names import Kind
from workspaces import aws

ENSURE = {
    Kind.IAM_ROLE: iam.ensure_role,
    Kind.IAM_INSTANCE_PROFILE: iam.ensure_instance_profile,
    Kind.LOG_GROUP: storage.ensure_log_group,
    Kind.EFS: storage.ensure_efs,
    Kind.FSX: storage.ensure_fsx,
    Kind.LAUNCH_TEMPLATE: launch_template.ensure,
    Kind.BATCH_ENV: batch.ensure_env,
    Kind.BATCH_QUEUE: batch.ensure_queue,
}


def apply(ctx: Context, plan, *, ce) -> dict[str, str]:
    """Ensures every resource of `plan` for `ce`; returns step -> ARN (or id)."""
    for order, resource in enumerate(plan, start=1):
        ctx.on_step(resource.step)
        row = ledger.begin(ce, resource, order)
        try:
            arn = ENSURE[resource.kind](ctx, resource)
        except Exception as exc:
            ledger.failed(row, aws.error_message(exc))
            raise
        if arn is None:
            ledger.drop(row)  # existed before and is not ours: used, never disposed
            continue
        ledger.created(row, arn)
        ctx.arns[resource.step] = arn
    return ctx.arns
