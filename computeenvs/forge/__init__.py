"""Batch Forge: the plan of AWS resources for a compute environment (plan.py), then the idempotent
steps that ensure them and the dispose walk that removes them."""
