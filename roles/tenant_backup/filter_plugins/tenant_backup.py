"""Filters of roles/tenant_backup: the repository password, restic's snapshot list as backup runs,
and the state of backup Jobs.

Run as a script, `tenant_backup.py password <slug> <SEED_ENV>` prints the password of a site's
repository, computed from the seed in the environment variable SEED_ENV: restic's password
command on the controller, so the password is never in a command line or a task's environment.

A backup run makes up to two restic snapshots, both tagged `site=<slug>` and `run=<id>` (the
run's UTC start, YYYYMMDDTHHMMSSZ) and `kind=files` or `kind=db`, with the site's slug as host.
The API lists runs, not snapshots: one item per run id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
from datetime import datetime, timezone

#: What the per-site password is an HMAC of (keyed with the seed); docs/backups.md shows how an
#: operator computes it with openssl.
PASSWORD_MESSAGE = "tenant-provisioner/restic/{slug}"
RUN_ID_FORMAT = "%Y%m%dT%H%M%SZ"


def tenant_backup_password(seed: str, slug: str) -> str:
    """The restic password of a site's repository: hex HMAC-SHA256 of its slug, keyed with the seed."""
    if not seed:
        raise ValueError("the restic password seed is empty")
    message = PASSWORD_MESSAGE.format(slug=slug).encode()
    return hmac.new(str(seed).encode(), message, hashlib.sha256).hexdigest()


def _tags(snapshot: dict) -> dict[str, str]:
    out = {}
    for tag in snapshot.get("tags") or ():
        key, sep, value = str(tag).partition("=")
        if sep:
            out[key] = value
    return out


def _time_id(text: str) -> str:
    """restic's RFC 3339 time (nanoseconds, any offset) -> YYYYMMDDTHHMMSSZ in UTC."""
    head, _, rest = text.partition(".")
    offset = ""
    if rest:
        for sign in ("Z", "+", "-"):
            if sign in rest:
                offset = rest[rest.index(sign):]
                break
    else:
        head, offset = text[:19], text[19:]
    offset = "+00:00" if offset in ("", "Z") else offset
    moment = datetime.fromisoformat(head[:19] + offset)
    return moment.astimezone(timezone.utc).strftime(RUN_ID_FORMAT)


def tenant_backup_runs(snapshots, slug: str) -> list[dict]:
    """`restic snapshots --json` (text or list) -> the site's runs, newest first.

    Each run: `{id, files, files_path, db, size, snapshots}` with the full restic ids of its files
    and database snapshots (None when it has none), the size the backup Job measured (its
    `size=<bytes>` tag; None for runs made otherwise) and all its snapshot ids. Snapshots of another
    host or without the `site=<slug>` tag are ignored, whatever the repository holds. A snapshot
    without a run tag is a run of its own, named after its time.
    """
    if isinstance(snapshots, str):
        snapshots = json.loads(snapshots or "[]") or []
    runs: dict[str, dict] = {}
    for snapshot in snapshots or ():
        tags = _tags(snapshot)
        if snapshot.get("hostname") != slug or tags.get("site") != slug:
            continue
        run_id = tags.get("run") or _time_id(snapshot["time"])
        run = runs.setdefault(run_id, {"id": run_id, "files": None, "files_path": None, "db": None,
                                       "size": None, "snapshots": []})
        run["snapshots"].append(snapshot["id"])
        if tags.get("size", "").isdigit():
            run["size"] = int(tags["size"])
        if tags.get("kind") == "db":
            run["db"] = snapshot["id"]
        else:
            run["files"] = snapshot["id"]
            run["files_path"] = (snapshot.get("paths") or [None])[0]
    return sorted(runs.values(), key=lambda run: run["id"], reverse=True)


def tenant_backup_items(runs: list[dict], stats: list[dict]) -> list[dict]:
    """Runs + the registered results of `restic stats --json --mode raw-data` for the runs without
    a size tag -> API items."""
    sizes = {run["id"]: run["size"] for run in runs if run.get("size") is not None}
    for result in stats or ():
        run = result.get("item") or {}
        if result.get("skipped") or "stdout" not in result:
            continue
        sizes[run.get("id")] = int(json.loads(result.get("stdout") or "{}").get("total_size") or 0)
    return [
        {
            "id": run["id"],
            "hasFiles": run["files"] is not None,
            "hasDb": run["db"] is not None,
            "sizeBytes": sizes.get(run["id"], 0),
        }
        for run in runs
    ]


def _condition(job: dict, kind: str) -> dict | None:
    for condition in (job.get("status") or {}).get("conditions") or ():
        if condition.get("type") == kind and condition.get("status") == "True":
            return condition
    return None


def tenant_backup_job_state(job: dict) -> str:
    """`complete`, `failed` or `running` (a Job without a final condition is still running)."""
    if _condition(job, "Complete"):
        return "complete"
    if _condition(job, "Failed"):
        return "failed"
    return "running"


def tenant_backup_running_jobs(jobs: list[dict]) -> list[str]:
    """Names of the Jobs that have not finished yet."""
    return [(job.get("metadata") or {}).get("name", "") for job in jobs or () if tenant_backup_job_state(job) == "running"]


def tenant_backup_job_reason(job: dict) -> str:
    """Why a Job failed, in the controller's words (`BackoffLimitExceeded: ...`)."""
    condition = _condition(job, "Failed") or {}
    reason, message = condition.get("reason") or "", condition.get("message") or ""
    return ": ".join(part for part in (reason, message) if part) or "unknown reason"


class FilterModule:
    def filters(self):
        return {
            "tenant_backup_password": tenant_backup_password,
            "tenant_backup_runs": tenant_backup_runs,
            "tenant_backup_items": tenant_backup_items,
            "tenant_backup_job_state": tenant_backup_job_state,
            "tenant_backup_job_reason": tenant_backup_job_reason,
            "tenant_backup_running_jobs": tenant_backup_running_jobs,
        }


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[1] != "password":
        print("usage: tenant_backup.py password <slug> <SEED_ENV>", file=sys.stderr)
        return 2
    seed = os.environ.get(argv[3], "")
    if not seed:
        print(f"the environment variable {argv[3]} (the restic password seed) is empty", file=sys.stderr)
        return 1
    print(tenant_backup_password(seed, argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
