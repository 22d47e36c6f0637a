"""Validators of the batch API group: Job and CronJob.

A Job's template (restartPolicy OnFailure or Never), selector and the immutable fields of an
update; a CronJob's schedule (`cron.parse_cron`, no TZ in new schedules), timeZone, concurrency
policy, job template (selector auto-generated) and its name's 52-character limit.
"""

from __future__ import annotations

import re

from ..cron import parse_cron
from ..goformat import GoValue, go_label_selector, go_map
from .field import IMMUTABLE, Cause, invalid, nonnegative, norm, not_supported, required
from .meta import selector_causes, selector_matches
from .pods import pod_template_causes

def _job_spec(spec: dict, path: str, in_template: bool) -> list[Cause]:
    causes = nonnegative(spec, ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
                                 "ttlSecondsAfterFinished"), path)
    template = spec.get("template")
    causes += pod_template_causes(template, f"{path}.template")
    policy = ((template or {}).get("spec") or {}).get("restartPolicy") or ""
    rp_path = f"{path}.template.spec.restartPolicy"
    if policy in ("Always", ""):
        causes.append(required(rp_path, 'valid values: "OnFailure", "Never"'))
    elif policy not in ("OnFailure", "Never"):
        causes.append(not_supported(rp_path, policy, ("OnFailure", "Never")))
    if in_template:
        if spec.get("selector") is not None:
            causes.append(invalid(f"{path}.selector", go_label_selector(spec["selector"]), "`selector` will be auto-generated"))
        if spec.get("manualSelector") is True:
            causes.append(not_supported(f"{path}.manualSelector", True, ("nil", "false")))
    else:
        sel = spec.get("selector")
        if sel is not None:
            causes += selector_causes(sel, f"{path}.selector")
            labels = ((template or {}).get("metadata") or {}).get("labels")
            if not selector_matches(sel, labels):
                causes.append(invalid(f"{path}.template.metadata.labels", go_map(labels),
                                      "`selector` does not match template `labels`"))
    return causes


def validate_job(obj: dict, old: dict | None) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes = _job_spec(spec, "spec", in_template=False)
    if old is not None:
        old_spec = old.get("spec") or {}
        if norm(old_spec.get("completions")) != norm(spec.get("completions")):
            causes.append(invalid("spec.completions", spec.get("completions"), IMMUTABLE))
        if norm(old_spec.get("selector")) != norm(spec.get("selector")):
            causes.append(invalid("spec.selector", go_label_selector(spec.get("selector")), IMMUTABLE))
        if norm(old_spec.get("template")) != norm(spec.get("template")):
            causes.append(invalid("spec.template", GoValue("core.PodTemplateSpec{...}"), IMMUTABLE))
    return causes


def validate_cron_job(obj: dict, old: dict | None) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes: list[Cause] = []
    schedule = spec.get("schedule") or ""
    if not schedule:
        causes.append(required("spec.schedule"))
    else:
        try:
            parse_cron(schedule)
        except ValueError as exc:
            causes.append(invalid("spec.schedule", schedule, str(exc)))
        allow_tz = old is not None and "TZ" in ((old.get("spec") or {}).get("schedule") or "")
        if allow_tz and "TZ" in schedule and spec.get("timeZone") is not None:
            causes.append(invalid("spec.schedule", schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"))
        elif not allow_tz and "TZ" in schedule:
            causes.append(invalid("spec.schedule", schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
    causes += nonnegative(spec, ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"), "spec")
    tz = spec.get("timeZone")
    if tz is not None and (old is None or (old.get("spec") or {}).get("timeZone") != tz):
        causes += _time_zone_causes(tz)
    policy = spec.get("concurrencyPolicy") or "Allow"
    if policy not in ("Allow", "Forbid", "Replace"):
        causes.append(not_supported("spec.concurrencyPolicy", policy, ("Allow", "Forbid", "Replace")))
    job_template = spec.get("jobTemplate") or {}
    causes += _job_spec(job_template.get("spec") or {}, "spec.jobTemplate.spec", in_template=True)
    name = (obj.get("metadata") or {}).get("name") or ""
    if old is None and len(name) > 52:
        causes.append(invalid("metadata.name", name, "must be no more than 52 characters"))
    return causes


def _time_zone_causes(tz: str) -> list[Cause]:
    path = "spec.timeZone"
    if tz == "":
        return [invalid(path, tz, "timeZone must be nil or non-empty string")]
    for part in tz.split("/"):
        if part in (".", "..") or part.startswith("-") or not re.fullmatch(r"[A-Za-z.\-_0-9+]{1,14}", part):
            return [invalid(path, tz, f"unknown time zone {tz}")]
    if tz.lower() == "local":
        return [invalid(path, tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")]
    try:
        import zoneinfo

        zoneinfo.ZoneInfo(tz)
    except Exception:  # noqa: BLE001 - any lookup failure is "unknown time zone"
        return [invalid(path, tz, f"unknown time zone {tz}")]
    return []
