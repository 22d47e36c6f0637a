"""The three PATCH bodies kube-apiserver accepts besides apply: merge, strategic merge, JSON patch.

All functions are pure: they return a new object and never modify their arguments.

* `merge_patch(live, patch)` - RFC 7386 (`application/merge-patch+json`).
* `strategic_merge_patch(live, patch, node)` - `application/strategic-merge-patch+json`, driven by
  the schema's `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key`: lists with strategy
  `merge` merge by their merge key (containers, env, volumes by `name`, ports by `containerPort`
  ...) or, for lists of scalars, union; other lists are replaced; maps merge; `null` deletes.
  Directives: `$patch: replace|delete|merge` (in maps and as list elements), `$retainKeys`,
  `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`. `node` None (no schema) behaves
  like a merge patch with the directives stripped.
* `json_patch(live, ops)` - RFC 6902 with the quirks of gopkg.in/evanphx/json-patch.v4, the
  library kube-apiserver 1.32 uses (negative array indices allowed, `replace` of a missing object
  key adds it). A body that is not a list of operations answers 400
  `json: cannot unmarshal object into Go value of type jsonpatch.Patch`; any failing operation
  (failed `test`, missing path, bad index, unknown op) answers what the real server answers: 422
  Invalid `the server rejected our request due to an error in our request` with empty details
  (the library's own text, e.g. `testing value /spec/replicas failed: test failed`, is not sent
  by the real server; it is kept on the exception as `.library_message` for logs).

Strategic merge patch errors as the real server reports them: a bad `$retainKeys` is 400
`invalid patch format of retainKeys`; a list element without the declared merge key
(`map: map[image:x] does not contain declared merge key: name`) and an unknown `$patch` in a map
(`unknown patch type: merge in map: map[...]`) are plain Go errors there, i.e. 500 with reason
`Unknown` and no details. `$patch: delete` on a map leaves an empty map, as upstream does.
"""

from __future__ import annotations

from typing import Any

from .. import errors
from .goformat import go_json_kind
from .schema import SchemaNode, deepcopy_json

_PATCH = "$patch"
_RETAIN = "$retainKeys"
_ORDER = "$setElementOrder/"
_DEL_PRIM = "$deleteFromPrimitiveList/"

JSON_PATCH_REJECTED = "the server rejected our request due to an error in our request"


# --------------------------------------------------------------------------------------------
# RFC 7386


def merge_patch(live: dict, patch: Any) -> Any:
    """JSON merge patch: objects merge recursively, `null` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return deepcopy_json(patch)
    result = deepcopy_json(live) if isinstance(live, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            result[key] = merge_patch(result.get(key), value)
        else:
            result[key] = deepcopy_json(value)
    return result


# --------------------------------------------------------------------------------------------
# Strategic merge patch


def strategic_merge_patch(live: dict, patch: dict, node: SchemaNode | None) -> dict:
    """Apply a strategic merge patch to `live` using the patch metadata found in `node`."""
    if not isinstance(patch, dict):
        raise errors.BadRequest(f"json: cannot unmarshal {go_json_kind(patch)} into Go value of type map[string]interface {{}}")
    result = _merge_map(deepcopy_json(live) if isinstance(live, dict) else {}, patch, node)
    return result if result is not None else {}


def _child(node: SchemaNode | None, key: str) -> SchemaNode | None:
    if node is None:
        return None
    return node.field(key)


def _merge_map(original: dict, patch: dict, node: SchemaNode | None) -> dict | None:
    """Merge `patch` into `original` (which this function owns and may modify)."""
    directive = patch.get(_PATCH)
    if directive is not None:
        if directive == "replace":
            return _strip(_without(patch, _PATCH), node)
        if directive == "delete":
            return {}  # the real server leaves an empty map behind
        # "merge" is only meaningful in lists; in a map the real server fails with a plain Go error,
        # which it answers as 500 with reason Unknown and the bare text.
        raise errors.InternalError(f"unknown patch type: {directive} in map: {_go_map(patch)}", reason="Unknown")
    retain = patch.get(_RETAIN)
    if _RETAIN in patch:
        if not isinstance(retain, list):
            raise errors.BadRequest("invalid patch format of retainKeys")
        keep = set(k for k in retain if isinstance(k, str))
        for key, value in patch.items():
            if value is None or key.startswith(("$", _DEL_PRIM, _ORDER)):
                continue
            if key not in keep:
                raise errors.BadRequest("invalid patch format of retainKeys")
        for key in list(original):
            if key not in keep:
                del original[key]

    # $deleteFromPrimitiveList first, so a list can be trimmed and extended in one patch.
    for key, value in patch.items():
        if key.startswith(_DEL_PRIM):
            field = key[len(_DEL_PRIM):]
            current = original.get(field)
            if isinstance(current, list) and isinstance(value, list):
                remaining = [v for v in current if v not in value]
                if remaining:
                    original[field] = remaining
                else:
                    del original[field]

    orders: dict[str, list] = {}
    for key, value in patch.items():
        if key.startswith("$"):
            if key.startswith(_ORDER):
                orders[key[len(_ORDER):]] = value if isinstance(value, list) else []
            continue
        child = _child(node, key)
        if value is None:
            original.pop(key, None)
            continue
        current = original.get(key)
        if isinstance(value, dict):
            if isinstance(current, dict) and not _replaces(child):
                merged = _merge_map(current, value, child)
            elif isinstance(current, dict) or current is None:
                merged = _merge_map({}, value, child) if not _replaces(child) else _strip(value, child)
            else:
                merged = _merge_map({}, value, child)
            if merged is None:
                original.pop(key, None)
            else:
                original[key] = merged
            continue
        if isinstance(value, list):
            if isinstance(current, list) and child is not None and _merges_list(child):
                merged_list = _merge_list(current, value, child)
            else:
                merged_list = _strip_list(value, child)
            original[key] = merged_list
            continue
        original[key] = value

    for field, order in orders.items():
        current = original.get(field)
        if isinstance(current, list):
            original[field] = _apply_order(current, order, _child(node, field))
    return original


def _replaces(node: SchemaNode | None) -> bool:
    return node is not None and node.patch_strategy is not None and "replace" in node.patch_strategy.split(",")


def _merges_list(node: SchemaNode) -> bool:
    return node.kind == "array" and node.patch_strategy is not None and "merge" in node.patch_strategy.split(",")


def _without(mapping: dict, key: str) -> dict:
    return {k: v for k, v in mapping.items() if k != key}


def _strip(value: Any, node: SchemaNode | None) -> Any:
    """A patch fragment that lands where nothing was: drop directives and nulls."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k.startswith("$") or v is None:
                continue
            out[k] = _strip(v, _child(node, k))
        return out
    if isinstance(value, list):
        return _strip_list(value, node)
    return value


def _strip_list(value: list, node: SchemaNode | None) -> list:
    items = node.items if node is not None and node.kind == "array" else None
    out = []
    for item in value:
        if isinstance(item, dict):
            if item.get(_PATCH) in ("delete", "replace", "merge") and len(item) == 1:
                continue
            if item.get(_PATCH) == "delete":
                continue
        out.append(_strip(item, items))
    return out


def _merge_list(original: list, patch: list, node: SchemaNode) -> list:
    items = node.items
    merge_key = node.patch_merge_key
    # A `{"$patch": "replace"}` element replaces the whole list with the other elements.
    for item in patch:
        if isinstance(item, dict) and item.get(_PATCH) == "replace":
            return _strip_list([i for i in patch if i is not item], node)
    is_maps = any(isinstance(i, dict) for i in patch) or any(isinstance(i, dict) for i in original)
    if not is_maps or not merge_key:
        if is_maps:  # merge strategy without a key: the real server refuses it too
            return _strip_list(patch, node)
        result = list(original)
        for item in patch:
            if item not in result:
                result.append(item)
        return result

    result = [deepcopy_json(i) for i in original]
    for item in patch:
        if not isinstance(item, dict):
            raise errors.BadRequest(
                f"Unsupported strategic merge patch format: list of maps expected at {merge_key}"
            )
        directive = item.get(_PATCH)
        if directive == "merge" and len(item) == 1:
            continue
        if merge_key not in item:
            raise errors.InternalError(
                f"map: {_go_map(item)} does not contain declared merge key: {merge_key}", reason="Unknown")
        key_value = item[merge_key]
        index = next(
            (i for i, cur in enumerate(result) if isinstance(cur, dict) and cur.get(merge_key) == key_value),
            None,
        )
        if directive == "delete":
            if index is not None:
                del result[index]
            continue
        if index is None:
            result.append(_strip(_without(item, _PATCH) if directive == "merge" else item, items))
            continue
        merged = _merge_map(result[index], item, items)
        if merged is None:
            del result[index]
        else:
            result[index] = merged
    return result


def _apply_order(current: list, order: list, node: SchemaNode | None) -> list:
    """`$setElementOrder`: listed elements take the given order; others keep their relative place."""
    merge_key = node.patch_merge_key if node is not None else None

    def ident(item):
        if merge_key and isinstance(item, dict):
            return ("k", _freeze(item.get(merge_key)))
        return ("v", _freeze(item))

    wanted = [ident(o if not (merge_key and isinstance(o, dict)) else {merge_key: o.get(merge_key)}) for o in order]
    rank = {w: i for i, w in enumerate(wanted)}
    listed = sorted((item for item in current if ident(item) in rank), key=lambda item: rank[ident(item)])
    it = iter(listed)
    return [next(it) if ident(item) in rank else item for item in current]


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _go_map(mapping: dict) -> str:
    """Go's `%v` of a map[string]interface{} (keys sorted), for error texts."""
    parts = []
    for key in sorted(mapping):
        value = mapping[key]
        if isinstance(value, dict):
            text = _go_map(value)
        elif isinstance(value, list):
            text = "[" + " ".join(_go_map(v) if isinstance(v, dict) else str(v) for v in value) + "]"
        elif isinstance(value, bool):
            text = "true" if value else "false"
        elif value is None:
            text = "<nil>"
        else:
            text = str(value)
        parts.append(f"{key}:{text}")
    return "map[" + " ".join(parts) + "]"


# --------------------------------------------------------------------------------------------
# RFC 6902


class JsonPatchFailed(errors.Invalid):
    """A JSON patch operation failed: 422 with the real server's generic text."""

    def __init__(self, library_message: str):
        super().__init__(JSON_PATCH_REJECTED, {})
        self.library_message = library_message


_MISSING = object()


def json_patch(live: dict, ops: Any) -> dict:
    """Apply an RFC 6902 patch. Raises BadRequest (body not a patch) or JsonPatchFailed (422)."""
    if not isinstance(ops, list):
        raise errors.BadRequest(
            f"json: cannot unmarshal {go_json_kind(ops)} into Go value of type jsonpatch.Patch"
        )
    for op in ops:
        if not isinstance(op, dict):
            raise errors.BadRequest(
                f"json: cannot unmarshal {go_json_kind(op)} into Go value of type jsonpatch.Operation"
            )
    doc: Any = deepcopy_json(live)
    for op in ops:
        doc = _apply_op(doc, op)
    return doc


def _pointer(path: Any) -> list[str] | None:
    """Split a JSON pointer into its parent tokens and last token; None if it has no parent."""
    if not isinstance(path, str):
        return None
    parts = path.split("/")
    if len(parts) < 2:
        return None
    return [p.replace("~1", "/").replace("~0", "~") for p in parts[1:]]


def _container(doc: Any, tokens: list[str]) -> Any:
    """The container holding the last token, or _MISSING."""
    cur = doc
    for token in tokens[:-1]:
        if isinstance(cur, dict):
            if token not in cur or cur[token] is None:
                return _MISSING
            cur = cur[token]
        elif isinstance(cur, list):
            idx = _index(token)
            if idx is None or idx >= len(cur) or idx < -len(cur):
                return _MISSING
            cur = cur[idx]
        else:
            return _MISSING
        if not isinstance(cur, (dict, list)):
            return _MISSING
    return cur


def _index(token: str) -> int | None:
    try:
        return int(token)
    except ValueError:
        return None


def _get(con: Any, key: str, path: str, what: str) -> Any:
    if isinstance(con, dict):
        return con.get(key, _MISSING)
    idx = _index(key)
    if idx is None:
        raise JsonPatchFailed(f'strconv.Atoi: parsing "{key}": invalid syntax')
    if idx >= len(con) or idx < -len(con):
        raise JsonPatchFailed(f"error in {what} for path: '{path}': Unable to access invalid index: {idx}: invalid index referenced")
    return con[idx]


def _add(con: Any, key: str, value: Any, path: str) -> None:
    if isinstance(con, dict):
        con[key] = value
        return
    if key == "-":
        con.append(value)
        return
    idx = _index(key)
    if idx is None:
        raise JsonPatchFailed(f"error in add for path: '{path}': value was not a proper array index: '{key}'")
    size = len(con) + 1
    if idx >= size or idx < -size:
        raise JsonPatchFailed(f"error in add for path: '{path}': Unable to access invalid index: {idx}: invalid index referenced")
    if idx < 0:
        idx += size
    con.insert(idx, value)


def _remove(con: Any, key: str, path: str, what: str = "remove") -> Any:
    if isinstance(con, dict):
        if key not in con:
            raise JsonPatchFailed(
                f"error in {what} for path: '{path}': Unable to remove nonexistent key: {key}: missing value"
            )
        return con.pop(key)
    idx = _index(key)
    if idx is None or idx >= len(con) or idx < -len(con):
        raise JsonPatchFailed(f"error in {what} for path: '{path}': Unable to access invalid index: {key}: invalid index referenced")
    return con.pop(idx)


def _apply_op(doc: Any, op: dict) -> Any:
    kind = op.get("op")
    path = op.get("path")
    if kind not in ("add", "remove", "replace", "move", "copy", "test"):
        raise JsonPatchFailed(f"Unexpected kind: {kind if isinstance(kind, str) else 'unknown'}")
    if path is None:
        raise JsonPatchFailed(f"{kind} operation failed to decode path: operation missing path field: missing value")
    tokens = _pointer(path)
    if kind in ("add", "replace", "test") and "value" not in op:
        raise JsonPatchFailed(f"{kind} operation: operation, missing value field: missing value")
    value = deepcopy_json(op.get("value"))

    if kind in ("move", "copy"):
        from_tokens = _pointer(op.get("from"))
        src = _container(doc, from_tokens) if from_tokens else _MISSING
        if src is _MISSING:
            raise JsonPatchFailed(f"{kind} operation does not apply: doc is missing from path: {op.get('from')}")
        if kind == "move":
            value = _remove(src, from_tokens[-1], op.get("from"), "move")
        else:
            got = _get(src, from_tokens[-1], op.get("from"), "copy")
            value = deepcopy_json(None if got is _MISSING else got)
        dst = _container(doc, tokens) if tokens else _MISSING
        if dst is _MISSING:
            raise JsonPatchFailed(f"{kind} operation does not apply: doc is missing destination path: {path}")
        _add(dst, tokens[-1], value, path)
        return doc

    con = _container(doc, tokens) if tokens else _MISSING
    if con is _MISSING:
        if kind == "test":
            raise JsonPatchFailed(f"test operation does not apply: is missing path: {path}")
        quoted = f'"{path}"' if kind in ("add", "remove") else path
        raise JsonPatchFailed(f"{kind} operation does not apply: doc is missing path: {quoted}: missing value")
    key = tokens[-1]
    if kind == "add":
        _add(con, key, value, path)
    elif kind == "remove":
        _remove(con, key, path)
    elif kind == "replace":
        if isinstance(con, list):
            _get(con, key, path, "replace")
            con[int(key)] = value
        else:
            con[key] = value  # json-patch v4 quirk: replacing a missing key adds it
    else:  # test
        current = _get(con, key, path, "test")
        if current is _MISSING or current is None:
            if value is None:
                return doc
            raise JsonPatchFailed(f"testing value {path} failed: test failed")
        if not _json_equal(current, value):
            raise JsonPatchFailed(f"testing value {path} failed: test failed")
    return doc


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b
