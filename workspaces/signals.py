"""Signals other apps use to act before workspace data goes (apps above `workspaces` may not be
imported from here: dependencies run one way)."""

from django.dispatch import Signal

# Sent by `services.delete_workspace` / `delete_organization` before anything is deleted, with
# `workspace` and `organization` (the organization being deleted, or None). A receiver returns a
# truthy value when it must finish work first (e.g. dispose AWS resources Batch Forge made); it
# then deletes the workspace (and the organization) itself when that work is done.
workspace_deleting = Signal()
