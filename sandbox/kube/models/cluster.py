"""`Cluster`: the emulated API server's state and rules, one method per API verb.

`Cluster` is the only writer of the store. A write goes through the same steps as in
kube-apiserver 1.32:

1. decode: JSON type errors (400), unknown fields pruned (400 under `fieldValidation=Strict`,
   `Warning` otherwise);
2. admission of the namespace (404 missing, 403 terminating), server-set metadata (uid,
   creationTimestamp, generation, resourceVersion), defaults, kind-specific preparation
   (Namespace finalizers and phase, Secret `stringData`, status ignored on the main resource);
3. semantic validation (`validation/`, 422) and the controllers' `admit` hooks;
4. unless the write changes nothing (then nothing is written: same resourceVersion, same
   managedFields times), managedFields (`apply.py`), generation, a new resourceVersion, the store,
   a watch event; then the controllers' `settle` hooks, inside the same lock.

With `dryRun=All` steps 1-3 run and the would-be object is returned; nothing is stored.

The internal API for simulated controllers (`get`, `list`, `create_internal`, `update_internal`,
`write_status`, `delete_internal`, `state_dir`, `lock`) is at the end of the class.

This file stays whole (over 1,000 lines, kept under 1,300): it is the one backend of the emulated
API server, as moto's `models.py` is for an emulated AWS service. Every step it composes lives in a
module of its own (`patch.py`, `apply.py`, `schema.py`, `defaults.py`, `validation/`, `qos.py`,
`selectors.py`, `store.py`).
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from .. import errors
from ..watch import Event, EventLog, WatchRequest
from . import apply as ssa
from . import patch as patches
from . import schema as schemas
from . import validation
from .defaults import apply_defaults
from .goformat import go_json_kind
from .qos import qos_class
from .registry import Registry, ResourceType
from .schema import deepcopy_json as _copy
from .selectors import (
    EVERYTHING,
    LabelSelector,
    parse_field_selector,
    parse_label_selector,
    selector_from_label_selector,
)
from .store import Store

log = logging.getLogger("sandbox.kube")

NAMESPACE_KEY = "namespaces"
CRD_KEY = "customresourcedefinitions.apiextensions.k8s.io"
INITIAL_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
SYSTEM_MANAGER = "kube-apiserver"
CONTROLLER_MANAGER = "kube-controller-manager"

# Server-owned metadata: never taken from a request body.
_SYSTEM_META = (
    "uid", "creationTimestamp", "resourceVersion", "generation", "deletionTimestamp",
    "deletionGracePeriodSeconds", "managedFields", "selfLink",
)
# Kinds whose DELETE answers the deleted object instead of a Status (`ReturnDeletedObject`).
_RETURNS_DELETED_OBJECT = {("", "Pod"), ("", "Service"), ("", "ServiceAccount"), ("storage.k8s.io", "StorageClass")}
_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"

PATCH_TYPES = {
    "application/json-patch+json": "json",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
}


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class WriteOptions:
    """What a write request asks for besides its body (query parameters and the caller)."""

    manager: str = "unknown"
    dry_run: bool = False
    field_validation: str = "Warn"  # Strict | Warn | Ignore
    force: bool = False


@dataclass
class WriteResult:
    obj: dict
    created: bool = False
    warnings: list[str] = field(default_factory=list)


INTERNAL = WriteOptions(manager=CONTROLLER_MANAGER, field_validation="Ignore")


class Cluster:
    """All objects of one emulated cluster and the rules for changing them."""

    def __init__(self, state_dir: Path, controllers: Iterable = (), persist: bool = True):
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self.registry = Registry()
        self.store = Store(self.state_dir if persist else None)
        self.events = EventLog(self.store.resource_version)
        self.controllers = list(controllers)
        with self.lock:
            for crd in self.store.list(CRD_KEY):
                self.registry.serve_crd(crd)
            if not self.store.keys():
                self._seed()

    # ------------------------------------------------------------------------------------------
    # lifecycle

    def start(self) -> None:
        """Let controllers pick up existing objects (after a restart)."""
        for ctl in self.controllers:
            start = getattr(ctl, "start", None)
            if start is not None:
                start(self)

    def shutdown(self) -> None:
        self.events.close()
        for ctl in self.controllers:
            stop = getattr(ctl, "shutdown", None)
            if stop is not None:
                try:
                    stop()
                except Exception:  # noqa: BLE001 - shutting down; log and go on
                    log.exception("controller %s failed to shut down", type(ctl).__name__)

    def reset(self) -> None:
        """Back to the initial state: only the seeded objects. resourceVersions keep counting."""
        with self.lock:
            for ctl in self.controllers:
                reset = getattr(ctl, "reset", None)
                if reset is not None:
                    reset()
            self.store.clear()
            self.registry.reset()
            self._seed()

    def _seed(self) -> None:
        from .seed import initial_objects

        for obj in initial_objects():
            status = obj.pop("status", None)
            created = self.create_internal(obj, manager=SYSTEM_MANAGER)
            if status:
                meta = created["metadata"]
                self.write_status(obj["apiVersion"], obj["kind"], meta.get("namespace"), meta["name"], status,
                                  manager=SYSTEM_MANAGER)

    # ------------------------------------------------------------------------------------------
    # reads

    @property
    def resource_version(self) -> int:
        return self.store.resource_version

    def read(self, rtype: ResourceType, namespace: str | None, name: str) -> dict:
        obj = self.store.get(rtype.storage_key, namespace or "", name)
        if obj is None:
            raise errors.NotFound.item(rtype.plural, rtype.group, name)
        return self.render(rtype, obj)

    def read_list(self, rtype: ResourceType, namespace: str | None, label_selector: str | None = None,
                  field_selector: str | None = None) -> dict:
        matches = self._matcher(rtype, label_selector, field_selector)
        with self.lock:
            rv = self.store.resource_version
            objs = self.store.list(rtype.storage_key, namespace if rtype.namespaced else None)
        items = []
        for obj in objs:
            if matches(obj):
                items.append(self.render(rtype, obj, in_list=True))
        return {"kind": rtype.list_kind, "apiVersion": rtype.api_version,
                "metadata": {"resourceVersion": str(rv)}, "items": items}

    def render(self, rtype: ResourceType, obj: dict, in_list: bool = False) -> dict:
        """The object as served at rtype's version. Not a deep copy: callers serialise, never mutate.

        List items of built-in kinds carry no apiVersion/kind, like the real server's (custom
        resources keep theirs).
        """
        if in_list and not rtype.custom:
            return {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
        if obj.get("apiVersion") != rtype.api_version:
            return {"apiVersion": rtype.api_version, **{k: v for k, v in obj.items() if k != "apiVersion"}}
        return obj

    def _matcher(self, rtype: ResourceType, label_selector: str | None, field_selector: str | None):
        labels = parse_label_selector(label_selector)
        fields = parse_field_selector(field_selector, rtype.group, rtype.kind, rtype.custom)
        if labels.empty and fields.empty:
            return lambda obj: True

        def matches(obj: dict) -> bool:
            return labels.matches((obj.get("metadata") or {}).get("labels")) and fields.matches(obj)

        return matches

    def watch_request(self, rtype: ResourceType, namespace: str | None, label_selector: str | None,
                      field_selector: str | None, resource_version: str | None, timeout: float,
                      bookmarks: bool) -> WatchRequest:
        base = self._matcher(rtype, label_selector, field_selector)
        if rtype.namespaced and namespace:
            def matches(obj: dict) -> bool:
                return (obj.get("metadata") or {}).get("namespace") == namespace and base(obj)
        else:
            matches = base
        if resource_version not in (None, "", "0"):
            try:
                start = int(resource_version)
            except ValueError:
                raise errors.BadRequest(f'resourceVersion: Invalid value: "{resource_version}": must be a number')
            return WatchRequest(rtype.storage_key, start, [], matches, timeout, bookmarks)
        with self.lock:
            start = self.store.resource_version
            initial = [o for o in self.store.list(rtype.storage_key, namespace if rtype.namespaced else None)
                       if matches(o)]
        return WatchRequest(rtype.storage_key, start, initial, matches, timeout, bookmarks)

    # ------------------------------------------------------------------------------------------
    # create

    def create(self, rtype: ResourceType, namespace: str | None, body: Any, opts: WriteOptions) -> WriteResult:
        obj = self._check_body(rtype, body, namespace, None)
        if (obj.get("metadata") or {}).get("resourceVersion"):
            raise errors.BadRequest("resourceVersion should not be set on objects to be created")
        with self.lock:
            return self._create(rtype, namespace, obj, opts)

    def _create(self, rtype: ResourceType, namespace: str | None, obj: dict, opts: WriteOptions,
                applied: bool = False) -> WriteResult:
        """Create `obj` (body checks done). `applied`: the result of a server-side apply, already
        decoded and carrying its managedFields."""
        meta = obj.setdefault("metadata", {})
        name = meta.get("name") or ""
        if rtype.namespaced:
            self._check_namespace_open(rtype, namespace, name or meta.get("generateName", ""))
        if not name:
            if meta.get("generateName"):
                name = self._generate_name(rtype, namespace, meta["generateName"])
                meta["name"] = name
            else:
                raise errors.Invalid.of(rtype.kind, rtype.group, "", [errors.Cause(
                    "FieldValueRequired", "Required value: name or generateName is required", "metadata.name")])
        warnings: list[str] = []
        if not applied:
            obj, warnings = self._decode(rtype, obj, opts)
            meta = obj["metadata"]
        managed = meta.get("managedFields") if applied else None
        for key in _SYSTEM_META:
            meta.pop(key, None)
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now()
        if rtype.tracks_generation:
            meta["generation"] = 1
        self._prepare(rtype, obj, None)
        apply_defaults(rtype.group, rtype.kind, obj)
        self._validate(rtype, obj, None)
        existing = self.store.get(rtype.storage_key, namespace or "", name)
        if existing is not None:
            raise errors.AlreadyExists.item(rtype.plural, rtype.group, name,
                                             bool(existing["metadata"].get("deletionTimestamp")))
        self._admit(rtype, obj, None, opts.dry_run)
        if applied:
            if managed:
                meta["managedFields"] = managed
        else:
            self._record_update(rtype, None, obj, opts.manager, None)
        if opts.dry_run:
            return WriteResult(obj, True, warnings)
        stored = self._store(rtype, None, obj)
        self._after_write(rtype, stored, None)
        return WriteResult(stored, True, warnings)

    def _generate_name(self, rtype: ResourceType, namespace: str | None, prefix: str) -> str:
        base = prefix[: 63 - 5] if len(prefix) > 58 else prefix
        for _ in range(20):
            name = base + "".join(random.choice(_GENERATE_ALPHABET) for _ in range(5))
            if self.store.get(rtype.storage_key, namespace or "", name) is None:
                return name
        raise errors.ServiceUnavailable("could not generate a unique name")

    def _check_namespace_open(self, rtype: ResourceType, namespace: str | None, name: str) -> None:
        ns = self.store.get(NAMESPACE_KEY, "", namespace or "")
        if ns is None:
            raise errors.NotFound.item("namespaces", "", namespace or "")
        if ns["metadata"].get("deletionTimestamp"):
            details = {"name": name}
            if rtype.group:
                details["group"] = rtype.group
            details["kind"] = rtype.plural
            details["causes"] = [{"reason": "NamespaceTerminating",
                                  "message": f"namespace {namespace} is being terminated",
                                  "field": "metadata.namespace"}]
            raise errors.Forbidden(
                f'{errors.qualified(rtype.plural, rtype.group)} "{name}" is forbidden: unable to create new '
                f"content in namespace {namespace} because it is being terminated", details)

    # ------------------------------------------------------------------------------------------
    # update (PUT)

    def replace(self, rtype: ResourceType, namespace: str | None, name: str, body: Any, opts: WriteOptions,
                subresource: str | None = None) -> WriteResult:
        if subresource == "scale":
            return self.replace_scale(rtype, namespace, name, body, opts)
        obj = self._check_body(rtype, body, namespace, name)
        with self.lock:
            old = self._get_or_404(rtype, namespace, name)
            self._check_precondition(rtype, old, obj)
            obj, warnings = self._decode(rtype, obj, opts)
            return self._update(rtype, old, obj, opts, subresource=subresource, warnings=warnings)

    def _update(self, rtype: ResourceType, old: dict, new: dict, opts: WriteOptions, *,
                subresource: str | None = None, warnings: list[str] | None = None,
                applied: bool = False) -> WriteResult:
        """Finish an update: `new` is the requested full object (already decoded)."""
        new = self._carry_over(rtype, old, new, subresource, applied)
        apply_defaults(rtype.group, rtype.kind, new)
        self._validate(rtype, new, old)
        self._admit(rtype, new, old, opts.dry_run)
        warnings = list(warnings or ())
        if _same(old, new, keep_managed=applied):
            return WriteResult(old, False, warnings)
        meta = new["metadata"]
        if not applied:
            self._record_update(rtype, old, new, opts.manager, subresource)
        if rtype.tracks_generation and _spec_changed(rtype, old, new):
            meta["generation"] = int(old["metadata"].get("generation") or 0) + 1
        if opts.dry_run:
            return WriteResult(new, False, warnings)
        stored = self._store(rtype, old, new)
        self._after_write(rtype, stored, old)
        return WriteResult(stored, False, warnings)

    def _carry_over(self, rtype: ResourceType, old: dict, new: dict, subresource: str | None,
                    applied: bool = False) -> dict:
        """Restore what the request may not change: server metadata, and status or everything else."""
        if subresource == "status":
            out = _copy(old)
            if "status" in new:
                out["status"] = new["status"]
            else:
                out.pop("status", None)
            return out
        if subresource == "finalize":  # namespaces/finalize: only spec.finalizers
            out = _copy(old)
            out.setdefault("spec", {})["finalizers"] = list((new.get("spec") or {}).get("finalizers") or [])
            if not out["spec"]["finalizers"]:
                out["spec"].pop("finalizers")
            return out
        meta = new.setdefault("metadata", {})
        old_meta = old["metadata"]
        for key in _SYSTEM_META:
            if key == "managedFields" and (applied or meta.get("managedFields")):
                continue  # apply results carry their own; a PUT may send them (`[{}]` clears them)
            if key in old_meta:
                meta[key] = old_meta[key]
            else:
                meta.pop(key, None)
        meta["name"] = old_meta["name"]
        if "namespace" in old_meta:
            meta["namespace"] = old_meta["namespace"]
        new["apiVersion"] = old.get("apiVersion")
        new["kind"] = old.get("kind")
        if rtype.has_status:
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)
        self._prepare(rtype, new, old)
        return new

    # ------------------------------------------------------------------------------------------
    # patch

    def patch(self, rtype: ResourceType, namespace: str | None, name: str, patch_type: str, body: Any,
              opts: WriteOptions, subresource: str | None = None) -> WriteResult:
        if patch_type == "apply":
            if subresource == "scale":
                raise errors.UnsupportedMediaType.patch()
            return self.apply(rtype, namespace, name, body, opts, subresource=subresource)
        if patch_type == "strategic" and rtype.custom:
            raise errors.UnsupportedMediaType.patch()
        if subresource == "scale":
            return self.patch_scale(rtype, namespace, name, patch_type, body, opts)
        with self.lock:
            old = self._get_or_404(rtype, namespace, name)
            current = self.render(rtype, old)
            result = self._patched(current, patch_type, body, rtype.schema())
            if not isinstance(result, dict):
                raise errors.BadRequest(_decode_error(rtype, "json: cannot unmarshal into Go value"))
            self._check_precondition(rtype, old, result)
            result.setdefault("metadata", {})
            result["apiVersion"], result["kind"] = rtype.api_version, rtype.kind
            result, warnings = self._decode(rtype, result, opts)
            return self._update(rtype, old, result, opts, subresource=subresource, warnings=warnings)

    @staticmethod
    def _patched(current: dict, patch_type: str, body: Any, node) -> Any:
        if patch_type == "json":
            return patches.json_patch(current, body)
        if not isinstance(body, dict):
            raise errors.BadRequest(
                f"json: cannot unmarshal {go_json_kind(body)} into Go value of type map[string]interface {{}}")
        if patch_type == "merge":
            return patches.merge_patch(current, body)
        return patches.strategic_merge_patch(current, body, node)

    # ------------------------------------------------------------------------------------------
    # server-side apply

    def apply(self, rtype: ResourceType, namespace: str | None, name: str, config: Any, opts: WriteOptions,
              subresource: str | None = None) -> WriteResult:
        if not opts.manager:
            raise errors.Invalid(
                'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
                {"group": "meta.k8s.io", "kind": "PatchOptions",
                 "causes": [{"reason": "FieldValueRequired", "message": "Required value: is required for apply patch",
                             "field": "fieldManager"}]})
        if not isinstance(config, dict):
            raise errors.BadRequest(f"error decoding YAML: json: cannot unmarshal {go_json_kind(config)} into Go value "
                                    "of type map[string]interface {}")
        if config.get("apiVersion") != rtype.api_version:
            raise errors.BadRequest(
                f"Incorrect version specified in apply patch. Specified patch version: {config.get('apiVersion', '')}, "
                f"expected: {rtype.api_version}")
        if config.get("kind") != rtype.kind:
            raise errors.BadRequest(
                f"Incorrect kind specified in apply patch. Specified patch kind: {config.get('kind', '')}, "
                f"expected: {rtype.kind}")
        meta = config.get("metadata")
        if not isinstance(meta, dict):
            meta = {}
            config["metadata"] = meta
        if meta.get("name") and meta["name"] != name:
            raise errors.BadRequest(
                f"the name of the object ({meta['name']}) does not match the name on the URL ({name})")
        meta["name"] = name
        self._check_body_namespace(rtype, config, namespace)
        node = rtype.schema()
        pruned, unknown = schemas.prune(config, node)
        if unknown:
            # E11: server-side apply refuses undeclared fields with a 500, whatever fieldValidation says.
            ns_name = f"{namespace}/{name}" if namespace else name
            raise errors.InternalError(
                f"failed to create typed patch object ({ns_name}; {rtype.api_version}, Kind={rtype.kind}): "
                + schemas.apply_schema_error(unknown), reason="")
        self._check_types(rtype, pruned, name)
        config = pruned
        precondition = (config.get("metadata") or {}).pop("resourceVersion", None)
        if rtype.has_status and subresource != "status":
            config.pop("status", None)
        with self.lock:
            live = self.store.get(rtype.storage_key, namespace or "", name)
            if live is not None and precondition and precondition != live["metadata"].get("resourceVersion"):
                raise errors.Conflict.stale(rtype.plural, rtype.group, name)
            if live is None:
                if subresource:
                    raise errors.NotFound.item(rtype.plural, rtype.group, name)
                if precondition:
                    raise errors.Conflict.stale(rtype.plural, rtype.group, name)
                if rtype.namespaced:
                    self._check_namespace_open(rtype, namespace, name)
            current = _copy(self.render(rtype, live)) if live is not None else None
            new = ssa.apply(current, config, manager=opts.manager, force=opts.force, node=node,
                            api_version=rtype.api_version, now=now(),
                            ignore_status=rtype.has_status and subresource != "status")
            new["apiVersion"], new["kind"] = rtype.api_version, rtype.kind
            if live is None:
                return self._create(rtype, namespace, new, opts, applied=True)
            return self._update(rtype, live, new, opts, subresource=subresource, applied=True)

    # ------------------------------------------------------------------------------------------
    # scale subresource (autoscaling/v1 Scale)

    def read_scale(self, rtype: ResourceType, namespace: str | None, name: str) -> dict:
        self._require_scale(rtype)
        obj = self.store.get(rtype.storage_key, namespace or "", name)
        if obj is None:
            raise errors.NotFound.item(rtype.plural, rtype.group, name)
        return self._scale_of(rtype, obj)

    def replace_scale(self, rtype: ResourceType, namespace: str | None, name: str, body: Any,
                      opts: WriteOptions) -> WriteResult:
        self._require_scale(rtype)
        if not isinstance(body, dict):
            raise errors.BadRequest(_decode_error_scale("json: cannot unmarshal into Go value of type v1.Scale"))
        with self.lock:
            old = self._get_or_404(rtype, namespace, name)
            return self._write_scale(rtype, old, body, opts)

    def patch_scale(self, rtype: ResourceType, namespace: str | None, name: str, patch_type: str, body: Any,
                    opts: WriteOptions) -> WriteResult:
        self._require_scale(rtype)
        with self.lock:
            old = self._get_or_404(rtype, namespace, name)
            scale = self._scale_of(rtype, old)
            result = self._patched(scale, patch_type, body, schemas.builtin_schema("autoscaling", "v1", "Scale"))
            if not isinstance(result, dict):
                raise errors.BadRequest(_decode_error_scale("json: cannot unmarshal into Go value of type v1.Scale"))
            return self._write_scale(rtype, old, result, opts)

    def _write_scale(self, rtype: ResourceType, old: dict, scale: dict, opts: WriteOptions) -> WriteResult:
        name = old["metadata"]["name"]
        rv = (scale.get("metadata") or {}).get("resourceVersion")
        if rv and rv != old["metadata"].get("resourceVersion"):
            raise errors.Conflict.stale(rtype.plural, rtype.group, name)
        replicas = (scale.get("spec") or {}).get("replicas", 0)
        if isinstance(replicas, bool) or not isinstance(replicas, int):
            raise errors.BadRequest(_decode_error_scale(
                f"json: cannot unmarshal {go_json_kind(replicas)} into Go struct field ScaleSpec.spec.replicas of type int32"))
        if replicas < 0:
            raise errors.Invalid.of("Scale", "autoscaling", name, [errors.Cause(
                "FieldValueInvalid", f"Invalid value: {replicas}: must be greater than or equal to 0", "spec.replicas")])
        new = _copy(old)
        _set_path(new, rtype.scale.spec_replicas, replicas)
        result = self._update(rtype, old, new, opts, subresource="scale")
        return WriteResult(self._scale_of(rtype, result.obj), False, result.warnings)

    def _require_scale(self, rtype: ResourceType) -> None:
        if rtype.scale is None:
            raise errors.NotFound.path()

    @staticmethod
    def _scale_of(rtype: ResourceType, obj: dict) -> dict:
        paths = rtype.scale
        selector = _get_path(obj, paths.label_selector) if paths.label_selector else None
        if isinstance(selector, dict):
            selector = selector_from_label_selector(selector)
        meta = obj["metadata"]
        out_meta = {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                    if k in meta}
        status = {"replicas": _get_path(obj, paths.status_replicas) or 0}
        if selector:
            status["selector"] = selector
        return {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": out_meta,
                "spec": {"replicas": _get_path(obj, paths.spec_replicas) or 0}, "status": status}

    # ------------------------------------------------------------------------------------------
    # delete

    def delete(self, rtype: ResourceType, namespace: str | None, name: str, options: dict | None,
               opts: WriteOptions) -> WriteResult:
        options = options or {}
        with self.lock:
            obj = self._get_or_404(rtype, namespace, name)
            pre = options.get("preconditions") or {}
            if pre.get("uid") and pre["uid"] != obj["metadata"].get("uid"):
                raise errors.Conflict(
                    f'Operation cannot be fulfilled on {errors.qualified(rtype.plural, rtype.group)} "{name}": '
                    f"Precondition failed: UID in precondition: {pre['uid']}, UID in object meta: "
                    f"{obj['metadata'].get('uid')}", {"name": name, "group": rtype.group, "kind": rtype.plural})
            if pre.get("resourceVersion") and pre["resourceVersion"] != obj["metadata"].get("resourceVersion"):
                raise errors.Conflict(
                    f'Operation cannot be fulfilled on {errors.qualified(rtype.plural, rtype.group)} "{name}": '
                    f"Precondition failed: ResourceVersion in precondition: {pre['resourceVersion']}, "
                    f"ResourceVersion in object meta: {obj['metadata'].get('resourceVersion')}",
                    {"name": name, "group": rtype.group, "kind": rtype.plural})
            return self._delete(rtype, obj, opts)

    def _delete(self, rtype: ResourceType, obj: dict, opts: WriteOptions) -> WriteResult:
        meta = obj["metadata"]
        name = meta["name"]
        is_namespace = rtype.storage_key == NAMESPACE_KEY
        content_pending = is_namespace and bool((obj.get("spec") or {}).get("finalizers"))
        blocked = bool(meta.get("finalizers")) or content_pending
        if meta.get("deletionTimestamp"):
            if content_pending:
                raise errors.Conflict.namespace_terminating(name)
            return WriteResult(obj)
        if blocked:
            new = _copy(obj)
            new["metadata"]["deletionTimestamp"] = now()
            new["metadata"]["deletionGracePeriodSeconds"] = 0
            if is_namespace:
                new.setdefault("status", {})["phase"] = "Terminating"
            elif rtype.tracks_generation and "generation" in meta:
                new["metadata"]["generation"] = int(meta["generation"]) + 1
            if opts.dry_run:
                return WriteResult(new)
            stored = self._store(rtype, obj, new)
            self._after_write(rtype, stored, obj)
            return WriteResult(stored)
        if not opts.dry_run:
            obj = self._remove(rtype, obj)
        if is_namespace or (rtype.group, rtype.kind) in _RETURNS_DELETED_OBJECT:
            return WriteResult(obj)
        details = {"name": name}
        if rtype.group:
            details["group"] = rtype.group
        details["kind"] = rtype.plural
        details["uid"] = meta.get("uid")
        return WriteResult({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                            "details": details})

    def delete_collection(self, rtype: ResourceType, namespace: str | None, label_selector: str | None,
                          field_selector: str | None, opts: WriteOptions) -> dict:
        matches = self._matcher(rtype, label_selector, field_selector)
        items = []
        with self.lock:
            for obj in self.store.list(rtype.storage_key, namespace if rtype.namespaced else None):
                if matches(obj):
                    result = self._delete(rtype, obj, opts)
                    items.append(self.render(rtype, result.obj if result.obj.get("kind") != "Status" else obj,
                                             in_list=True))
            rv = self.store.resource_version
        return {"kind": rtype.list_kind, "apiVersion": rtype.api_version,
                "metadata": {"resourceVersion": str(rv)}, "items": items}

    # ------------------------------------------------------------------------------------------
    # pieces of the write path

    def _rtype_of(self, obj: dict) -> ResourceType:
        rtype = self.registry.by_kind(obj.get("apiVersion") or "", obj.get("kind") or "")
        if rtype is None:
            raise errors.NotFound(f'the server could not find the requested resource ({obj.get("kind")} '
                                  f'{obj.get("apiVersion")})', {})
        return rtype

    def _get_or_404(self, rtype: ResourceType, namespace: str | None, name: str) -> dict:
        obj = self.store.get(rtype.storage_key, namespace or "", name)
        if obj is None:
            raise errors.NotFound.item(rtype.plural, rtype.group, name)
        return obj

    def _check_body(self, rtype: ResourceType, body: Any, namespace: str | None, name: str | None) -> dict:
        """Kind, apiVersion, namespace and name of a POST/PUT body against the URL (400s)."""
        if not isinstance(body, dict):
            raise errors.BadRequest(
                f"the object provided is unrecognized (must be of type {rtype.kind}): couldn't get version/kind; "
                f"json parse error: json: cannot unmarshal {go_json_kind(body)} into Go value of type struct "
                '{ APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }')
        obj = body
        kind, api_version = obj.get("kind"), obj.get("apiVersion")
        if rtype.custom and (not kind or not api_version):
            what = "Kind" if not kind else "apiVersion"
            raise errors.BadRequest(f"Object '{what}' is missing in '{_summary_json(obj)}'")
        kind = kind or rtype.kind
        api_version = api_version or rtype.api_version
        if not isinstance(kind, str) or not isinstance(api_version, str):
            raise errors.BadRequest(_decode_error(rtype, "couldn't get version/kind; json parse error: json: "
                                                         "cannot unmarshal into Go struct field .kind of type string"))
        version = api_version.rsplit("/", 1)[-1]
        if kind != rtype.kind or api_version != rtype.api_version:
            known = self.registry.by_kind(api_version, kind)
            if known is None:
                reason = f'no kind "{kind}" is registered for version "{api_version}" in scheme ' \
                         '"pkg/api/legacyscheme/scheme.go:30"'
            else:
                reason = f"converting ({kind}) to ({rtype.kind}): unknown conversion"
            raise errors.BadRequest(f'{kind} in version "{version}" cannot be handled as a {rtype.kind}: {reason}')
        obj["kind"], obj["apiVersion"] = kind, api_version
        meta = obj.get("metadata")
        if meta is None:
            meta = {}
            obj["metadata"] = meta
        if not isinstance(meta, dict):
            raise errors.BadRequest(_decode_error(
                rtype, f"json: cannot unmarshal {go_json_kind(meta)} into Go struct field {rtype.kind}.metadata of "
                       "type v1.ObjectMeta"))
        if name is not None:
            if meta.get("name") and meta["name"] != name:
                raise errors.BadRequest(
                    f"the name of the object ({meta['name']}) does not match the name on the URL ({name})")
            meta["name"] = name
        self._check_body_namespace(rtype, obj, namespace)
        return obj

    @staticmethod
    def _check_body_namespace(rtype: ResourceType, obj: dict, namespace: str | None) -> None:
        meta = obj["metadata"]
        if rtype.namespaced:
            body_ns = meta.get("namespace")
            if body_ns and body_ns != namespace:
                raise errors.BadRequest(
                    "the namespace of the provided object does not match the namespace sent on the request")
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)

    @staticmethod
    def _check_precondition(rtype: ResourceType, old: dict, new: dict) -> None:
        rv = (new.get("metadata") or {}).get("resourceVersion")
        if rv and rv != old["metadata"].get("resourceVersion"):
            raise errors.Conflict.stale(rtype.plural, rtype.group, old["metadata"]["name"])

    def _decode(self, rtype: ResourceType, obj: dict, opts: WriteOptions) -> tuple[dict, list[str]]:
        """Type errors (400), then unknown fields: pruned, and 400 (Strict) or warnings (Warn)."""
        node = rtype.schema()
        if node is None:
            return obj, []
        name = (obj.get("metadata") or {}).get("name") or ""
        self._check_types(rtype, obj, name)
        pruned, unknown = schemas.prune(obj, node)
        if not isinstance(pruned.get("metadata"), dict):
            pruned["metadata"] = {}
        warnings: list[str] = []
        if unknown:
            if opts.field_validation == "Strict":
                raise errors.BadRequest(_decode_error(rtype, schemas.strict_decoding_error(unknown)))
            if opts.field_validation == "Warn":
                warnings = schemas.unknown_field_warnings(unknown)
        return pruned, warnings

    @staticmethod
    def _check_types(rtype: ResourceType, obj: dict, name: str) -> None:
        node = rtype.schema()
        if node is None:
            return
        if rtype.custom:
            causes = schemas.crd_type_causes(obj, node)
            if causes:
                raise errors.Invalid.of(rtype.kind, rtype.group, name, causes)
            return
        problems = schemas.check_types(obj, node)
        if problems:
            raise errors.BadRequest(_decode_error(rtype, problems[0]))

    def _prepare(self, rtype: ResourceType, obj: dict, old: dict | None) -> None:
        """Kind-specific preparation by the real registry strategies (PrepareForCreate/Update)."""
        key = (rtype.group, rtype.kind)
        if rtype.has_status and old is None:
            obj.pop("status", None)
        if key == ("", "Namespace"):
            spec = obj.get("spec")
            if not isinstance(spec, dict):
                spec = {}
                obj["spec"] = spec
            if old is None:
                finalizers = list(spec.get("finalizers") or [])
                if "kubernetes" not in finalizers:
                    finalizers.append("kubernetes")
                spec["finalizers"] = finalizers
                obj["status"] = {"phase": "Active"}
            else:
                old_spec = old.get("spec") or {}
                if "finalizers" in old_spec:
                    spec["finalizers"] = old_spec["finalizers"]
                else:
                    spec.pop("finalizers", None)
            if not spec:
                obj.pop("spec", None)
        elif key == ("", "Secret"):
            string_data = obj.pop("stringData", None)
            if isinstance(string_data, dict) and string_data:
                import base64

                data = obj.get("data") if isinstance(obj.get("data"), dict) else {}
                for k, v in string_data.items():
                    data[k] = base64.b64encode(str(v).encode()).decode()
                obj["data"] = data
        elif key == ("", "Pod") and old is None:
            obj["status"] = {"phase": "Pending", "qosClass": qos_class(obj.get("spec") or {})}

    def _validate(self, rtype: ResourceType, obj: dict, old: dict | None) -> None:
        causes = validation.validate(rtype, obj, old)
        if causes:
            raise errors.Invalid.of(rtype.kind, rtype.group, obj["metadata"].get("name") or "", causes)

    def _admit(self, rtype: ResourceType, obj: dict, old: dict | None, dry_run: bool) -> None:
        for ctl in self._controllers_for(rtype):
            ctl.admit(self, rtype, obj, old, dry_run)

    def _controllers_for(self, rtype: ResourceType) -> list:
        out = []
        for ctl in self.controllers:
            handles = getattr(ctl, "handles", None)
            if handles is not None:
                if handles(rtype.group, rtype.kind):
                    out.append(ctl)
            elif (rtype.group, rtype.kind) in getattr(ctl, "kinds", ()):
                out.append(ctl)
        return out

    def _record_update(self, rtype: ResourceType, old: dict | None, new: dict, manager: str,
                       subresource: str | None) -> None:
        fields = ssa.record_update(old, new, manager=manager, node=rtype.schema(), api_version=rtype.api_version,
                                   now=now(), subresource=subresource,
                                   ignore_status=rtype.has_status and subresource != "status")
        if fields:
            new["metadata"]["managedFields"] = fields
        else:
            new["metadata"].pop("managedFields", None)

    def _store(self, rtype: ResourceType, old: dict | None, new: dict) -> dict:
        """Give `new` the next resourceVersion, store it and log the watch event. `new` is frozen from now on."""
        rv = self.store.next_resource_version()
        new["metadata"]["resourceVersion"] = str(rv)
        self.store.put(rtype.storage_key, new)
        self.events.append(Event(rv, "MODIFIED" if old is not None else "ADDED", rtype.storage_key, new, old))
        return new

    def _remove(self, rtype: ResourceType, obj: dict) -> dict:
        """Remove an object for good: DELETED event, controllers' `deleted`, CRD clean-up."""
        meta = obj["metadata"]
        if self.store.get(rtype.storage_key, meta.get("namespace") or "", meta["name"]) is None:
            return obj
        rv = self.store.next_resource_version()
        final = dict(obj)
        final["metadata"] = {**meta, "resourceVersion": str(rv)}
        self.store.remove(rtype.storage_key, meta.get("namespace") or "", meta["name"])
        self.events.append(Event(rv, "DELETED", rtype.storage_key, final))
        if rtype.storage_key == CRD_KEY:
            self._forget_crd(final)
        for ctl in self._controllers_for(rtype):
            try:
                ctl.deleted(self, rtype, _copy(final))
            except errors.StatusError as exc:
                log.warning("controller %s: deleted hook: %s", type(ctl).__name__, exc.message)
            except Exception:  # noqa: BLE001 - a controller bug must not fail the API call
                log.exception("controller %s failed in deleted()", type(ctl).__name__)
        return final

    def _after_write(self, rtype: ResourceType, obj: dict, old: dict | None) -> None:
        """Side effects of a stored write: CRD serving, namespace defaults, controllers, finalization."""
        key = (rtype.group, rtype.kind)
        if key == ("apiextensions.k8s.io", "CustomResourceDefinition"):
            self._serve_crd(obj)
        elif key == ("", "Namespace") and old is None:
            from .seed import namespace_defaults

            for child in namespace_defaults(obj["metadata"]["name"]):
                crt = self._rtype_of(child)
                if self.store.get(crt.storage_key, obj["metadata"]["name"], child["metadata"]["name"]) is None:
                    self._create(crt, obj["metadata"]["name"], child, INTERNAL)
        current = self.store.get(rtype.storage_key, obj["metadata"].get("namespace") or "", obj["metadata"]["name"])
        if current is None:
            return
        for ctl in self._controllers_for(rtype):
            try:
                ctl.settle(self, rtype, _copy(current))
            except errors.StatusError as exc:
                log.warning("controller %s: settle: %s", type(ctl).__name__, exc.message)
            except Exception:  # noqa: BLE001 - a controller bug must not fail the API call
                log.exception("controller %s failed in settle()", type(ctl).__name__)
        self._finalize_if_done(rtype, obj)

    def _finalize_if_done(self, rtype: ResourceType, obj: dict) -> None:
        meta = obj["metadata"]
        current = self.store.get(rtype.storage_key, meta.get("namespace") or "", meta["name"])
        if current is None or not current["metadata"].get("deletionTimestamp"):
            return
        if current["metadata"].get("finalizers"):
            return
        if rtype.storage_key == NAMESPACE_KEY and (current.get("spec") or {}).get("finalizers"):
            return
        self._remove(rtype, current)

    # ------------------------------------------------------------------------------------------
    # CustomResourceDefinitions

    def _serve_crd(self, crd: dict) -> None:
        if crd["metadata"].get("deletionTimestamp"):
            return
        types = self.registry.serve_crd(crd)
        spec = crd.get("spec") or {}
        names = dict(spec.get("names") or {})
        storage = [v["name"] for v in spec.get("versions") or () if v.get("storage")]
        status = dict(crd.get("status") or {})
        when = now()
        conditions = {c.get("type"): c for c in status.get("conditions") or ()}
        wanted = []
        for ctype, reason, message in (
            ("NamesAccepted", "NoConflicts", "no conflicts found"),
            ("Established", "InitialNamesAccepted", "the initial names have been accepted"),
        ):
            prev = conditions.get(ctype)
            wanted.append({"type": ctype, "status": "True", "reason": reason, "message": message,
                           "lastTransitionTime": prev.get("lastTransitionTime", when) if prev else when})
        new_status = {
            "acceptedNames": names,
            "conditions": wanted,
            "storedVersions": sorted(set(status.get("storedVersions") or []) | set(storage)),
        }
        if types and new_status != crd.get("status"):
            self.write_status("apiextensions.k8s.io/v1", "CustomResourceDefinition", None,
                              crd["metadata"]["name"], new_status, manager=SYSTEM_MANAGER)

    def _forget_crd(self, crd: dict) -> None:
        name = crd["metadata"]["name"]
        types = self.registry.crd_types(name)
        if types:
            cr_type = types[0]
            for obj in list(self.store.list(cr_type.storage_key)):
                self._remove(cr_type, obj)
        self.registry.forget_crd(name)

    # ------------------------------------------------------------------------------------------
    # pod logs

    def pod_log(self, namespace: str, name: str, container: str | None = None, tail_lines: int | None = None) -> str:
        """The log the simulated kubelet wrote for a pod ("" before it ran). `follow` is not supported:
        the log as it is now is returned and the response ends."""
        rtype = self.registry.lookup("", "v1", "pods")
        pod = self._get_or_404(rtype, namespace, name)
        names = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or ()]
        if container and container not in names:
            raise errors.BadRequest(f"container {container} is not valid for pod {name}")
        from ..controllers import pod_log_path  # the simulated kubelet writes the logs

        path = pod_log_path(self.state_dir, namespace, name, container)
        try:
            text = Path(path).read_text(errors="replace")
        except FileNotFoundError:
            return ""
        if tail_lines is not None and tail_lines >= 0:
            lines = text.splitlines(keepends=True)
            text = "".join(lines[-tail_lines:]) if tail_lines else ""
        return text

    # ------------------------------------------------------------------------------------------
    # internal API for simulated controllers (all under self.lock, reentrant)

    def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> dict | None:
        """A copy of one object, or None."""
        rtype = self.registry.by_kind(api_version, kind)
        if rtype is None:
            return None
        with self.lock:
            obj = self.store.get(rtype.storage_key, namespace or "", name)
            return _copy(self.render(rtype, obj)) if obj is not None else None

    def list(self, api_version: str, kind: str, namespace: str | None = None,
             label_selector: str | dict | None = None) -> list[dict]:
        """Copies of the objects of one kind (in one namespace), optionally filtered by labels.

        `label_selector` is selector text (`app=web,tier in (a,b)`), a metav1.LabelSelector dict
        (`matchLabels`/`matchExpressions`) or a plain label map (every label must match).
        """
        rtype = self.registry.by_kind(api_version, kind)
        if rtype is None:
            return []
        selector = _selector(label_selector)
        with self.lock:
            objs = self.store.list(rtype.storage_key, namespace if rtype.namespaced else None)
            return [_copy(self.render(rtype, o)) for o in objs
                    if selector.matches((o.get("metadata") or {}).get("labels"))]

    def create_internal(self, obj: dict, manager: str = CONTROLLER_MANAGER) -> dict:
        """Create an object as a controller would (no field validation warnings). Raises StatusError."""
        rtype = self._rtype_of(obj)
        obj = _copy(obj)
        namespace = (obj.get("metadata") or {}).get("namespace") if rtype.namespaced else None
        obj = self._check_body(rtype, obj, namespace, None)
        with self.lock:
            return _copy(self._create(rtype, namespace, obj, WriteOptions(manager=manager,
                                                                          field_validation="Ignore")).obj)

    def update_internal(self, obj: dict, manager: str = CONTROLLER_MANAGER) -> dict:
        """Replace an object's main resource (spec, metadata; status is kept) as a controller would."""
        rtype = self._rtype_of(obj)
        obj = _copy(obj)
        meta = obj.get("metadata") or {}
        namespace = meta.get("namespace") if rtype.namespaced else None
        obj = self._check_body(rtype, obj, namespace, meta.get("name"))
        with self.lock:
            old = self._get_or_404(rtype, namespace, meta.get("name") or "")
            self._check_precondition(rtype, old, obj)
            opts = WriteOptions(manager=manager, field_validation="Ignore")
            obj, _ = self._decode(rtype, obj, opts)
            return _copy(self._update(rtype, old, obj, opts).obj)

    def write_status(self, api_version: str, kind: str, namespace: str | None, name: str, status: dict,
                     manager: str = CONTROLLER_MANAGER) -> dict | None:
        """Set an object's status (the /status subresource). No write when nothing changes; None if absent."""
        rtype = self.registry.by_kind(api_version, kind)
        if rtype is None:
            return None
        with self.lock:
            old = self.store.get(rtype.storage_key, namespace or "", name)
            if old is None:
                return None
            new = _copy(old)
            new["status"] = _copy(status)
            result = self._update(rtype, old, new, WriteOptions(manager=manager, field_validation="Ignore"),
                                  subresource="status")
            return _copy(result.obj)

    def delete_internal(self, api_version: str, kind: str, namespace: str | None, name: str) -> dict | None:
        """Delete as a controller (garbage collector, namespace controller) does.

        An object without finalizers is removed; one with finalizers gets a deletionTimestamp.
        A Namespace that is already terminating is finalized (its `kubernetes` finalizer removed,
        which the namespace controller does once the content is gone) and removed unless
        metadata.finalizers still hold it. Returns the last state, or None if it did not exist.
        """
        rtype = self.registry.by_kind(api_version, kind)
        if rtype is None:
            return None
        with self.lock:
            obj = self.store.get(rtype.storage_key, namespace or "", name)
            if obj is None:
                return None
            is_namespace = rtype.storage_key == NAMESPACE_KEY
            if is_namespace and obj["metadata"].get("deletionTimestamp"):
                if (obj.get("spec") or {}).get("finalizers"):
                    new = _copy(obj)
                    new["spec"].pop("finalizers", None)
                    if not new["spec"]:
                        new.pop("spec")
                    self._update(rtype, obj, new, INTERNAL, subresource="finalize")
                    obj = self.store.get(rtype.storage_key, "", name) or obj
                if not obj["metadata"].get("finalizers"):
                    return _copy(self._remove(rtype, obj))
                return _copy(obj)
            blocked = obj["metadata"].get("finalizers") or (is_namespace and (obj.get("spec") or {}).get("finalizers"))
            if blocked:
                self._delete(rtype, obj, INTERNAL)
                return self.get(api_version, kind, namespace, name) or _copy(obj)
            return _copy(self._remove(rtype, obj))


# ----------------------------------------------------------------------------------------------
# helpers


def _same(old: dict, new: dict, keep_managed: bool) -> bool:
    """Does `new` change nothing against `old`? (resourceVersion and managedFields times don't count;
    for updates managedFields don't count at all: an update that changes no field owns nothing new)."""
    if keep_managed:
        return _comparable(old, True) == _comparable(new, True)
    return _comparable(old, False) == _comparable(new, False)


def _comparable(obj: dict, keep_managed: bool) -> dict:
    meta = dict(obj.get("metadata") or {})
    meta.pop("resourceVersion", None)
    meta.pop("generation", None)
    if keep_managed:
        meta["managedFields"] = [{k: v for k, v in entry.items() if k != "time"}
                                 for entry in meta.get("managedFields") or ()]
    else:
        meta.pop("managedFields", None)
    return {**obj, "metadata": meta}


def _spec_changed(rtype: ResourceType, old: dict, new: dict) -> bool:
    if rtype.custom:
        skip = ("metadata", "status", "apiVersion", "kind")
        return {k: v for k, v in old.items() if k not in skip} != {k: v for k, v in new.items() if k not in skip}
    return old.get("spec") != new.get("spec")


def _selector(label_selector: str | dict | None) -> LabelSelector:
    if not label_selector:
        return EVERYTHING
    if isinstance(label_selector, str):
        return parse_label_selector(label_selector)
    if set(label_selector) <= {"matchLabels", "matchExpressions"}:
        return parse_label_selector(selector_from_label_selector(label_selector))
    return parse_label_selector(",".join(f"{k}={v}" for k, v in sorted(label_selector.items())))


def _get_path(obj: dict, path: str | None) -> Any:
    cur: Any = obj
    for part in (path or "").strip(".").split("."):
        if not part:
            continue
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def _set_path(obj: dict, path: str, value: Any) -> None:
    parts = path.strip(".").split(".")
    cur = obj
    for part in parts[:-1]:
        nxt = cur.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            cur[part] = nxt
        cur = nxt
    cur[parts[-1]] = value


def _decode_error(rtype: ResourceType, message: str) -> str:
    return f'{rtype.kind} in version "{rtype.version}" cannot be handled as a {rtype.kind}: {message}'


def _decode_error_scale(message: str) -> str:
    return f'Scale in version "v1" cannot be handled as a Scale: {message}'


def _summary_json(obj: Any) -> str:
    import json

    return json.dumps(obj, separators=(",", ":"))
