"""Validators of the apps API group: Deployment, ReplicaSet, StatefulSet and DaemonSet.

Selector (required, not empty, matching the template's labels, immutable), pod template
(restartPolicy Always), replicas and the other counters, and a Deployment's strategy
(Recreate/RollingUpdate, maxUnavailable/maxSurge) and progressDeadlineSeconds.
"""

from __future__ import annotations

import re
from typing import Any

from ..goformat import GoValue, go_int_or_string, go_label_selector, go_map, go_quote
from ..names import regex_error
from .field import IMMUTABLE, NEGATIVE, Cause, forbidden, invalid, nonnegative, norm, not_supported, required
from .meta import selector_causes, selector_empty, selector_matches
from .pods import pod_template_causes

def validate_workload(obj: dict, old: dict | None, kind: str) -> list[Cause]:
    """Deployment, ReplicaSet, StatefulSet, DaemonSet: selector, template, strategy."""
    spec = obj.get("spec") or {}
    causes = nonnegative(spec, ("replicas", "minReadySeconds"), "spec")
    sel = spec.get("selector")
    if sel is None:
        causes.append(required("spec.selector"))
    else:
        causes += selector_causes(sel, "spec.selector")
        if selector_empty(sel):
            causes.append(invalid("spec.selector", go_label_selector(sel), f"empty selector is invalid for {'deployment' if kind != 'StatefulSet' else 'statefulset'}"))
    template = spec.get("template")
    tpath = "spec.template"
    if template is not None and sel is not None and not selector_empty(sel):
        labels = (template.get("metadata") or {}).get("labels")
        if not selector_matches(sel, labels):
            causes.append(invalid(f"{tpath}.metadata.labels", go_map(labels),
                                  "`selector` does not match template `labels`"))
    causes += pod_template_causes(template, tpath)
    tspec = (template or {}).get("spec") or {}
    policy = tspec.get("restartPolicy") or "Always"
    if template is not None and policy != "Always":
        causes.append(not_supported(f"{tpath}.spec.restartPolicy", policy, ("Always",)))
    if template is not None and tspec.get("activeDeadlineSeconds") is not None and kind in ("Deployment", "ReplicaSet"):
        causes.append(forbidden(f"{tpath}.spec.activeDeadlineSeconds", "activeDeadlineSeconds in ReplicaSet is not Supported"))
    if kind == "Deployment":
        causes += _deployment_strategy(spec.get("strategy") or {})
        if spec.get("revisionHistoryLimit") is not None:
            causes += nonnegative(spec, ("revisionHistoryLimit",), "spec")
        pds = spec.get("progressDeadlineSeconds")
        if isinstance(pds, int):
            causes += nonnegative(spec, ("progressDeadlineSeconds",), "spec")
            if pds <= (spec.get("minReadySeconds") or 0):
                causes.append(invalid("spec.progressDeadlineSeconds", pds, "must be greater than minReadySeconds"))
    if old is not None and kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"):
        old_sel = (old.get("spec") or {}).get("selector")
        if norm(old_sel) != norm(sel):
            causes.append(invalid("spec.selector", go_label_selector(sel), IMMUTABLE))
    return causes


def _deployment_strategy(strategy: dict) -> list[Cause]:
    stype = strategy.get("type") or "RollingUpdate"
    causes: list[Cause] = []
    if stype == "Recreate":
        if strategy.get("rollingUpdate") is not None:
            causes.append(forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"))
    elif stype == "RollingUpdate":
        ru = strategy.get("rollingUpdate")
        if ru is not None:
            causes += _rolling_update(ru)
    else:
        causes.append(not_supported("spec.strategy", GoValue(_go_strategy(strategy)), ("Recreate", "RollingUpdate")))
    return causes


def _go_strategy(strategy: dict) -> str:
    return f"apps.DeploymentStrategy{{Type:{go_quote(str(strategy.get('type', '')))}, RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}}"


def _int_or_percent(value: Any) -> tuple[int, bool]:
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return int(value[:-1]), True
    if isinstance(value, int):
        return value, False
    return 0, False


def _rolling_update(ru: dict) -> list[Cause]:
    causes: list[Cause] = []
    base = "spec.strategy.rollingUpdate"
    for field in ("maxUnavailable", "maxSurge"):
        value = ru.get(field)
        if value is None:
            continue
        if isinstance(value, str):
            if not re.fullmatch(r"[0-9]+%", value):
                causes.append(invalid(f"{base}.{field}", value,
                                      regex_error("a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%", "1%", "93%")))
                continue
        n, _ = _int_or_percent(value)
        if n < 0:
            causes.append(invalid(f"{base}.{field}", value if isinstance(value, str) else n, NEGATIVE))
    mu, mu_pct = _int_or_percent(ru.get("maxUnavailable", "25%"))
    ms, _ = _int_or_percent(ru.get("maxSurge", "25%"))
    if mu == 0 and ms == 0:
        causes.append(invalid(f"{base}.maxUnavailable", go_int_or_string(ru.get("maxUnavailable", 0)), "may not be 0 when `maxSurge` is 0"))
    if mu_pct and mu > 100:
        causes.append(invalid(f"{base}.maxUnavailable", go_int_or_string(ru.get("maxUnavailable")), "must not be greater than 100%"))
    return causes
