"""Object storage: objects keyed by (storage key, namespace, name), the global resourceVersion.

The store is the emulator's etcd. It knows nothing about Kubernetes rules (that is `Cluster`), and
it is not thread safe on its own: `Cluster` holds its lock around every call.

Persistence (when a state dir is given) is write-through, one JSON file per object:
`<state>/objects/<storage key>/<namespace or _cluster>/<name>.json`, plus
`<state>/resourceVersion` holding the counter. A restart reads them back, so objects keep their
uid and resourceVersion and the counter goes on from where it stopped. Files are replaced
atomically (write + rename); there is no fsync (a power cut may lose the last writes).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ...files import write_private

_CLUSTER_DIR = "_cluster"


class Store:
    def __init__(self, state_dir: Path | None = None):
        self._objects: dict[str, dict[tuple[str, str], dict]] = {}
        self._rv = 0
        self._dir = Path(state_dir) / "objects" if state_dir else None
        self._rv_file = Path(state_dir) / "resourceVersion" if state_dir else None
        if self._dir is not None:
            self._dir.mkdir(parents=True, exist_ok=True)
            self._load()

    # -- resourceVersion ----------------------------------------------------------------------

    @property
    def resource_version(self) -> int:
        """The newest resourceVersion handed out (the list RV)."""
        return self._rv

    def next_resource_version(self) -> int:
        self._rv += 1
        if self._rv_file is not None:
            _write_atomic(self._rv_file, str(self._rv).encode())
        return self._rv

    # -- objects ------------------------------------------------------------------------------

    def get(self, key: str, namespace: str, name: str) -> dict | None:
        """The stored object itself: callers must not mutate it."""
        bucket = self._objects.get(key)
        return bucket.get((namespace or "", name)) if bucket else None

    def list(self, key: str, namespace: str | None = None) -> list[dict]:
        """Objects of one kind in etcd order (namespace, then name); all namespaces if None."""
        bucket = self._objects.get(key)
        if not bucket:
            return []
        if namespace is None:
            keys = sorted(bucket)
        else:
            keys = sorted(k for k in bucket if k[0] == namespace)
        return [bucket[k] for k in keys]

    def count(self, key: str) -> int:
        return len(self._objects.get(key) or ())

    def keys(self) -> list[str]:
        return list(self._objects)

    def put(self, key: str, obj: dict) -> None:
        meta = obj["metadata"]
        ident = (meta.get("namespace") or "", meta["name"])
        self._objects.setdefault(key, {})[ident] = obj
        if self._dir is not None:
            _write_atomic(self._path(key, *ident), json.dumps(obj, separators=(",", ":")).encode())

    def remove(self, key: str, namespace: str, name: str) -> dict | None:
        bucket = self._objects.get(key)
        if not bucket:
            return None
        obj = bucket.pop((namespace or "", name), None)
        if obj is not None and self._dir is not None:
            try:
                self._path(key, namespace or "", name).unlink()
            except FileNotFoundError:
                pass
        return obj

    def clear(self) -> None:
        """Forget every object (the resourceVersion counter keeps counting)."""
        self._objects.clear()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir.mkdir(parents=True, exist_ok=True)

    # -- persistence --------------------------------------------------------------------------

    def _path(self, key: str, namespace: str, name: str) -> Path:
        return self._dir / key / (namespace or _CLUSTER_DIR) / f"{name}.json"

    def _load(self) -> None:
        if self._rv_file is not None and self._rv_file.exists():
            self._rv = int(self._rv_file.read_text().strip() or 0)
        for path in self._dir.glob("*/*/*.json"):
            try:
                obj = json.loads(path.read_text())
            except (OSError, ValueError):
                continue  # a torn write from a crash: the object is lost, like an unsynced etcd write
            key = path.parent.parent.name
            meta = obj.get("metadata") or {}
            self._objects.setdefault(key, {})[(meta.get("namespace") or "", meta.get("name") or path.stem)] = obj
            try:
                self._rv = max(self._rv, int(meta.get("resourceVersion") or 0))
            except ValueError:
                pass


def _write_atomic(path: Path, data: bytes) -> None:
    # 0600: the objects include Secrets, stored as a real API server keeps them from other users.
    write_private(path, data)
