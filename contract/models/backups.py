"""Request and response models of the backup endpoints (API_CONTRACT.md, "Backups").

- `schedule` is a Kubernetes CronJob schedule: five fields (minute, hour, day of month, month,
  day of week) in the grammar of robfig/cron's standard parser, which the CronJob controller
  uses: `*`, `?` (day fields only), numbers, names (`jan`..`dec`, `sun`..`sat`), ranges `a-b`,
  steps `*/n`, `a-b/n`, `a/n`, and comma-separated lists; or one of the macros `@yearly`,
  `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`. Runs of whitespace
  between fields become one space. Six fields (seconds), values out of range, `TZ=` prefixes and
  `@every` are refused: the schedule is read in the CronJob's time zone, UTC.
- `retentionDays`: a whole number of days from 1 to `MAX_RETENTION_DAYS` (ten years); restic
  keeps the snapshots within that many days of the newest one (`forget --keep-within <n>d`).
- `snapshotId`: the id the snapshot list shows, the run's UTC start `YYYYMMDDTHHMMSSZ`, which
  must be a real date and time.

Messages never quote the submitted value: it is user input and may be anything.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from contract.models.common import ApiModel

#: Retention is bounded: ten years of daily snapshots is already more than anyone restores from.
MAX_RETENTION_DAYS = 3650

#: The format of a snapshot id (a run's UTC start time).
SNAPSHOT_ID_FORMAT = "%Y%m%dT%H%M%SZ"
SNAPSHOT_ID_PATTERN = r"^[0-9]{8}T[0-9]{6}Z$"
_SNAPSHOT_ID = re.compile(SNAPSHOT_ID_PATTERN)

MACROS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})
_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_DAYS = {name: number for number, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
# (field name, lowest, highest, names, "?" allowed)
_FIELDS = (
    ("minute", 0, 59, {}, False),
    ("hour", 0, 23, {}, False),
    ("day of month", 1, 31, {}, True),
    ("month", 1, 12, _MONTHS, False),
    ("day of week", 0, 6, _DAYS, True),
)
_NUMBER = re.compile(r"^[0-9]{1,4}$")
_MAX_SCHEDULE_LENGTH = 200


def _value(text: str, field: str, names: dict[str, int]) -> int:
    if text.lower() in names:
        return names[text.lower()]
    if not _NUMBER.match(text):
        raise ValueError(f"{field}: expected a number{' or a name' if names else ''}")
    return int(text)


def _check_part(part: str, field: str, low: int, high: int, names: dict[str, int], any_mark: bool) -> None:
    """One comma-separated item of a field: `*`, `?`, `a`, `a-b`, each optionally `/step`."""
    base, slash, step = part.partition("/")
    if slash:
        if not _NUMBER.match(step) or int(step) == 0:
            raise ValueError(f"{field}: a step must be a positive number")
        if int(step) > high - low + 1 and int(step) > 1:
            raise ValueError(f"{field}: the step is larger than the range")
    if base == "*" or (base == "?" and any_mark):
        return
    if base == "?":
        raise ValueError(f"{field}: '?' is allowed in the day fields only")
    start_text, dash, end_text = base.partition("-")
    start = _value(start_text, field, names)
    end = _value(end_text, field, names) if dash else start
    for number in (start, end):
        if not low <= number <= high:
            raise ValueError(f"{field}: values must be from {low} to {high}")
    if start > end:
        raise ValueError(f"{field}: a range must not run backwards")


def check_schedule(value: str) -> str:
    """Return the schedule with single spaces between fields, or raise ValueError."""
    if len(value) > _MAX_SCHEDULE_LENGTH:
        raise ValueError(f"must be at most {_MAX_SCHEDULE_LENGTH} characters")
    fields = value.split()
    if not fields:
        raise ValueError("must not be empty")
    if fields[0].startswith("@"):
        if len(fields) == 1 and fields[0] in MACROS:
            return fields[0]
        raise ValueError(f"is not a known macro; allowed: {', '.join(sorted(MACROS))}")
    if len(fields) != len(_FIELDS):
        raise ValueError(
            f"must have 5 fields (minute hour day-of-month month day-of-week), not {len(fields)}"
        )
    for text, (field, low, high, names, any_mark) in zip(fields, _FIELDS):
        parts = text.split(",")
        if any(part == "" for part in parts):
            raise ValueError(f"{field}: empty list item")
        for part in parts:
            _check_part(part, field, low, high, names, any_mark)
    return " ".join(fields)


def check_snapshot_id(value: str) -> str:
    """Return `value` when it is a snapshot id (a real UTC time YYYYMMDDTHHMMSSZ), else raise."""
    if not _SNAPSHOT_ID.match(value):
        raise ValueError("must be a snapshot id like 20260120T030000Z (YYYYMMDDTHHMMSSZ, UTC)")
    try:
        datetime.strptime(value, SNAPSHOT_ID_FORMAT)
    except ValueError:
        raise ValueError("is not a real date and time") from None
    return value


RetentionDays = Annotated[
    int, Field(ge=1, le=MAX_RETENTION_DAYS, description="Days of snapshots to keep, counted back from the newest")
]
Schedule = Annotated[str, Field(description="CronJob schedule (5 fields, UTC) or a macro such as @daily")]


class BackupEnable(ApiModel):
    """POST /sites/:slug/backup/enable"""

    retention_days: RetentionDays
    schedule: Schedule

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        return check_schedule(value)


class BackupConfig(ApiModel):
    """PATCH /sites/:slug/backup/config: either or both settings."""

    retention_days: RetentionDays | None = None
    schedule: Schedule | None = None

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str | None) -> str | None:
        return None if value is None else check_schedule(value)

    @model_validator(mode="after")
    def _something(self):
        if self.retention_days is None and self.schedule is None:
            raise ValueError("give at least one of retentionDays, schedule")
        return self


class BackupRestore(ApiModel):
    """POST /sites/:slug/backup/restore"""

    snapshot_id: Annotated[str, Field(description="A snapshot id from the snapshot list (YYYYMMDDTHHMMSSZ)")]
    restore_files: bool = Field(True, description="Restore the site's volume (its content becomes the snapshot's)")
    restore_db: bool = Field(True, description="Restore the database dump (the site must have its database enabled)")

    @field_validator("snapshot_id")
    @classmethod
    def _snapshot_id(cls, value: str) -> str:
        return check_snapshot_id(value)

    @model_validator(mode="after")
    def _something(self):
        if not (self.restore_files or self.restore_db):
            raise ValueError("at least one of restoreFiles, restoreDb must be true")
        return self


# --- responses (API_CONTRACT.md, "Backups") ---------------------------------------------------
class BackupEnabled(ApiModel):
    """Backups are on: the schedule and the retention."""

    ok: Literal[True]
    slug: str
    backup_enabled: Literal[True]
    retention_days: int
    schedule: str


class BackupDisabled(ApiModel):
    """Backups are off: the schedule is suspended, the snapshots are kept."""

    ok: Literal[True]
    slug: str
    backup_enabled: Literal[False]


class BackupConfigured(ApiModel):
    """The schedule and retention now in force."""

    ok: Literal[True]
    slug: str
    retention_days: int
    schedule: str


class BackupStarted(ApiModel):
    """A backup Job was created; it runs on its own (see the snapshot list)."""

    ok: Literal[True]
    slug: str
    started: Literal[True]


class Snapshot(ApiModel):
    """One backup run: its files snapshot and/or its database snapshot."""

    id: str = Field(description="The run's UTC start, YYYYMMDDTHHMMSSZ")
    has_files: bool
    has_db: bool
    size_bytes: int = Field(ge=0, description="Bytes the run's snapshots take in the repository (restic raw-data)")


class SnapshotList(ApiModel):
    """The site's backup runs, newest first."""

    ok: Literal[True]
    slug: str
    items: list[Snapshot]


class BackupRestored(ApiModel):
    """The restore Job finished; the app runs again."""

    ok: Literal[True]
    slug: str
    restored: Literal[True]
    snapshot_id: str


class BackupPurged(ApiModel):
    """The site's snapshots, repository, schedule and backup Secret are gone."""

    ok: Literal[True]
    slug: str
    purged: Literal[True]
