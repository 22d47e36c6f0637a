"""Kubernetes 1.32 object schemas as navigable `SchemaNode` trees.

Built-in kinds come from the JSON schemas bundled with `kubernetes-validate`
(`kubernetes-json-schema/v1.32.0-local/_definitions.json`, loaded once, on first use); custom
resources from their CRD's `openAPIV3Schema`. Nodes are built lazily: a `$ref` is resolved the
first time a field below it is asked for, and every child is cached, so the first write of a kind
costs a few hundred microseconds and later ones nothing.

What the rest of the emulator uses:

* `SchemaNode` - `kind` is "object" | "array" | "map" | "scalar" | "any"; `field(name)`,
  `items`, `values`, the SMP annotations (`patch_strategy`, `patch_merge_key`) and the SSA ones
  (`list_type`, `list_map_keys`, `map_type`).
* `prune(obj, node)` - drops unknown fields (and `null`s, as decoding into Go structs does) and
  reports them as `UnknownField`s. An `UnknownField` *is* the string the real server prints in
  the strict-decoding error and in the warning (`spec.template.spec.containers[0].imagee`);
  `.apply_path` is the server-side-apply spelling (`.spec.template.spec.containers[name="web"].imagee`).
  Interface change against the README (which says `".spec.foo"`): the plain string has no leading
  dot because that is what E9/E10 print; use the formatters below rather than building texts.
* `strict_decoding_error(fields)` (E9 text after the "cannot be handled as a" prefix),
  `unknown_field_warnings(fields)` (E10, one text per `Warning: 299` header), and
  `apply_schema_error(fields)` (E11 text after the "failed to create typed patch object" prefix).
* `check_types(obj, node)` - JSON type errors the way Go's decoder words them, e.g.
  `json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`,
  and the Quantity parse error. The first entry is what the real server reports as
  `Deployment in version "v1" cannot be handled as a Deployment: <entry>` (400). Custom resources
  are decoded as unstructured JSON, so for CRD nodes it returns [] and `crd_type_causes` gives the
  422 causes instead (`spec.x: Invalid value: "string": spec.x in body must be of type integer: "string"`).
"""

from __future__ import annotations

import json
import threading
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Iterable

from .goformat import go_json_kind, json_type
from .quantity import QUANTITY_RE, REGEX_ERROR

KUBE_VERSION = "1.32.0"

_defs: dict | None = None
_gvk_index: dict[tuple[str, str, str], str] | None = None
_roots: dict[tuple[str, str, str], "SchemaNode | None"] = {}
_load_lock = threading.Lock()

_SCALAR_TYPES = ("string", "integer", "number", "boolean")

QUANTITY_REGEX_ERROR = REGEX_ERROR  # the decoding error of a malformed quantity


def schema_dir() -> Path:
    """The kubernetes-validate directory holding the 1.32 schemas (without importing the package)."""
    spec = find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("kubernetes-validate is not installed (pip install kubernetes-validate)")
    base = Path(list(spec.submodule_search_locations)[0])
    return base / "kubernetes-json-schema" / f"v{KUBE_VERSION}-local"


def _definitions() -> dict:
    global _defs, _gvk_index
    if _defs is None:
        with _load_lock:
            if _defs is None:
                with open(schema_dir() / "_definitions.json", encoding="utf-8") as fh:
                    defs = json.load(fh)["$defs"]
                index: dict[tuple[str, str, str], str] = {}
                for name, body in defs.items():
                    for gvk in body.get("x-kubernetes-group-version-kind") or ():
                        key = (gvk.get("group", ""), gvk.get("version", ""), gvk.get("kind", ""))
                        # Several defs can claim a gvk (e.g. meta types); the one named after the kind wins.
                        if key not in index or name.rsplit(".", 1)[-1] == key[2]:
                            index[key] = name
                _gvk_index = index
                _defs = defs
    return _defs


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _types_of(raw: dict) -> tuple[str, ...]:
    t = raw.get("type")
    if t is None:
        return ()
    if isinstance(t, str):
        return (t,)
    return tuple(x for x in t if x != "null")


class SchemaNode:
    """One position in an object's schema. Children are built on first access and cached.

    kind: "object" (known properties), "array", "map" (additionalProperties), "scalar", "any"
    (untyped, preserve-unknown-fields, RawExtension, FieldsV1 ...).
    """

    __slots__ = (
        "kind", "types", "format", "def_name", "patch_strategy", "patch_merge_key", "list_type",
        "list_map_keys", "map_type", "preserve_unknown", "nullable", "custom", "embedded",
        "required", "enum", "_props", "_items_raw", "_values_raw", "_fields", "_items", "_values",
        "_resolve",
    )

    def __init__(self, raw: dict, resolve, *, custom: bool = False, annotations: dict | None = None):
        # `annotations` is the referring property schema (its x-kubernetes-* keys win over the def's).
        self._resolve = resolve
        self.custom = custom
        outer = annotations or {}
        self.def_name = ""
        while "$ref" in raw:
            self.def_name = _ref_name(raw["$ref"])
            outer = {**raw, **outer} if outer else raw
            raw = resolve(raw["$ref"])
        if custom and "allOf" in raw and "type" not in raw and "properties" not in raw:
            merged: dict = {}
            for part in raw["allOf"]:
                merged.update(part)
            raw = {**merged, **{k: v for k, v in raw.items() if k != "allOf"}}

        def ann(key):
            if key in outer:
                return outer[key]
            return raw.get(key)

        self.patch_strategy = ann("x-kubernetes-patch-strategy")
        self.patch_merge_key = ann("x-kubernetes-patch-merge-key")
        self.list_type = ann("x-kubernetes-list-type")
        self.list_map_keys = tuple(ann("x-kubernetes-list-map-keys") or ())
        self.map_type = ann("x-kubernetes-map-type")
        self.preserve_unknown = bool(ann("x-kubernetes-preserve-unknown-fields"))
        self.embedded = bool(ann("x-kubernetes-embedded-resource"))
        # Built-ins decode into Go structs, where null is "unset"; CRDs keep nulls only if nullable.
        self.nullable = custom and bool(raw.get("nullable"))
        self.required = tuple(raw.get("required") or ())
        self.enum = raw.get("enum")
        self.format = raw.get("format")
        self._props = None
        self._items_raw = None
        self._values_raw = None
        self._fields: dict[str, SchemaNode | None] = {}
        self._items = None
        self._values = None

        types = _types_of(raw)
        if "oneOf" in raw and not types:  # IntOrString, Quantity
            alts: list[str] = []
            for alt in raw["oneOf"]:
                alts.extend(_types_of(alt))
            types = tuple(dict.fromkeys(alts))
        if raw.get("x-kubernetes-int-or-string"):
            types = ("integer", "string")
        if "anyOf" in raw and not types:
            alts = []
            for alt in raw["anyOf"]:
                alts.extend(_types_of(alt))
            types = tuple(dict.fromkeys(alts))
        self.types = types

        props = raw.get("properties")
        addl = raw.get("additionalProperties")
        if "object" in types or (not types and (props or isinstance(addl, dict))):
            if props:
                self.kind = "object"
                self._props = props
            elif isinstance(addl, dict) or addl is True:
                self.kind = "map"
                self._values_raw = addl if isinstance(addl, dict) else {}
            elif self.embedded:
                self.kind = "object"
                self._props = {}
            else:
                self.kind = "any"
        elif "array" in types:
            self.kind = "array"
            self._items_raw = raw.get("items") or {}
        elif types and all(t in _SCALAR_TYPES for t in types):
            self.kind = "scalar"
        else:
            self.kind = "any"
        if self.embedded and self.kind == "object":
            self._props = {**_EMBEDDED_PROPS, **(self._props or {})}

    # -- navigation -------------------------------------------------------------------------

    def field(self, name: str) -> "SchemaNode | None":
        """Schema of a property; None when the field is not declared (an unknown field)."""
        if self.kind == "any":
            return ANY
        if self.kind == "map":
            return self.values
        if self.kind != "object":
            return None
        try:
            return self._fields[name]
        except KeyError:
            pass
        raw = self._props.get(name) if self._props else None
        if raw is None:
            node = ANY if self.preserve_unknown else None
        elif self.custom and name == "metadata" and raw.get("type") == "object" and not raw.get("properties"):
            node = object_meta()
        else:
            node = SchemaNode(raw, self._resolve, custom=self.custom)
        self._fields[name] = node
        return node

    def fields(self) -> list[str]:
        return list(self._props or ())

    @property
    def items(self) -> "SchemaNode | None":
        if self.kind == "any":
            return ANY
        if self.kind != "array":
            return None
        if self._items is None:
            self._items = SchemaNode(self._items_raw, self._resolve, custom=self.custom)
        return self._items

    @property
    def values(self) -> "SchemaNode | None":
        if self.kind == "any":
            return ANY
        if self.kind != "map":
            return None
        if self._values is None:
            self._values = SchemaNode(self._values_raw, self._resolve, custom=self.custom)
        return self._values

    # -- facts used by patch/apply/messages ---------------------------------------------------

    @property
    def is_quantity(self) -> bool:
        return self.def_name == "io.k8s.apimachinery.pkg.api.resource.Quantity"

    @property
    def is_int_or_string(self) -> bool:
        return set(self.types) == {"integer", "string"}

    @property
    def atomic(self) -> bool:
        """SSA treats the value as one unit (x-kubernetes-map-type / list-type atomic, scalars)."""
        if self.kind in ("scalar", "any"):
            return True
        if self.kind == "array":
            return self.list_type not in ("map", "set")
        return self.map_type == "atomic"

    @property
    def struct_name(self) -> str:
        """Go struct name used in decoding errors (`DeploymentSpec`)."""
        return self.def_name.rsplit(".", 1)[-1] if self.def_name else ""

    @property
    def go_type(self) -> str:
        """Go type as encoding/json names it (`int32`, `v1.DeploymentSpec`, `[]v1.Container`)."""
        if self.is_quantity:
            return "resource.Quantity"
        if self.is_int_or_string:
            return "intstr.IntOrString"
        if self.kind == "object":
            if self.def_name:
                pkg, _, name = self.def_name.rpartition(".")
                return f"{pkg.rsplit('.', 1)[-1]}.{name}"
            return "map[string]interface {}"
        if self.kind == "array":
            return "[]" + (self.items.go_type if self.items else "interface {}")
        if self.kind == "map":
            return "map[string]" + (self.values.go_type if self.values else "interface {}")
        if self.kind == "scalar":
            t = self.types[0] if self.types else ""
            if t == "integer":
                return self.format if self.format in ("int32", "int64") else "int64"
            if t == "number":
                return "float64"
            if t == "boolean":
                return "bool"
            if t == "string":
                return "[]uint8" if self.format == "byte" else "string"
        return "interface {}"

    def __repr__(self) -> str:
        return f"SchemaNode({self.kind}, {self.def_name or self.types})"


_EMBEDDED_PROPS = {
    "apiVersion": {"type": "string"},
    "kind": {"type": "string"},
    "metadata": {"type": "object"},
}


def _builtin_resolve(ref: str) -> dict:
    return _definitions()[_ref_name(ref)]


ANY = SchemaNode({}, _builtin_resolve)
ANY.kind = "any"

_object_meta: SchemaNode | None = None


def object_meta() -> SchemaNode:
    """The ObjectMeta schema (shared by every kind, including custom resources)."""
    global _object_meta
    if _object_meta is None:
        _definitions()
        _object_meta = SchemaNode(
            {"$ref": "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}, _builtin_resolve
        )
    return _object_meta


def builtin_schema(group: str, version: str, kind: str) -> SchemaNode | None:
    """Root node of a built-in kind (`("apps", "v1", "Deployment")`), None if 1.32 has no such kind."""
    key = (group, version, kind)
    try:
        return _roots[key]
    except KeyError:
        pass
    _definitions()
    name = _gvk_index.get(key)
    node = SchemaNode({"$ref": f"#/$defs/{name}"}, _builtin_resolve) if name else None
    _roots[key] = node
    return node


def crd_schema(open_api_v3_schema: dict) -> SchemaNode:
    """Root node of a custom resource from its CRD version's `schema.openAPIV3Schema`.

    apiVersion, kind and metadata are always allowed (metadata is a full ObjectMeta).
    """
    raw = dict(open_api_v3_schema or {})
    props = dict(raw.get("properties") or {})
    props.setdefault("apiVersion", {"type": "string"})
    props.setdefault("kind", {"type": "string"})
    props["metadata"] = {"type": "object"}
    raw["properties"] = props
    raw.setdefault("type", "object")

    def resolve(ref: str) -> dict:  # structural CRD schemas have no $ref
        raise KeyError(ref)

    return SchemaNode(raw, resolve, custom=True)


# --------------------------------------------------------------------------------------------
# Unknown fields


class UnknownField(str):
    """An undeclared field. The string is the decoding path (`spec.containers[0].imagee`)."""

    apply_path: str

    def __new__(cls, decoding: str, apply_path: str) -> "UnknownField":
        self = super().__new__(cls, decoding)
        self.apply_path = apply_path
        return self


def _json_value(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def ssa_element_path(item: Any, index: int, node: SchemaNode | None) -> str:
    """How structured-merge-diff prints a list element: `[name="web"]`, `[="x"]` or `[0]`."""
    if node is not None and node.list_type == "map" and isinstance(item, dict):
        keys = [f"{k}={_json_value(item[k])}" for k in node.list_map_keys if k in item]
        if keys:
            return "[" + ",".join(keys) + "]"
    if node is not None and node.list_type == "set" and not isinstance(item, (dict, list)):
        return f"[={_json_value(item)}]"
    return f"[{index}]"


def prune(obj: dict, node: SchemaNode | None) -> tuple[dict, list[UnknownField]]:
    """Copy of `obj` without undeclared fields and without `null` values, plus the fields dropped.

    Unknown fields are reported in document order. `node` None (no schema) keeps everything.
    Nulls are dropped because the real server decodes into Go structs (built-ins) or prunes
    non-nullable nulls (custom resources); nullable CRD fields keep them.
    """
    if node is None:
        return _deepcopy(obj), []
    unknown: list[UnknownField] = []
    out = _prune_value(obj, node, "", "", unknown)
    return (out if isinstance(out, dict) else {}), unknown


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _prune_value(value: Any, node: SchemaNode, dpath: str, apath: str, unknown: list) -> Any:
    kind = node.kind
    if kind == "any":
        return _deepcopy(value)
    if isinstance(value, dict) and kind in ("object", "map"):
        out = {}
        for key, sub in value.items():
            child = node.field(key)
            if child is None:
                unknown.append(UnknownField(_join(dpath, key), f"{apath}.{key}"))
                continue
            if sub is None and not child.nullable:
                continue
            if sub is None:
                out[key] = None
                continue
            out[key] = _prune_value(sub, child, _join(dpath, key), f"{apath}.{key}", unknown)
        return out
    if isinstance(value, list) and kind == "array":
        items = node.items
        out_list = []
        for i, item in enumerate(value):
            seg = ssa_element_path(item, i, node)
            out_list.append(_prune_value(item, items, f"{dpath}[{i}]", apath + seg, unknown))
        return out_list
    return _deepcopy(value)


def strict_decoding_error(fields: Iterable[str]) -> str:
    """E9: `strict decoding error: unknown field "spec.foo", unknown field "spec.bar"`."""
    return "strict decoding error: " + ", ".join(f'unknown field "{f}"' for f in fields)


def unknown_field_warnings(fields: Iterable[str]) -> list[str]:
    """E10: one warning text per field, `unknown field "spec.foo"` (header: `299 - "<text escaped>"`)."""
    return [f'unknown field "{f}"' for f in fields]


def apply_schema_error(fields: Iterable[UnknownField]) -> str:
    """E11: `.spec.foo: field not declared in schema` (several: `errors:\\n  .a: ...\\n  .b: ...`)."""
    lines = [f"{getattr(f, 'apply_path', '.' + f)}: field not declared in schema" for f in fields]
    if len(lines) == 1:
        return lines[0]
    return "\n".join(["errors:"] + ["  " + line for line in lines])


# --------------------------------------------------------------------------------------------
# Type errors (built-ins: Go decoding, 400; custom resources: OpenAPI validation, 422)



def check_types(obj: dict, node: SchemaNode | None) -> list[str]:
    """Decoding errors of a built-in object, worded like Go's encoding/json (first one is reported)."""
    if node is None or node.custom:
        return []
    errors: list[str] = []
    _check(obj, node, node.struct_name, [], errors)
    return errors


def _type_error(value: Any, struct: str, stack: list[str], go_type: str) -> str:
    what = go_json_kind(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if go_type.startswith(("int", "uint")):
            what = f"number {_go_number(value)}"
    if struct and stack:
        return f"json: cannot unmarshal {what} into Go struct field {struct}.{'.'.join(stack)} of type {go_type}"
    return f"json: cannot unmarshal {what} into Go value of type {go_type}"


def _go_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value)) if "e" not in repr(value) else repr(value)
    return repr(value) if isinstance(value, float) else str(value)


_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def _check(value: Any, node: SchemaNode, struct: str, stack: list[str], errors: list[str]) -> None:
    if value is None or node.kind == "any":
        return
    if node.is_quantity:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            errors.append(QUANTITY_REGEX_ERROR)
        elif isinstance(value, str) and not QUANTITY_RE.match(value.strip()):
            errors.append(QUANTITY_REGEX_ERROR)
        return
    kind = node.kind
    if kind == "object":
        if not isinstance(value, dict):
            errors.append(_type_error(value, struct, stack, node.go_type))
            return
        inner = node.struct_name or struct
        for key, sub in value.items():
            child = node.field(key)
            if child is not None:
                _check(sub, child, inner, stack + [key], errors)
        return
    if kind == "map":
        if not isinstance(value, dict):
            errors.append(_type_error(value, struct, stack, node.go_type))
            return
        for sub in value.values():
            _check(sub, node.values, struct, stack, errors)
        return
    if kind == "array":
        if not isinstance(value, list):
            if node.items is not None and node.items.go_type == "uint8":
                return
            errors.append(_type_error(value, struct, stack, node.go_type))
            return
        for item in value:
            _check(item, node.items, struct, stack, errors)
        return
    # scalar
    types = node.types
    if isinstance(value, bool):
        ok = "boolean" in types
    elif isinstance(value, int):
        ok = "integer" in types or "number" in types
    elif isinstance(value, float):
        ok = "number" in types or ("integer" in types and value.is_integer())
    elif isinstance(value, str):
        ok = "string" in types
    else:
        ok = False
    go_type = "int32" if node.is_int_or_string and not isinstance(value, str) else node.go_type
    if not ok:
        errors.append(_type_error(value, struct, stack, go_type))
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "integer" in types:
        bounds = _INT_RANGES.get(go_type)
        if bounds and not bounds[0] <= value <= bounds[1]:
            errors.append(_type_error(value, struct, stack, go_type))
    if isinstance(value, str) and node.format == "byte":
        bad = base64_error_offset(value)
        if bad is not None:
            errors.append(f"illegal base64 data at input byte {bad}")


_B64_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def base64_error_offset(text: str) -> int | None:
    """Where Go's base64.StdEncoding.Decode fails on `text` (None if it decodes).

    Mirrors the decoder's rules: CR/LF are skipped, padding only in the last two places of a
    quantum, nothing after padding, and an incomplete final quantum is an error at its start.
    """
    src = text.encode("utf-8")
    n = len(src)
    si = 0
    while True:
        j = 0
        while j < 4:
            if si == n:
                if j == 0:
                    return None
                return si - j
            ch = chr(src[si])
            si += 1
            if ch in "\r\n":
                continue
            if ch in _B64_ALPHABET:
                j += 1
                continue
            if ch != "=":
                return si - 1
            # padding
            if j in (0, 1):
                return si - 1
            if j == 2:
                while si < n and chr(src[si]) in "\r\n":
                    si += 1
                if si == n:
                    return n
                if chr(src[si]) != "=":
                    return si - 1
                si += 1
            while si < n and chr(src[si]) in "\r\n":
                si += 1
            if si < n:
                return si
            return None


def crd_type_causes(obj: dict, node: SchemaNode | None) -> list:
    """422 causes of a custom resource against its CRD schema, as the CRD validator words them.

    Type errors (`spec.replicas: Invalid value: "string": spec.replicas in body must be of type
    integer: "string"`), missing required properties (`spec.secretName: Required value`) and enum
    violations (`spec.x: Unsupported value: "a": supported values: "b", "c"`). Other OpenAPI
    keywords (pattern, minimum, CEL rules ...) are not checked.
    """
    from .. import errors as _errors  # local import: schema.py has no other dependency on errors

    causes: list = []
    if node is None or not node.custom:
        return causes
    _crd_check(obj, node, "", causes, _errors.Cause)
    return causes


def _crd_check(value: Any, node: SchemaNode, path: str, causes: list, cause_cls) -> None:
    if node.kind == "any":
        return
    if value is None:
        return  # non-nullable nulls are pruned before validation, nullable ones are fine
    actual = json_type(value)
    expected = node.types
    if node.kind in ("object", "map"):
        expected = expected or ("object",)
    elif node.kind == "array":
        expected = expected or ("array",)
    accepted = set(expected)
    if "number" in accepted:
        accepted.add("integer")
    if expected and actual not in accepted:
        causes.append(
            cause_cls(
                "FieldValueTypeInvalid",
                f'Invalid value: "{actual}": {path} in body must be of type {" or ".join(expected)}: "{actual}"',
                path,
            )
        )
        return
    if node.enum and value not in node.enum:
        allowed = ", ".join(json.dumps(v) if isinstance(v, str) else json.dumps(json.dumps(v)) for v in node.enum)
        shown = json.dumps(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else value
        causes.append(cause_cls("FieldValueNotSupported", f"Unsupported value: {shown}: supported values: {allowed}", path))
    if isinstance(value, dict) and node.kind == "object":
        for name in node.required:
            if value.get(name) is None:
                causes.append(cause_cls("FieldValueRequired", "Required value", _join(path, name)))
    if isinstance(value, dict) and node.kind in ("object", "map"):
        for key, sub in value.items():
            child = node.field(key)
            if child is not None and not (key == "metadata" and not path):
                _crd_check(sub, child, _join(path, key), causes, cause_cls)
    elif isinstance(value, list) and node.kind == "array":
        for i, item in enumerate(value):
            _crd_check(item, node.items, f"{path}[{i}]", causes, cause_cls)


def _deepcopy(value: Any) -> Any:
    """Deep copy of JSON data (much faster than copy.deepcopy)."""
    if isinstance(value, dict):
        return {k: _deepcopy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deepcopy(v) for v in value]
    return value


deepcopy_json = _deepcopy

__all__ = [
    "SchemaNode", "UnknownField", "builtin_schema", "crd_schema", "object_meta", "prune",
    "check_types", "crd_type_causes", "strict_decoding_error", "unknown_field_warnings",
    "apply_schema_error", "ssa_element_path", "deepcopy_json", "QUANTITY_REGEX_ERROR",
]
