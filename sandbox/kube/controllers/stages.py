"""The stage engine: controller behaviour as data (kwok's `Stage`, simplified).

A stage file `sandbox/kube/stages/<kind>-<transition>.yaml` holds one or more `Stage` documents:

```yaml
apiVersion: sandbox.tenant-provisioner.local/v1alpha1
kind: Stage
metadata: {name: deployment-available}
spec:
  resourceRef: {apiGroup: apps, kind: Deployment}      # which kind
  priority: 0                                          # higher is tried first (ties: by name)
  selector:                                            # when it applies (all must hold)
    matchExpressions:
    - {key: '.spec.replicas', operator: NotIn, values: ['0']}
  delay:                                               # how long after the write
    durationMilliseconds: 0
    durationFrom: {annotation: deployment-available.stage.sandbox.tenant-provisioner.local/delay}
  next:                                                # what changes
    status: {...}                                      # the whole new status (a template)
    action: finalize-namespace                         # or/and a named code action
```

Keys are object paths: `.a.b`, `.metadata.annotations["x.io/y"]`, and `[]` for every list item
(`.metadata.ownerReferences.[].kind`). Operators: `In`, `NotIn` (also true when the path is
absent), `Exists`, `DoesNotExist`. Values compare as strings (`true`, `0`).

Status templates are YAML whose strings may hold `{{ expression }}`: `.path` copies a value,
`.path | default 1` gives a default when it is absent, `now` is the time of the write and
`hash .path` is a pod-template-hash style digest of a value. A string that is exactly one
expression keeps the value's type (a number stays a number; an absent value without default drops
the key); inside text the value is formatted as text. Conditions keep their timestamps while their
status (and reason/message) stay the same, so settling twice writes nothing.

For every write of a kind, the first stage (by priority, then name) whose selector matches is
chosen; with a delay, its effect is applied by a timer if the object (same uid) still matches then.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from . import base

STAGES_DIR = Path(__file__).resolve().parent.parent / "stages"
_API_VERSION = "sandbox.tenant-provisioner.local/v1alpha1"
_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
_MISSING = object()

# Action(cluster, obj) -> None: the code part of a stage (`next.action`).
Action = Callable[[Any, dict], None]


class StageError(ValueError):
    """A stage file that does not follow the schema."""


# -- paths --------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""\.([A-Za-z0-9_$-]+)|\[\]|\["([^"]*)"\]|\['([^']*)'\]|\.\[\]""")


def parse_path(path: str) -> list[str | None]:
    """`.metadata.annotations["a/b"].x.[].y` -> ["metadata", "annotations", "a/b", "x", None, "y"]."""
    tokens: list[str | None] = []
    pos = 0
    path = path.strip()
    if not path.startswith("."):
        raise StageError(f"path must start with '.': {path!r}")
    if path == ".":
        return tokens
    while pos < len(path):
        match = _TOKEN.match(path, pos)
        if not match:
            raise StageError(f"cannot parse path {path!r} at {path[pos:]!r}")
        text = match.group(0)
        if text in ("[]", ".[]"):
            tokens.append(None)
        else:
            tokens.append(next(g for g in match.groups() if g is not None))
        pos = match.end()
    return tokens


def resolve(obj: Any, path: str | list) -> list[Any]:
    """Every value at `path` (several when it walks through `[]`); [] when absent."""
    tokens = parse_path(path) if isinstance(path, str) else path
    current = [obj]
    for token in tokens:
        nxt = []
        for value in current:
            if token is None:
                if isinstance(value, list):
                    nxt.extend(value)
            elif isinstance(value, dict) and token in value:
                nxt.append(value[token])
        current = nxt
    return current


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


# -- selectors ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, obj: dict) -> bool:
        found = [_as_text(v) for v in resolve(obj, self.key) if v is not None]
        if self.operator == "Exists":
            return bool(found)
        if self.operator == "DoesNotExist":
            return not found
        hit = any(v in self.values for v in found)
        return hit if self.operator == "In" else not hit


# -- templates ----------------------------------------------------------------------------------

_EXPR = re.compile(r"\{\{\s*(.*?)\s*\}\}")
_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def template_hash(value: Any) -> str:
    """A 10-character digest in the alphabet of Kubernetes' pod-template-hash."""
    digest = hashlib.sha256(json.dumps(value, sort_keys=True).encode()).digest()
    return "".join(_SAFE_ALPHABET[b % len(_SAFE_ALPHABET)] for b in digest[:10])


def _evaluate(expr: str, obj: dict, when: str) -> Any:
    default: Any = _MISSING
    if "|" in expr:
        expr, _, rest = expr.partition("|")
        expr = expr.strip()
        rest = rest.strip()
        if not rest.startswith("default "):
            raise StageError(f"unknown template filter {rest!r}")
        default = yaml.safe_load(rest[len("default "):])
    if expr == "now":
        return when
    if expr.startswith("hash "):
        values = resolve(obj, expr[len("hash "):].strip())
        return template_hash(values[0] if values else None)
    if not expr.startswith("."):
        raise StageError(f"unknown template expression {expr!r}")
    values = resolve(obj, expr)
    if values and values[0] is not None:
        return values[0]
    return default


def render(template: Any, obj: dict, when: str) -> Any:
    """Fill a status template from `obj` (see module doc); absent single values drop their key."""
    if isinstance(template, dict):
        out = {}
        for key, value in template.items():
            rendered = render(value, obj, when)
            if rendered is not _MISSING:
                out[key] = rendered
        return out
    if isinstance(template, list):
        return [v for v in (render(item, obj, when) for item in template) if v is not _MISSING]
    if isinstance(template, str):
        stripped = template.strip()
        whole = _EXPR.fullmatch(stripped)
        if whole and len(_EXPR.findall(stripped)) == 1:
            return _evaluate(whole.group(1), obj, when)

        def text(match: re.Match) -> str:
            value = _evaluate(match.group(1), obj, when)
            return "" if value is _MISSING else _as_text(value)

        return _EXPR.sub(text, template)
    return template


# -- stages -------------------------------------------------------------------------------------


@dataclass
class Stage:
    name: str
    group: str
    kind: str
    selector: tuple[Requirement, ...] = ()
    priority: int = 0
    delay_ms: int = 0
    delay_annotation: str | None = None
    status: dict | None = None
    action: str | None = None
    source: str = ""

    def matches(self, obj: dict) -> bool:
        return all(req.matches(obj) for req in self.selector)

    def delay(self, obj: dict) -> float:
        """Seconds to wait: the annotation's duration when present and valid, else the default."""
        if self.delay_annotation:
            override = base.parse_duration(base.annotation(obj, self.delay_annotation))
            if override is not None:
                return override
        return self.delay_ms / 1000.0

    def next_status(self, obj: dict, when: str) -> dict | None:
        if self.status is None:
            return None
        rendered = render(self.status, obj, when)
        return base.settle_status(obj.get("status"), rendered)


def _stage_from_doc(doc: dict, source: str) -> Stage:
    if not isinstance(doc, dict) or doc.get("kind") != "Stage" or doc.get("apiVersion") != _API_VERSION:
        raise StageError(f"{source}: not a {_API_VERSION} Stage")
    name = (doc.get("metadata") or {}).get("name")
    spec = doc.get("spec") or {}
    ref = spec.get("resourceRef") or {}
    if not name or not ref.get("kind"):
        raise StageError(f"{source}: metadata.name and spec.resourceRef.kind are required")
    reqs = []
    for expr in (spec.get("selector") or {}).get("matchExpressions") or ():
        op = expr.get("operator")
        if op not in _OPERATORS:
            raise StageError(f"{source}: {name}: operator must be one of {_OPERATORS}, not {op!r}")
        parse_path(expr.get("key") or "")
        values = tuple(_as_text(v) for v in expr.get("values") or ())
        if op in ("In", "NotIn") and not values:
            raise StageError(f"{source}: {name}: {op} needs values")
        reqs.append(Requirement(expr["key"], op, values))
    delay = spec.get("delay") or {}
    nxt = spec.get("next") or {}
    if "status" not in nxt and "action" not in nxt:
        raise StageError(f"{source}: {name}: next needs status or action")
    return Stage(
        name=name,
        group=ref.get("apiGroup") or "",
        kind=ref["kind"],
        selector=tuple(reqs),
        priority=int(spec.get("priority") or 0),
        delay_ms=int(delay.get("durationMilliseconds") or 0),
        delay_annotation=(delay.get("durationFrom") or {}).get("annotation"),
        status=nxt.get("status"),
        action=nxt.get("action"),
        source=source,
    )


def load_stages(directory: Path = STAGES_DIR) -> list[Stage]:
    """Every Stage of every `*.yaml` file directly in `directory`, sorted by priority and name."""
    stages = []
    for path in sorted(Path(directory).glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is not None:
                stages.append(_stage_from_doc(doc, path.name))
    names = [s.name for s in stages]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise StageError(f"duplicate stage names: {sorted(duplicates)}")
    return sorted(stages, key=lambda s: (-s.priority, s.name))


def choose(stages: list[Stage], obj: dict) -> Stage | None:
    """The stage that applies to `obj` now (stages must already be sorted)."""
    group, kind = base.group_of(obj), obj.get("kind")
    for stage in stages:
        if stage.group == group and stage.kind == kind and stage.matches(obj):
            return stage
    return None


def advance(stages: list[Stage], obj: dict, when: str) -> tuple[Stage | None, dict]:
    """The stage that applies to `obj` and the object after its status change (golden tests)."""
    stage = choose(stages, obj)
    out = copy.deepcopy(obj)
    if stage is not None:
        status = stage.next_status(obj, when)
        if status is not None:
            out["status"] = status
    return stage, out


# -- the controller -----------------------------------------------------------------------------


@dataclass
class _Timer:
    stage: str
    timer: threading.Timer = field(repr=False)


class StageController(base.Controller):
    """Applies the stages to every write of the kinds they name."""

    def __init__(self, stages: list[Stage] | None = None, actions: dict[str, Action] | None = None):
        self.stages = load_stages() if stages is None else sorted(stages, key=lambda s: (-s.priority, s.name))
        self.actions = dict(actions or {})
        unknown = {s.action for s in self.stages if s.action} - set(self.actions)
        if unknown:
            raise StageError(f"stages name unknown actions: {sorted(unknown)}")
        self.kinds = tuple(sorted({(s.group, s.kind) for s in self.stages}))
        self._timers: dict[str, _Timer] = {}
        self._lock = threading.Lock()
        self._stopped = False

    def settle(self, cluster, rtype, obj: dict) -> None:
        stage = choose(self.stages, obj)
        uid = base.uid_of(obj)
        with self._lock:
            pending = self._timers.get(uid)
            if pending is not None and (stage is None or pending.stage != stage.name):
                pending.timer.cancel()
                del self._timers[uid]
                pending = None
            if stage is None or self._stopped:
                return
            seconds = stage.delay(obj)
            if seconds > 0:
                if pending is None:
                    timer = threading.Timer(seconds, self._fire, (cluster, obj, stage.name))
                    timer.daemon = True
                    self._timers[uid] = _Timer(stage.name, timer)
                    timer.start()
                return
        self._apply(cluster, stage, obj)

    def deleted(self, cluster, rtype, obj: dict) -> None:
        with self._lock:
            pending = self._timers.pop(base.uid_of(obj), None)
        if pending is not None:
            pending.timer.cancel()

    def start(self, cluster) -> None:
        """Re-settle every object a stage is about (timers do not survive a restart)."""
        for group, kind in self.kinds:
            for obj in _list_kind(cluster, group, kind):
                with _lock_of(cluster):
                    current = cluster.get(obj["apiVersion"], kind, base.namespace_of(obj), base.name_of(obj))
                    if current is not None:
                        self.settle(cluster, None, current)

    def shutdown(self) -> None:
        with self._lock:
            self._stopped = True
        self.reset()

    def reset(self) -> None:
        with self._lock:
            timers, self._timers = list(self._timers.values()), {}
        for pending in timers:
            pending.timer.cancel()

    def _fire(self, cluster, obj: dict, stage_name: str) -> None:
        uid = base.uid_of(obj)
        with _lock_of(cluster):
            with self._lock:
                pending = self._timers.get(uid)
                if pending is None or pending.stage != stage_name or self._stopped:
                    return
                del self._timers[uid]
            current = cluster.get(obj["apiVersion"], obj["kind"], base.namespace_of(obj), base.name_of(obj))
            if current is None or base.uid_of(current) != uid:
                return
            stage = choose(self.stages, current)
            if stage is None or stage.name != stage_name:
                return
            self._apply(cluster, stage, current)

    def _apply(self, cluster, stage: Stage, obj: dict) -> None:
        status = stage.next_status(obj, base.now())
        if status is not None and status != (obj.get("status") or {}):
            cluster.write_status(obj["apiVersion"], obj["kind"], base.namespace_of(obj), base.name_of(obj), status)
        if stage.action:
            self.actions[stage.action](cluster, obj)


def _lock_of(cluster):
    return cluster.lock


def _list_kind(cluster, group: str, kind: str) -> list[dict]:
    """All objects of (group, kind) at its served version; [] when the kind is not served."""
    registry = getattr(cluster, "registry", None)
    if registry is None:
        return []
    for rtype in registry.all():
        if rtype.group == group and rtype.kind == kind:
            return list(cluster.list(rtype.api_version, kind))
    return []
