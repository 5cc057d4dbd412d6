"""The dispose walker: takes the ledger apart newest first (queues, compute environments,
launch template, file systems, log group, instance profile, roles last).

Guarantees: each row goes DELETING, then its kind's protocol runs (DISABLE, wait, delete, wait
until gone for Batch; mount targets before the EFS; role out of the profile; policies off the
roles), then the row is DELETED. "Not found" counts as done, so a second run after a crash
finishes the job. A failure stops the walk with the row left DELETING and the error raised.
"""

from __future__ import annotations

from computeenvs.forge import batch, iam, launch_template, ledger, storage
from computeenvs.forge.context import Context
from computeenvs.forge.names import Kind

DISPOSE = {
    Kind.BATCH_QUEUE: batch.dispose_queue,
    Kind.BATCH_ENV: batch.dispose_env,
    Kind.LAUNCH_TEMPLATE: launch_template.dispose,
    Kind.FSX: storage.dispose_fsx,
    Kind.EFS: storage.dispose_efs,
    Kind.LOG_GROUP: storage.dispose_log_group,
    Kind.IAM_INSTANCE_PROFILE: iam.dispose_instance_profile,
    Kind.IAM_ROLE: iam.dispose_role,
}


def dispose(ctx: Context, rows) -> int:
    """Disposes `rows` (newest first, as `ledger.to_dispose` returns them); returns how many."""
    for row in rows:
        ctx.on_step(f"{row.kind} {row.name}")
        ledger.deleting(row)
        DISPOSE[row.kind](ctx, row.name, row.arn)
        ledger.deleted(row)
    return len(rows)
