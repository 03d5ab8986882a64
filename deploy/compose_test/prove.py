"""What the running topology must show, each step through the services as users reach them.

Runs are started through the Prefect API on the published port; newsmon's rows are read with
``psql`` inside the postgres container; mails through the mail catcher's HTTP API; requests from
the site's own log. Each check raises with the evidence when it fails and returns what it proved.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from deploy.compose_test.prefect_api import PrefectApi
from deploy.compose_test.site import INTERVAL, TOLERANCE, gaps
from deploy.compose_test.topology import Topology
from flows.serve import (
    BACKFILL_DEPLOYMENT,
    DIGEST_DEPLOYMENT,
    INGEST_DEPLOYMENT,
    RETAG_DEPLOYMENT,
)
from tests.site.server import NosSite

RUNNER = "newsmon"
SERVING = "being served and polling for scheduled runs"
# The deployments ``newsmon serve`` registers, named as flows/serve.py names them.
INGEST = f"ingest/{INGEST_DEPLOYMENT}"
DIGEST_RUN = f"digest/{DIGEST_DEPLOYMENT}"
BACKFILL_RUN = f"backfill/{BACKFILL_DEPLOYMENT}"
DEPLOYMENTS = {INGEST, DIGEST_RUN, BACKFILL_RUN, f"retag/{RETAG_DEPLOYMENT}"}
RECIPIENT = "desk@example.org"
DIGEST = {"send_email": True, "previous_day": False}
BACKFILL = {"start": "2023-06-13", "end": "2023-06-15", "sources": ["nos-archief"]}


class CheckFailed(AssertionError):
    """The topology does not do what it should; the message holds the evidence."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


@dataclass
class Proof:
    topology: Topology
    api: PrefectApi
    site: NosSite
    mail_url: str
    replicas: int
    proved: list[str] = field(default_factory=list)

    def sql(self, query: str) -> list[list[str]]:
        """Rows from newsmon's database, read inside the postgres container."""
        env = self.topology.environment("postgres")
        out = self.topology.podman.out(
            "exec",
            self.topology.container("postgres"),
            "psql",
            "-U",
            env["POSTGRES_USER"],
            "-d",
            "newsmon",
            "-v",
            "ON_ERROR_STOP=1",
            "-tA",
            "-F",
            "\t",
            "-c",
            query,
        )
        return [line.split("\t") for line in out.splitlines() if line]

    def scalar(self, query: str) -> int:
        return int(self.sql(query)[0][0])

    def _runner_logs(self) -> list[str]:
        return [self.topology.logs(RUNNER, i, tail=400) for i in range(1, self.replicas + 1)]

    def _run(self, name: str, parameters: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """A run through the API, COMPLETED; with the runner container that executed it."""
        run = self.api.run(name, parameters)
        state = run["state"]
        logs = self._runner_logs()
        tails = "\n---\n".join(log[-2500:] for log in logs)
        expect(
            state["type"] == "COMPLETED", f"{name}: {state['type']} {state.get('message')}\n{tails}"
        )
        ran_on = [
            self.topology.container(RUNNER, index)
            for index, log in enumerate(logs, start=1)
            if run["id"] in log
        ]
        return run, ", ".join(ran_on) or "?"

    def runners_serve(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while not all(SERVING in log for log in self._runner_logs()):
            expect(time.monotonic() < deadline, "runners not serving:\n" + self._runner_logs()[0])
            time.sleep(2)
        deployments = self.api.deployments()
        expect(set(deployments) == DEPLOYMENTS, f"deployments: {sorted(deployments)}")
        # The server's scheduler turns the configured crons into runs (due on 1 January).
        scheduled = [deployments[name]["id"] for name in (INGEST, DIGEST_RUN)]
        while len({r["deployment_id"] for r in self.api.scheduled_runs(scheduled)}) < 2:
            expect(
                time.monotonic() < deadline,
                "the Prefect server scheduled no runs:\n"
                + self.topology.logs("prefect-server", tail=30),
            )
            time.sleep(2)
        upcoming = self.api.scheduled_runs(scheduled)
        for deployment in deployments.values():
            self.api.pause(deployment)
        paused = [d["paused"] for d in self.api.deployments().values()]
        expect(all(paused), "schedules not paused")
        first = min(r["expected_start_time"] for r in upcoming)
        self.proved.append(
            f"{self.replicas} runners serve {len(deployments)} deployments; the server scheduled "
            f"{len(upcoming)} runs of the crons (first {first[:16]}), then schedules paused"
        )

    def ingest(self) -> None:
        run, ran_on = self._run(INGEST, {"sources": ["nos-algemeen", "nos-buitenland"]})
        fetched = self.scalar("SELECT count(*) FROM articles WHERE origin <> 'seed'")
        seeds = self.scalar("SELECT count(*) FROM articles WHERE origin = 'seed'")
        expect(fetched >= 10 and seeds == 5, f"articles: {fetched} from the site, {seeds} seeds")
        twice = self.sql("SELECT canonical_url FROM articles GROUP BY 1 HAVING count(*) > 1")
        expect(twice == [], f"stored twice: {twice}")
        feeds = [r.status for r in self.site.requests(path="/nosnieuwsalgemeen")]
        expect(feeds == [200], f"feed requests: {feeds}")
        self.proved.append(
            f"ingest run {run['state']['type']} on {ran_on}: {fetched} articles from the "
            f"site + {seeds} seeds stored in the postgres container"
        )

    def backfill(self) -> None:
        run, ran_on = self._run(BACKFILL_RUN, BACKFILL)
        days = self.sql(
            "SELECT day, status, n_discovered FROM crawl_progress "
            "WHERE source_name = 'nos-archief' ORDER BY day"
        )
        expected = [date(2023, 6, d).isoformat() for d in (13, 14, 15)]
        expect([row[0] for row in days] == expected, f"backfill days: {days}")
        expect(all(row[1] == "done" for row in days), f"backfill days: {days}")
        archive = self.site.requests(prefix="/nieuws/archief/")
        expect(len(archive) == 3, f"archive requests: {[r.path for r in archive]}")
        found = sum(int(row[2]) for row in days)
        self.proved.append(
            f"backfill {BACKFILL['start']}..{BACKFILL['end']} started through the API: "
            f"{run['state']['type']} on {ran_on}, 3 days done, {found} articles listed"
        )

    def digest_mailed_once(self) -> None:
        # Today's digest (the deployment's default is yesterday's, for the 07:00 schedule).
        ran_on = [self._run(DIGEST_RUN, DIGEST)[1] for _ in range(2)]
        inbox = httpx.get(f"{self.mail_url}/api/v1/messages", timeout=10).raise_for_status().json()
        to = [[a["Address"] for a in m["To"]] for m in inbox["messages"]]
        expect(inbox["total"] == 1 and to == [[RECIPIENT]], f"mails: {inbox}")
        sends = self.sql("SELECT recipient, status FROM digest_sends")
        expect(sends == [[RECIPIENT, "sent"]], f"digest_sends: {sends}")
        subject = inbox["messages"][0]["Subject"]
        expect(not subject.endswith(" 0 stories"), f"the digest has no stories: {subject!r}")
        self.proved.append(
            f"digest run twice with send_email (on {' then '.join(ran_on)}): "
            f"{inbox['total']} mail in the mail catcher, to {RECIPIENT}, {subject!r}"
        )

    def replicas_share_pacing(self, sources_files: list[str]) -> None:
        """``newsmon ingest`` in two runner containers at once; the site measures the spacing."""
        self.site.reset_log()
        procs = [
            subprocess.Popen(
                [
                    "podman",
                    "exec",
                    "--env",
                    f"NEWSMON_SOURCES_FILE={path}",
                    self.topology.container(RUNNER, index),
                    "newsmon",
                    "ingest",
                    "--source",
                    "gen-feed",
                ],
                env=self.topology.podman.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for index, path in enumerate(sources_files, start=1)
        ]
        outputs = [proc.communicate(timeout=300)[0] for proc in procs]
        for proc, output in zip(procs, outputs, strict=True):
            expect(proc.returncode == 0, f"ingest in a runner exited {proc.returncode}:\n{output}")
        records = self.site.requests()
        agents = {(r.user_agent or "?").split("/")[0] for r in records}
        per_agent = {
            a: sum(1 for r in records if (r.user_agent or "").startswith(a + "/"))
            for a in sorted(agents)
        }
        expect(len(per_agent) == 2 and min(per_agent.values()) >= 3, f"requests: {per_agent}")
        spacing = gaps(records)
        smallest = min(spacing)
        expect(
            smallest >= INTERVAL - TOLERANCE,
            f"requests {smallest:.3f}s apart, configured {INTERVAL}s",
        )
        leases = self.sql("SELECT host FROM host_leases")
        expect(leases == [[self.site.host]], f"host_leases: {leases}")
        spacing.sort()
        median = spacing[len(spacing) // 2]
        self.proved.append(
            f"two runner containers ingesting at once: {len(records)} requests "
            f"({', '.join(f'{n} by {a}' for a, n in per_agent.items())}), spaced min "
            f"{smallest:.3f}s / median {median:.3f}s (configured {INTERVAL}s, shared in "
            "host_leases)"
        )
