"""The Prefect server's REST API as the UI uses it: deployments, pausing, runs."""

from __future__ import annotations

import time
from typing import Any

import httpx

FINAL_STATES = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


class PrefectApi:
    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url.rstrip("/") + "/", timeout=15)

    def healthy(self) -> bool:
        try:
            return self.client.get("health").status_code == 200
        except httpx.HTTPError:
            return False

    def deployments(self) -> dict[str, dict[str, Any]]:
        """``flow/deployment`` name → deployment."""
        flows = self.client.post("flows/filter", json={}).raise_for_status().json()
        names = {f["id"]: f["name"] for f in flows}
        found = self.client.post("deployments/filter", json={}).raise_for_status().json()
        return {f"{names.get(d['flow_id'])}/{d['name']}": d for d in found}

    def pause(self, deployment: dict[str, Any]) -> None:
        """Pause a deployment's schedules: only the runs the check starts exist."""
        self.client.patch(
            f"deployments/{deployment['id']}", json={"paused": True}
        ).raise_for_status()

    def run(self, name: str, parameters: dict[str, Any], timeout: float = 300) -> dict[str, Any]:
        """Start a run of deployment ``name`` (the UI's "Run" button); its final flow run."""
        deployment = self.client.get(f"deployments/name/{name}").raise_for_status().json()
        created = self.client.post(
            f"deployments/{deployment['id']}/create_flow_run", json={"parameters": parameters}
        ).raise_for_status()
        run_id = created.json()["id"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run: dict[str, Any] = self.client.get(f"flow_runs/{run_id}").raise_for_status().json()
            if run["state"]["type"] in FINAL_STATES:
                return run
            time.sleep(1)
        raise RuntimeError(f"{name} run {run_id} not finished after {timeout:g}s")

    def scheduled_runs(self, deployment_ids: list[str]) -> list[dict[str, Any]]:
        """Runs the server's scheduler created for these deployments, not yet started."""
        body = {
            "deployments": {"id": {"any_": deployment_ids}},
            "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
        }
        found = self.client.post("flow_runs/filter", json=body).raise_for_status()
        return list(found.json())

    def started_run_count(self) -> int:
        """Flow runs that left the SCHEDULED state (were started)."""
        body = {"flow_runs": {"state": {"type": {"not_any_": ["SCHEDULED"]}}}}
        return int(self.client.post("flow_runs/count", json=body).raise_for_status().json())
