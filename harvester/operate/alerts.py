"""Alert rules over source health, and delivery: the log, a webhook (POST JSON), a shell command.

Rules: zero_reports (none found where the last run found some), drop (fewer than last run),
stalled (a crawl hung, or a run died and its lock was taken over), new_failure (a source
whose check fails now but passed, or was never checked, before).
Delivery never raises: a failed webhook or command is logged and recorded on the alert.
"""

from __future__ import annotations

import json
import logging
import subprocess
import urllib.request
from dataclasses import asdict, dataclass, field

from harvester.archive.fetchlog import FetchLog, operating
from harvester.operate.health import SourceHealth

log = logging.getLogger("harvester.alerts")
WEBHOOK_TIMEOUT_S = 10
COMMAND_TIMEOUT_S = 30


@dataclass
class Alert:
    """One alert raised by a run."""

    run_id: str
    site: str | None
    rule: str
    message: str
    raised_at: str
    delivered: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Sinks:
    """Where alerts go besides the log: an optional webhook URL and an optional shell command (JSON on stdin)."""

    webhook: str | None = None
    command: str | None = None


def rules(health: SourceHealth) -> list[tuple[str, str]]:
    """(rule, message) pairs that a source's health triggers."""
    site, found, before = health.site, health.reports_found, health.previous_reports or 0
    if health.status == "stalled":
        return [("stalled", f"{site}: crawl stalled: {health.detail}")]
    if found == 0 and before > 0:
        return [("zero_reports", f"{site}: no reports found, {before} last run ({health.detail})")]
    if found < before:
        return [("drop", f"{site}: {found} reports found, {before} last run ({health.detail})")]
    if health.status != "ok" and health.previous_status in (None, "ok"):
        return [("new_failure", f"{site}: check failed: {health.status} ({health.detail})")]
    return []


def stalled_run(run_id: str, holder_run: str, detail: str, now: str) -> Alert:
    """The alert for an earlier scheduled run that died holding the lock."""
    return Alert(run_id, None, "stalled", f"scheduled run {holder_run} stalled or died: {detail}", now)


def _post(url: str, payload: bytes) -> None:
    """POST JSON to a webhook; raises on a non-2xx answer."""
    request = urllib.request.Request(url, payload, {"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as answer:
        answer.read()


def _run_command(command: str, payload: bytes) -> None:
    """Run the operator's command with the alerts as JSON on stdin; raises if it fails."""
    subprocess.run(command, shell=True, input=payload, timeout=COMMAND_TIMEOUT_S, check=True, capture_output=True)


def deliver(fetch_log: FetchLog, alerts: list[Alert], sinks: Sinks) -> None:
    """Log every alert, send them in one payload to each configured sink, store them with delivery results."""
    for alert in alerts:
        log.warning("ALERT %s: %s", alert.rule, alert.message)
        alert.delivered.append("log")
    if alerts:
        payload = json.dumps({"alerts": [asdict(a) for a in alerts]}, ensure_ascii=False).encode("utf-8")
        for name, target, send in (("webhook", sinks.webhook, _post), ("command", sinks.command, _run_command)):
            if not target:
                continue
            try:
                send(target, payload)
                outcome = name
            except Exception as error:  # noqa: BLE001 - an unreachable sink must not stop the run
                log.error("alert %s %s failed: %s", name, target, error)
                outcome = f"{name} failed: {type(error).__name__}: {error}"
            for alert in alerts:
                alert.delivered.append(outcome)
    for alert in alerts:
        row = asdict(alert)
        row["delivered"] = "; ".join(alert.delivered)
        operating.save_alert(fetch_log, row)

