"""Flows: Prefect flows, deployments, the scheduler, the ``newsmon`` CLI and settings."""
