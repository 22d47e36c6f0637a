"""Server-side apply and field ownership (`metadata.managedFields`), as kube-apiserver 1.32 does it.

Field sets are sets of paths; a path is a tuple of elements `("f", name)` (struct field or map
key), `("k", ((key, value), ...))` (associative-list item by its list-map-keys), `("v", value)`
(set item) or `("i", n)` (index). They are stored in the real `fieldsV1` encoding: `f:metadata`,
`f:labels`, `k:{"name":"web"}`, `v:"x"`, `.` for "the element itself".

The algorithm follows structured-merge-diff (the library behind the real field manager):

* **apply**: `merged = merge(live, config)` (associative lists merged per key, atomic lists and
  maps replaced, sets unioned, scalars from the config); the applier's set becomes the config's
  field set; fields the applier applied last time and no manager owns now are removed; then
  `live` and `merged` are compared and every *other* manager owning a field that is added or
  modified is a conflict (409, or ownership moves with `force`); fields removed are dropped from
  everyone's sets. No change to the object keeps the applier's `time`.
* **record_update** (POST/PUT/PATCH and subresource writes): the manager takes every field the
  write added or modified, other managers lose those fields and any removed field; `time` moves
  only when the write changed something.

Not tracked (as in the real server): apiVersion, kind, metadata itself, metadata.name/namespace/
uid/resourceVersion/generation/creationTimestamp/selfLink/managedFields. Entries are sorted like
the real server (Apply before Update, then time, manager, apiVersion, subresource).

Simplifications (documented for COVERAGE.md):
* One schema version per kind: no conversion between versions of different managers.
* An Update entry's "." markers come from the comparison with the previous object; the real
  server compares Go objects in which non-pointer structs (spec, template, strategy ...) always
  exist. `_VALUE_STRUCTS` lists those names so `f:spec` gets no "." as on a real cluster.
* `null` in an apply config removes the field (the real server stores null, which a Go struct
  then drops).
* A manager that starts owning fields without changing the object gets `time = now` (the real
  server may leave such an entry without a time).
* Key fields missing from an associative-list item default only for `protocol` ("TCP"), the one
  key with a schema default in the built-in kinds we serve.

Interface additions beyond sandbox/kube/README.md (all keyword-only, optional):
* `apply(..., ignore_status=False)`: drop `status` from the config and never own it (kinds with a
  status subresource, main resource).
* `record_update(..., ignore_status=False)`: `status` changes are not attributed to the manager.
* `apply_config_errors(config, node)` and `typed_patch_error(config, node, namespace=, name=,
  api_version=, kind=)`: E11 (undeclared fields, wrong scalar types, list items without their key
  or with a duplicate key, all answered 500 by the real server); `apply_unknown_fields` is the
  undeclared-field part alone.
* `apply_conflict(conflicts)`: builds the E4 error itself, because the real text differs from
  `errors.Conflict.apply` for Apply managers (no "using <version>") and for several conflicts
  (grouped per manager).
* `managed_sets(obj)` / `fields_v1_to_paths` / `paths_to_fields_v1` for tests and controllers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable

from .. import errors
from .goformat import go_sharp_v, go_type_name
from .schema import ANY, SchemaNode, UnknownField, deepcopy_json, prune

Path = tuple
_MISSING = object()

# Paths the real field manager never tracks (stripmeta.go).
_STRIP = frozenset(
    {
        (("f", "apiVersion"),),
        (("f", "kind"),),
        (("f", "metadata"),),
        (("f", "metadata"), ("f", "name")),
        (("f", "metadata"), ("f", "namespace")),
        (("f", "metadata"), ("f", "creationTimestamp")),
        (("f", "metadata"), ("f", "selfLink")),
        (("f", "metadata"), ("f", "uid")),
        (("f", "metadata"), ("f", "clusterName")),
        (("f", "metadata"), ("f", "generation")),
        (("f", "metadata"), ("f", "managedFields")),
        (("f", "metadata"), ("f", "resourceVersion")),
    }
)

# Metadata the server owns: never taken from an apply config.
_SERVER_META = ("uid", "creationTimestamp", "resourceVersion", "generation", "deletionTimestamp",
                "deletionGracePeriodSeconds", "selfLink", "managedFields")

# Struct fields that are values (not pointers) in the Go types: they exist, empty, in any object.
_VALUE_STRUCTS = frozenset({"metadata", "spec", "template", "strategy", "jobTemplate", "updateStrategy"})

_STATUS = ("f", "status")


# --------------------------------------------------------------------------------------------
# Path elements: identity, ordering, (de)serialisation


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return ("__map__", tuple(sorted((k, _freeze(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("__list__", tuple(_freeze(v) for v in value))
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _canon(value: Any) -> Any:
    """Hashable form for equality of JSON values (true != 1, 1 == 1.0)."""
    if isinstance(value, dict):
        return ("{}", tuple(sorted((k, _canon(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("[]", tuple(_canon(v) for v in value))
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "__map__":
        return {k: _thaw(v) for k, v in value[1]}
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "__list__":
        return [_thaw(v) for v in value[1]]
    return value


def _value_order(value: Any) -> tuple:
    """structured-merge-diff's value ordering: numbers < strings < bools < lists < maps < null."""
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, str):
        return (1, value.encode("utf-8"))
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "__list__":
        return (3, tuple(_value_order(v) for v in value[1]))
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "__map__":
        return (4, tuple((k.encode("utf-8"), _value_order(v)) for k, v in value[1]))
    return (5,)


_RANK = {"f": 0, "k": 1, "v": 2, "i": 3}


def _element_order(pe: tuple) -> tuple:
    kind, content = pe
    if kind == "f":
        return (0, content.encode("utf-8"))
    if kind == "k":
        return (1, tuple((name.encode("utf-8"), _value_order(v)) for name, v in content))
    if kind == "v":
        return (2, _value_order(content))
    return (3, content)


def _go_json(value: Any) -> str:
    """encoding/json output (compact, HTML characters escaped) of a thawed value."""
    text = json.dumps(_thaw(value), separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _serialize(pe: tuple) -> str:
    kind, content = pe
    if kind == "f":
        return "f:" + content
    if kind == "k":
        return "k:{" + ",".join(f"{json.dumps(name)}:{_go_json(v)}" for name, v in content) + "}"
    if kind == "v":
        return "v:" + _go_json(content)
    return f"i:{content}"


def _deserialize(text: str) -> tuple | None:
    kind, sep, rest = text.partition(":")
    if not sep:
        return None
    if kind == "f":
        return ("f", rest)
    if kind == "k":
        fields = json.loads(rest)
        return ("k", tuple(sorted((k, _freeze(v)) for k, v in fields.items())))
    if kind == "v":
        return ("v", _freeze(json.loads(rest)))
    if kind == "i":
        return ("i", int(rest))
    return None


def element_string(pe: tuple) -> str:
    """How a path element prints in messages: `.name`, `[name="web"]`, `[="x"]`, `[0]`."""
    kind, content = pe
    if kind == "f":
        return "." + content
    if kind == "k":
        return "[" + ",".join(f"{name}={_go_json(v)}" for name, v in content) + "]"
    if kind == "v":
        return f"[={_go_json(content)}]"
    return f"[{content}]"


def path_string(path: Path) -> str:
    """`.spec.template.spec.containers[name="web"].image` (the conflict/field path format)."""
    return "".join(element_string(pe) for pe in path)


def fields_v1_to_paths(fields_v1: dict) -> set:
    """Decode a `fieldsV1` trie into a set of paths."""
    out: set = set()

    def walk(node: dict, prefix: tuple) -> None:
        for key, sub in node.items():
            if key == ".":
                if prefix:
                    out.add(prefix)
                continue
            pe = _deserialize(key)
            if pe is None:
                continue
            path = prefix + (pe,)
            if isinstance(sub, dict) and sub:
                walk(sub, path)
            else:
                out.add(path)

    if isinstance(fields_v1, dict):
        walk(fields_v1, ())
    return out


def paths_to_fields_v1(paths: Iterable[Path]) -> dict:
    """Encode a set of paths as a `fieldsV1` trie, keys in the real server's order."""
    trie: dict = {}
    for path in paths:
        node = trie
        for pe in path:
            node = node.setdefault(pe, {})
        node[None] = True  # member marker

    def emit(node: dict, include_self: bool) -> dict:
        out: dict = {}
        children = [k for k in node if k is not None]
        if include_self and children:
            out["."] = {}
        for pe in sorted(children, key=_element_order):
            child = node[pe]
            grandchildren = [k for k in child if k is not None]
            if grandchildren:
                out[_serialize(pe)] = emit(child, None in child)
            else:
                out[_serialize(pe)] = {}
        return out

    return emit(trie, False)


# --------------------------------------------------------------------------------------------
# Schema helpers


def _node(node: SchemaNode | None) -> SchemaNode:
    return node if node is not None else ANY


def _field_node(node: SchemaNode, name: str) -> SchemaNode:
    child = node.field(name)
    return child if child is not None else ANY


def _is_named(node: SchemaNode, name: str) -> bool:
    """A declared struct field (as opposed to a map key)."""
    return node.kind == "object" and node.field(name) is not None and name in (node._props or {})


def _is_leaf(node: SchemaNode) -> bool:
    if node.kind == "scalar":
        return True
    if node.kind == "array":
        return node.list_type not in ("map", "set")
    if node.kind in ("object", "map"):
        return node.map_type == "atomic"
    return False


_LIST_KEY_DEFAULTS = {"protocol": "TCP"}


def _list_element(item: Any, index: int, node: SchemaNode) -> tuple:
    """The path element of an associative-list item (list-type map or set)."""
    if node.list_type == "map" and node.list_map_keys:
        if not isinstance(item, dict):
            return ("i", index)
        keys = []
        for k in node.list_map_keys:
            if k in item and item[k] is not None:
                keys.append((k, _freeze(item[k])))
            elif k in _LIST_KEY_DEFAULTS:
                keys.append((k, _LIST_KEY_DEFAULTS[k]))
        return ("k", tuple(sorted(keys)))
    if node.list_type == "set":
        return ("v", _freeze(item))
    return ("i", index)


def _associative(node: SchemaNode) -> bool:
    return node.kind == "array" and node.list_type in ("map", "set")


# --------------------------------------------------------------------------------------------
# Field sets of a value


def field_set(value: dict, node: SchemaNode | None) -> set:
    """Every leaf and item the value mentions (structured-merge-diff's ToFieldSet)."""
    out: set = set()
    _to_set(value, _node(node), (), out)
    return out


def _to_set(value: Any, node: SchemaNode, path: tuple, out: set) -> None:
    if value is None:
        return
    kind = node.kind
    if kind == "any":
        if isinstance(value, dict):
            for key, sub in value.items():
                child = path + (("f", key),)
                _to_set(sub, ANY, child, out)
                out.add(child)
        elif path:
            out.add(path)
        return
    if _is_leaf(node):
        out.add(path)
        return
    if kind == "array":
        if not isinstance(value, list):
            out.add(path)
            return
        items = node.items
        seen: set = set()
        for i, item in enumerate(value):
            pe = _list_element(item, i, node)
            if pe in seen:
                continue
            seen.add(pe)
            child = path + (pe,)
            _to_set(item, items, child, out)
            out.add(child)
        return
    if not isinstance(value, dict):
        out.add(path)
        return
    for key, sub in value.items():
        child_node = _field_node(node, key)
        child = path + (("f", key),)
        _to_set(sub, child_node, child, out)
        if sub is None or (isinstance(sub, dict) and not sub) or not _is_named(node, key):
            out.add(child)


def _with_named_fields(paths: set, node: SchemaNode) -> set:
    """Add every named-field prefix of the paths (EnsureNamedFieldsAreMembers)."""
    out = set(paths)
    for path in paths:
        cur = node
        for i, pe in enumerate(path[:-1]):
            if pe[0] == "f":
                if _is_named(cur, pe[1]):
                    out.add(path[: i + 1])
                cur = _field_node(cur, pe[1])
            else:
                cur = cur.items if cur.kind == "array" and cur.items is not None else ANY
    return out


def _without_prefix(paths: set, prefix: tuple) -> set:
    n = len(prefix)
    return {p for p in paths if p[:n] != prefix}


# --------------------------------------------------------------------------------------------
# Merge (apply) and remove


def _merge(lhs: Any, rhs: Any, node: SchemaNode) -> Any:
    if rhs is _MISSING:
        return lhs
    if lhs is _MISSING or rhs is None or lhs is None:
        return deepcopy_json(rhs)
    kind = node.kind
    if kind == "any":
        if isinstance(lhs, dict) and isinstance(rhs, dict) and (lhs or rhs):
            return _merge_maps(lhs, rhs, node)
        return deepcopy_json(rhs)
    if _is_leaf(node):
        return deepcopy_json(rhs)
    if kind == "array":
        if not isinstance(lhs, list) or not isinstance(rhs, list) or (not lhs and not rhs):
            return deepcopy_json(rhs)
        return _merge_lists(lhs, rhs, node)
    if not isinstance(lhs, dict) or not isinstance(rhs, dict) or (not lhs and not rhs):
        return deepcopy_json(rhs)
    return _merge_maps(lhs, rhs, node)


def _merge_maps(lhs: dict, rhs: dict, node: SchemaNode) -> dict:
    out = {}
    for key, value in lhs.items():
        out[key] = _merge(value, rhs.get(key, _MISSING), _field_node(node, key)) if key in rhs else deepcopy_json(value)
    for key, value in rhs.items():
        if key not in lhs:
            out[key] = deepcopy_json(value)
    return out


def _index_list(values: list, node: SchemaNode) -> tuple[list, dict]:
    order, by_pe = [], {}
    for i, item in enumerate(values):
        pe = _list_element(item, i, node)
        if pe in by_pe:
            continue
        by_pe[pe] = item
        order.append(pe)
    return order, by_pe


def _merge_lists(lhs: list, rhs: list, node: SchemaNode) -> list:
    """Merge associative lists; shared items follow the config's order, live-only items stay put."""
    items = node.items
    l_order, l_items = _index_list(lhs, node)
    r_order, r_items = _index_list(rhs, node)
    shared = [pe for pe in r_order if pe in l_items]
    shared_pos = 0
    out: list = []
    merged: set = set()
    li = ri = 0

    def next_shared():
        return shared[shared_pos] if shared_pos < len(shared) else None

    while li < len(l_order) or ri < len(r_order):
        if li < len(l_order) and ri < len(r_order):
            pe = l_order[li]
            if pe == r_order[ri]:
                merged.add(pe)
                out.append(_merge(l_items[pe], r_items[pe], items))
                li += 1
                ri += 1
                shared_pos += 1 if next_shared() == pe else 0
                continue
            nxt = next_shared()
            if pe in r_items and nxt is not None and nxt != pe:
                li += 1
                continue
        if li < len(l_order):
            pe = l_order[li]
            if pe not in r_items:
                out.append(deepcopy_json(l_items[pe]))
                li += 1
                continue
            if pe in merged:
                li += 1
        if ri < len(r_order):
            pe = r_order[ri]
            merged.add(pe)
            out.append(_merge(l_items.get(pe, _MISSING), r_items[pe], items))
            ri += 1
            if next_shared() == pe:
                shared_pos += 1
    return out


def _remove_paths(value: Any, paths: set, node: SchemaNode) -> Any:
    """Copy of value without the subtrees at the given paths (relative to value)."""
    if not paths:
        return value
    if isinstance(value, dict) and node.kind in ("object", "map", "any"):
        out = {}
        for key, sub in value.items():
            pe = ("f", key)
            if (pe,) in paths:
                continue
            below = {p[1:] for p in paths if p[0] == pe and len(p) > 1}
            if below:
                new = _remove_paths(sub, below, _field_node(node, key))
                if (isinstance(new, (dict, list)) and not new) and sub:
                    continue  # emptied by the removal: dropped, as Go's omitempty does
                out[key] = new
            else:
                out[key] = sub
        return out
    if isinstance(value, list) and _associative(node):
        out_list = []
        for i, item in enumerate(value):
            pe = _list_element(item, i, node)
            if (pe,) in paths:
                continue
            below = {p[1:] for p in paths if p[0] == pe and len(p) > 1}
            out_list.append(_remove_paths(item, below, node.items) if below else item)
        return out_list
    return value


# --------------------------------------------------------------------------------------------
# Compare (old -> new): added, modified, removed


@dataclass
class Comparison:
    added: set
    modified: set
    removed: set

    def changed(self) -> set:
        return self.added | self.modified


def compare(old: Any, new: Any, node: SchemaNode | None) -> Comparison:
    c = Comparison(set(), set(), set())
    _compare(old, new, _node(node), (), c)
    return c


def _leaf_rule(old: Any, new: Any, path: tuple, c: Comparison) -> None:
    if old is _MISSING:
        c.added.add(path)
    elif new is _MISSING:
        c.removed.add(path)
    elif _canon(old) != _canon(new):
        c.modified.add(path)


def _empty(value: Any) -> bool:
    return value is _MISSING or value is None or (isinstance(value, (dict, list)) and not value)


def _compare(old: Any, new: Any, node: SchemaNode, path: tuple, c: Comparison) -> None:
    kind = node.kind
    if kind == "any":
        kind = "map" if isinstance(old, dict) or isinstance(new, dict) else "scalar"
    container = dict if kind in ("object", "map") else list if kind == "array" else None
    if (
        container is None
        or _is_leaf(node)
        or (old is not _MISSING and not isinstance(old, container))
        or (new is not _MISSING and not isinstance(new, container))
        or (_empty(old) and _empty(new))
    ):
        _leaf_rule(old, new, path, c)
        return
    if container is list:
        o_order, o_items = _index_list(old if old is not _MISSING else [], node)
        n_order, n_items = _index_list(new if new is not _MISSING else [], node)
        for pe in o_order + [p for p in n_order if p not in o_items]:
            _compare(o_items.get(pe, _MISSING), n_items.get(pe, _MISSING), node.items, path + (pe,), c)
    else:
        o = old if old is not _MISSING else {}
        n = new if new is not _MISSING else {}
        for key in list(o) + [k for k in n if k not in o]:
            sub_node = _field_node(node, key) if node.kind != "any" else ANY
            ov, nv = o.get(key, _MISSING), n.get(key, _MISSING)
            if (ov is _MISSING and old is not _MISSING and key in _VALUE_STRUCTS and isinstance(nv, dict)
                    and sub_node.kind == "object"):
                ov = {}  # a Go value struct exists (empty) in every decoded object
            _compare(ov, nv, sub_node, path + (("f", key),), c)
    if path:
        if old is _MISSING:
            c.added.add(path)
        elif new is _MISSING:
            c.removed.add(path)


# --------------------------------------------------------------------------------------------
# managedFields entries


@dataclass
class _Entry:
    manager: str
    operation: str
    api_version: str
    time: str | None
    subresource: str | None
    paths: set

    @property
    def ident(self) -> tuple:
        # Appliers are identified without their apiVersion; updaters with it (BuildManagerIdentifier).
        version = self.api_version if self.operation == "Update" else ""
        return (self.manager, self.operation, version, self.subresource or "")

    def label(self) -> str:
        """How conflicts name the manager (printManager)."""
        text = json.dumps(self.manager, ensure_ascii=False)
        if self.subresource:
            text += f" with subresource {json.dumps(self.subresource)}"
        if self.operation == "Update":
            text += f" using {self.api_version}"
        return text


def _decode(managed_fields: Any) -> dict[tuple, _Entry]:
    entries: dict[tuple, _Entry] = {}
    if not isinstance(managed_fields, list):
        return entries
    for raw in managed_fields:
        if not isinstance(raw, dict) or not raw.get("manager") and not raw.get("fieldsV1"):
            continue
        entry = _Entry(
            manager=raw.get("manager", ""),
            operation=raw.get("operation", "Update"),
            api_version=raw.get("apiVersion", ""),
            time=raw.get("time"),
            subresource=raw.get("subresource") or None,
            paths=fields_v1_to_paths(raw.get("fieldsV1") or {}),
        )
        if entry.ident in entries:
            entries[entry.ident].paths |= entry.paths
        else:
            entries[entry.ident] = entry
    return entries


def _encode(entries: Iterable[_Entry]) -> list[dict]:
    out = []
    ordered = sorted(
        (e for e in entries if e.paths),
        key=lambda e: (e.operation, e.time or "", e.manager, e.api_version, e.subresource or ""),
    )
    for e in ordered:
        item = {"manager": e.manager, "operation": e.operation, "apiVersion": e.api_version}
        if e.time:
            item["time"] = e.time
        item["fieldsType"] = "FieldsV1"
        item["fieldsV1"] = paths_to_fields_v1(e.paths)
        if e.subresource:
            item["subresource"] = e.subresource
        out.append(item)
    return out


def managed_sets(obj: dict) -> dict[tuple[str, str], set]:
    """{(manager, operation): paths} of an object's managedFields (for tests and controllers)."""
    result: dict[tuple[str, str], set] = {}
    for entry in _decode((obj.get("metadata") or {}).get("managedFields")).values():
        result.setdefault((entry.manager, entry.operation), set()).update(entry.paths)
    return result


def _tracked(paths: set, ignore_status: bool) -> set:
    out = {p for p in paths if p not in _STRIP}
    if ignore_status:
        out = {p for p in out if p[0] != _STATUS}
    return out


def _body(obj: dict | None) -> dict:
    """The object without managedFields (what the field manager compares)."""
    if obj is None:
        return {}
    body = dict(obj)
    meta = body.get("metadata")
    if isinstance(meta, dict) and "managedFields" in meta:
        body["metadata"] = {k: v for k, v in meta.items() if k != "managedFields"}
    return body


def _with_managed_fields(obj: dict, entries: Iterable[_Entry]) -> dict:
    encoded = _encode(entries)
    meta = dict(obj.get("metadata") or {})
    if encoded:
        meta["managedFields"] = encoded
    else:
        meta.pop("managedFields", None)
    out = dict(obj)
    out["metadata"] = meta
    return out


# --------------------------------------------------------------------------------------------
# Public API


def apply(
    live: dict | None,
    config: dict,
    *,
    manager: str,
    force: bool,
    node: SchemaNode | None,
    api_version: str,
    now: str,
    ignore_status: bool = False,
) -> dict:
    """Server-side apply of `config` by `manager`; returns the new object with its managedFields.

    Raises `errors.Conflict` (E4) when a field the config changes is owned by another manager and
    `force` is false. Returns an object equal to `live` (same managedFields times) when the apply
    changes nothing. Server-owned metadata (uid, resourceVersion, creationTimestamp, generation ...)
    is taken from `live` and never from the config.
    """
    node = _node(node)
    live_body = _body(live)
    cfg = deepcopy_json(config)
    if ignore_status:
        cfg.pop("status", None)
    cfg_meta = cfg.get("metadata")
    if isinstance(cfg_meta, dict):
        for key in _SERVER_META:
            cfg_meta.pop(key, None)

    entries = _decode((live or {}).get("metadata", {}).get("managedFields")) if live else {}
    me = _Entry(manager, "Apply", api_version, None, None, set())
    previous = entries.get(me.ident)
    last_set = previous.paths if previous else set()

    merged = _merge(live_body, cfg, node)
    new_set = _tracked(field_set(cfg, node), ignore_status)
    me.paths = new_set
    me.time = previous.time if previous else None
    entries[me.ident] = me

    # Remove what this manager applied before, omits now, and nobody else owns.
    if last_set:
        owned: set = set()
        for entry in entries.values():
            owned |= entry.paths
        candidates = _with_named_fields(last_set, node) - _with_named_fields(owned, node)
        if candidates:
            merged = _remove_paths(merged, _outermost(candidates), node)
    merged = _drop_nulls(merged)

    cmp = compare(live_body, merged, node) if live is not None else compare({}, merged, node)
    changed = _tracked(cmp.changed(), ignore_status)
    removed = _tracked(cmp.removed, ignore_status)
    conflicts: list[tuple[_Entry, tuple]] = []
    for ident, entry in entries.items():
        if ident == me.ident:
            continue
        clash = entry.paths & changed
        for path in clash:
            conflicts.append((entry, path))
    if conflicts and not force:
        raise apply_conflict(conflicts)
    for ident, entry in list(entries.items()):
        if ident == me.ident:
            continue
        entry.paths = entry.paths - changed - removed
        if not entry.paths:
            del entries[ident]

    object_changed = live is None or _canon(_drop_nulls(live_body)) != _canon(merged)
    if object_changed or me.time is None:
        me.time = now
    result = _with_managed_fields(merged, entries.values())
    if live is not None and not object_changed:
        # Nothing but (possibly) ownership changed: keep live's exact content.
        result = _with_managed_fields(deepcopy_json(live_body), entries.values())
    return result


def _outermost(paths: set) -> set:
    ordered = sorted(paths, key=len)
    kept: set = set()
    for p in ordered:
        if not any(p[: len(k)] == k for k in kept):
            kept.add(p)
    return kept


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


def apply_conflict(conflicts: list) -> errors.Conflict:
    """E4, worded like the real field manager (one line, or grouped per manager)."""
    conflicts = sorted(conflicts, key=lambda c: (c[0].label(), _path_order(c[1])))
    causes = [
        {"reason": "FieldManagerConflict", "message": f"conflict with {e.label()}", "field": path_string(p)}
        for e, p in conflicts
    ]
    if len(conflicts) == 1:
        entry, path = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {entry.label()}: {path_string(path)}"
    else:
        lines: list[str] = []
        current = None
        for entry, path in conflicts:
            if entry.label() != current:
                current = entry.label()
                lines.append(f"conflicts with {current}:")
            lines.append(f"- {path_string(path)}")
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return errors.Conflict(message, {"causes": causes})


def _path_order(path: tuple) -> tuple:
    return tuple(_element_order(pe) for pe in path)


def record_update(
    old: dict | None,
    new: dict,
    *,
    manager: str,
    node: SchemaNode | None,
    api_version: str,
    now: str,
    subresource: str | None = None,
    ignore_status: bool = False,
) -> list[dict]:
    """managedFields after an Update operation (POST, PUT, PATCH, subresource writes) by `manager`.

    The manager takes the fields the write added or changed; other managers lose them and any
    field the write removed. Managed fields come from `new` when the client sent some (PUT of a
    whole object) and from `old` otherwise; `[{}]` clears them.
    """
    node = _node(node)
    new_mf = (new.get("metadata") or {}).get("managedFields")
    if isinstance(new_mf, list) and new_mf and subresource is None:
        entries = _decode(new_mf)
    else:
        entries = _decode(((old or {}).get("metadata") or {}).get("managedFields"))

    old_body = _body(old)
    new_body = _body(new)
    cmp = compare(old_body, new_body, node)
    changed = _tracked(cmp.changed(), ignore_status)
    if subresource == "status":
        changed = {p for p in changed if p[0] == _STATUS}
    for ident, entry in list(entries.items()):
        entry.paths = entry.paths - changed - cmp.removed
        if not entry.paths:
            del entries[ident]
    if changed:
        me = _Entry(manager, "Update", api_version, now, subresource, set(changed))
        if me.ident in entries:
            me.paths |= entries[me.ident].paths
        entries[me.ident] = me
    return _encode(entries.values())


def apply_unknown_fields(config: dict, node: SchemaNode | None) -> list[UnknownField]:
    """Fields of an apply config the schema does not declare (E11: the apply is refused with 500)."""
    if node is None:
        return []
    return prune(config, node)[1]


def apply_config_errors(config: dict, node: SchemaNode | None) -> list[str]:
    """Why the real server cannot turn an apply config into a typed object (structured-merge-diff).

    Each entry is `<path>: <message>`: undeclared fields (`.spec.foo: field not declared in
    schema`, only the first one per object, as the real walker stops there), scalar type errors,
    associative-list elements without their key, and duplicate keys
    (`.spec.template.spec.containers[name="web"].env: duplicate entries for key [name="A"]`).
    """
    if node is None:
        return []
    errs: list[str] = []
    _validate_typed(config, node, "", errs)
    return errs


def _validate_typed(value: Any, node: SchemaNode, path: str, errs: list[str]) -> None:
    def err(message: str) -> None:
        errs.append(f"{path}: {message}" if path else message)

    if value is None or node.kind == "any":
        return
    kind = node.kind
    if kind == "scalar":
        types = set(node.types)
        if node.is_quantity or node.is_int_or_string or len(types) > 1:
            if isinstance(value, (dict, list)):
                err(f"expected any scalar, got {go_sharp_v(value)}")
        elif "string" in types and not isinstance(value, str):
            err(f"expected string, got &value.valueUnstructured{{Value:{go_sharp_v(value)}}}")
        elif types & {"integer", "number"} and (isinstance(value, bool) or not isinstance(value, (int, float))):
            err(f"expected numeric (int or float), got {go_type_name(value)}")
        elif "boolean" in types and not isinstance(value, bool):
            err(f"expected boolean, got &{{{go_sharp_v(value)}}}")
        return
    if kind == "array":
        if not isinstance(value, list):
            err(f"expected list, got &{{{go_sharp_v(value)}}}")
            return
        seen: set = set()
        for i, item in enumerate(value):
            if node.list_type == "map" and node.list_map_keys:
                if item is None:
                    err(f"element {i}: associative list with keys may not have a null element")
                    return
                if not isinstance(item, dict):
                    err(f"element {i}: associative list with keys may not have non-map elements")
                    return
                if not any(k in item for k in node.list_map_keys) and not any(
                        k in _LIST_KEY_DEFAULTS for k in node.list_map_keys):
                    keys = "[" + " ".join(json.dumps(k) for k in node.list_map_keys) + "]"
                    err(f"element {i}: associative list with keys has an element that omits all key fields "
                        f"{keys} (and doesn't have default values for any key fields)")
                    return
            pe = _list_element(item, i, node)
            if pe[0] != "i":
                if pe in seen:
                    err(f"duplicate entries for key {element_string(pe)}")
                seen.add(pe)
            _validate_typed(item, node.items, path + element_string(pe), errs)
        return
    if not isinstance(value, dict):
        err(f"expected map, got &{{{go_sharp_v(value)}}}")
        return
    for key, sub in value.items():
        child = node.field(key)
        if child is None:
            errs.append(f"{path}.{key}: field not declared in schema")
            return
        _validate_typed(sub, child, f"{path}.{key}", errs)


def typed_patch_error(config: dict, node: SchemaNode | None, *, namespace: str | None, name: str,
                      api_version: str, kind: str) -> str | None:
    """E11 message, or None: `failed to create typed patch object (t1/web; apps/v1, Kind=Deployment): ...`.

    Covers undeclared fields, wrong scalar types, and associative-list elements that lack their
    key or repeat one (the real server answers all of these with a 500 and no reason).
    """
    problems = apply_config_errors(config, node)
    if not problems:
        return None
    ident = f"{namespace}/{name}" if namespace else name
    text = problems[0] if len(problems) == 1 else "\n".join(["errors:"] + ["  " + p for p in problems])
    return f"failed to create typed patch object ({ident}; {api_version}, Kind={kind}): {text}"
