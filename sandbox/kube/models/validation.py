"""Semantic validation beyond schema shape, with kube-apiserver 1.32's field paths and texts.

`validate(rtype, obj, old)` returns the `errors.Cause`s the real server reports as 422 Invalid
(`errors.Invalid.of(kind, group, name, causes)` renders them); it never raises. It runs after
defaulting, on the object that would be stored; `old` is the stored object for updates (None for
creates). `rtype` is duck-typed: only `.group`, `.version`, `.kind`, `.namespaced` are read.

Texts follow k8s.io/apimachinery v0.32 (`util/validation`, `util/validation/field`: the cause's
message is `ErrorBody()`, e.g. `Invalid value: "Bad_Name": a lowercase RFC 1123 label must ...`)
and the kube 1.32 validators of each kind. Values are printed like Go's `field.Error`: strings
quoted, numbers bare, maps/slices/structs in Go `%#v` form (`map[string]string{"app":"web"}`,
`v1.LabelSelector{MatchLabels:...}`). Where the real value is an internal Go struct too large to
reproduce (a Job's whole pod template), the text is abbreviated as `core.PodTemplateSpec{...}`.

Covered: object metadata (name rules per kind, generateName, namespace, labels, annotations,
finalizers, ownerReferences), label selectors, pod templates (containers, ports, env, resources
requests <= limits, volumes and mounts, restartPolicy), Deployment/ReplicaSet/StatefulSet/
DaemonSet basics, Job, CronJob (robfig/cron ParseStandard, messages included), Service,
PersistentVolumeClaim, Secret, ConfigMap, ResourceQuota (scopes), Ingress, Namespace.

Not here (other layers): Quantity syntax and Secret base64 are *decoding* errors (400,
schema.check_types); quota admission (403 `exceeded quota`) and PVC resize admission are
controllers' hooks; Job selector/label generation is the create strategy's job (if a Job arrives
without `spec.selector`, the generated-selector checks are skipped).

Also exported: `parse_quantity(s) -> Decimal`, `format_quantity(s) -> str` (canonical form, as
`Quantity.String()`), `parse_cron(spec)` (raises ValueError with robfig/cron's message).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any, Iterable

from .. import errors

Cause = errors.Cause

# --------------------------------------------------------------------------------------------
# Quantities (k8s.io/apimachinery/pkg/api/resource)

_QUANTITY_RE = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_NANO = Decimal("1e-9")


class QuantityError(ValueError):
    """The apimachinery parse error (`quantities must match the regular expression ...`)."""


def _parse(text: Any) -> tuple[Decimal, str]:
    """(value, format) with format one of DecimalSI, BinarySI, DecimalExponent."""
    if isinstance(text, bool) or text is None:
        raise QuantityError(f"quantities must match the regular expression '{_QUANTITY_RE.pattern}'")
    if isinstance(text, (int, float)):
        text = repr(text) if isinstance(text, float) else str(text)
    text = str(text).strip()
    if text == "0":
        return Decimal(0), "DecimalSI"
    m = _QUANTITY_RE.match(text)
    if not text or not m:
        raise QuantityError(f"quantities must match the regular expression '{_QUANTITY_RE.pattern}'")
    number, suffix = m.group(1), m.group(2)
    if number.count(".") > 1 or number.strip("+-") in (".", ""):
        raise QuantityError("unable to parse numeric part of quantity")
    try:
        value = Decimal(number)
    except InvalidOperation as exc:
        raise QuantityError("unable to parse numeric part of quantity") from exc
    if suffix in _BINARY:
        value, fmt = value * (Decimal(2) ** _BINARY[suffix]), "BinarySI"
    elif suffix in _DECIMAL:
        value, fmt = value.scaleb(_DECIMAL[suffix]), "DecimalSI"
    elif re.fullmatch(r"[eE][-+]?[0-9]+", suffix):
        value, fmt = value.scaleb(int(suffix[1:])), "DecimalExponent"
    else:
        raise QuantityError("unable to parse quantity's suffix")
    if value != 0:  # rounded up to nano precision, like inf.RoundUp at Nano scale
        sign = -1 if value < 0 else 1
        value = sign * abs(value).quantize(_NANO, rounding=ROUND_CEILING)
    if fmt == "BinarySI" and 0 < abs(value) < 1:
        fmt = "DecimalSI"
    return value, fmt


def parse_quantity(s: Any) -> Decimal:
    """Numeric value of a Kubernetes quantity ("500m" -> 0.5, "1Gi" -> 1073741824, "1e3" -> 1000).

    Raises QuantityError (a ValueError) with apimachinery's message when `s` does not parse.
    """
    value = _parse(s)[0]
    if value == value.to_integral_value():
        return Decimal(int(value))
    return value.normalize()


def format_quantity(s: Any) -> str:
    """Canonical text of a quantity, as the real server prints it ("1000m" -> "1", "0.5" -> "500m")."""
    value, fmt = _parse(s)
    if value == 0:
        return "0"
    if fmt == "BinarySI":
        if abs(value) < 1024 or value != value.to_integral_value():
            fmt = "DecimalSI"
        else:
            number, exp = int(value), 0
            while exp < 60 and number % 1024 == 0:
                number //= 1024
                exp += 10
            suffix = {0: "", 10: "Ki", 20: "Mi", 30: "Gi", 40: "Ti", 50: "Pi", 60: "Ei"}[exp]
            return f"{number}{suffix}"
    # decimal: integer mantissa with an exponent that is a multiple of 3
    sign = "-" if value < 0 else ""
    value = abs(value)
    exp = 0
    mantissa = value
    while mantissa != mantissa.to_integral_value():
        mantissa *= 1000
        exp -= 3
    mantissa_int = int(mantissa)
    while mantissa_int != 0 and mantissa_int % 1000 == 0 and exp < 18:
        mantissa_int //= 1000
        exp += 3
    if fmt == "DecimalExponent":
        return f"{sign}{mantissa_int}" + (f"e{exp}" if exp else "")
    suffix = {v: k for k, v in _DECIMAL.items()}[exp]
    return f"{sign}{mantissa_int}{suffix}"


# --------------------------------------------------------------------------------------------
# Name and label rules (k8s.io/apimachinery/pkg/util/validation)

_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE_FMT = "(" + _QUALIFIED_NAME_FMT + ")?"
_WILDCARD_FMT = "\\*\\." + _DNS1123_SUBDOMAIN_FMT
_CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+"

_DNS1123_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                      "and must start and end with an alphanumeric character")
_DNS1123_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                          "'-' or '.', and must start and end with an alphanumeric character")
_DNS1035_LABEL_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
                      "an alphabetic character, and end with an alphanumeric character")
_QUALIFIED_NAME_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
                       "an alphanumeric character")
_LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
                    "'.', and must start and end with an alphanumeric character")
_WILDCARD_MSG = ("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which "
                 "must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric "
                 "character")
_CONFIG_KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"


def _full(fmt: str) -> re.Pattern:
    return re.compile("^" + fmt + "$")


_DNS1123_LABEL_RE = _full(_DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN_RE = _full(_DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL_RE = _full(_DNS1035_LABEL_FMT)
_QUALIFIED_NAME_RE = _full(_QUALIFIED_NAME_FMT)
_LABEL_VALUE_RE = _full(_LABEL_VALUE_FMT)
_WILDCARD_RE = _full(_WILDCARD_FMT)
_CONFIG_KEY_RE = _full(_CONFIG_KEY_FMT)


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    parts = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {parts}regex used for validation is '{fmt}')"


def max_len_error(n: int) -> str:
    return f"must be no more than {n} characters"


def _fullmatch(regex: re.Pattern, value: str) -> bool:
    # Go's `$` does not match before a trailing newline; Python's does.
    return "\n" not in value and regex.match(value) is not None


def is_dns1123_label(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append(max_len_error(63))
    if not _fullmatch(_DNS1123_LABEL_RE, value):
        if _fullmatch(_DNS1123_SUBDOMAIN_RE, value):
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(_DNS1123_LABEL_MSG, _DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    errs = []
    if len(value) > 253:
        errs.append(max_len_error(253))
    if not _fullmatch(_DNS1123_SUBDOMAIN_RE, value):
        errs.append(regex_error(_DNS1123_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append(max_len_error(63))
    if not _fullmatch(_DNS1035_LABEL_RE, value):
        errs.append(regex_error(_DNS1035_LABEL_MSG, _DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def is_wildcard_dns1123_subdomain(value: str) -> list[str]:
    errs = []
    if len(value) > 253:
        errs.append(max_len_error(253))
    if not _fullmatch(_WILDCARD_RE, value):
        errs.append(regex_error(_WILDCARD_MSG, _WILDCARD_FMT, "*.example.com"))
    return errs


def is_qualified_name(value: str) -> list[str]:
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in is_dns1123_subdomain(prefix))
    else:
        return errs + [
            "a qualified name " + regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part " + max_len_error(63))
    if not _fullmatch(_QUALIFIED_NAME_RE, name):
        errs.append("name part " + regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc"))
    return errs


def is_valid_label_value(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append(max_len_error(63))
    if not _fullmatch(_LABEL_VALUE_RE, value):
        errs.append(regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def is_config_map_key(value: str) -> list[str]:
    errs = []
    if len(value) > 253:
        errs.append(max_len_error(253))
    if not _fullmatch(_CONFIG_KEY_RE, value):
        errs.append(regex_error(_CONFIG_KEY_MSG, _CONFIG_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    if value == ".":
        errs.append("must not be '.'")
    elif value == "..":
        errs.append("must not be '..'")
    elif value.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def is_valid_port_num(port: Any) -> list[str]:
    if isinstance(port, int) and not isinstance(port, bool) and 1 <= port <= 65535:
        return []
    return ["must be between 1 and 65535, inclusive"]


def is_valid_port_name(port: str) -> list[str]:
    errs = []
    if len(port) > 15:
        errs.append(max_len_error(15))
    if not re.fullmatch(r"[-a-z0-9]+", port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search(r"[a-z]", port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def _mask_trailing_dash(name: str) -> str:
    if len(name) > 1 and name.endswith("-"):
        return name[:-2] + "a"
    return name


def _name_fn(check):
    def fn(name: str, prefix: bool) -> list[str]:
        return check(_mask_trailing_dash(name) if prefix else name)
    return fn


def _path_segment_name(name: str, prefix: bool) -> list[str]:
    errs = []
    if not prefix:
        if name in (".", ".."):
            errs.append(f"may not be '{name}'")
    for bad in ("/", "%"):
        if bad in name:
            errs.append(f"may not contain '{bad}'")
    return errs


NAME_IS_DNS_SUBDOMAIN = _name_fn(is_dns1123_subdomain)
NAME_IS_DNS_LABEL = _name_fn(is_dns1123_label)
NAME_IS_DNS1035_LABEL = _name_fn(is_dns1035_label)


# --------------------------------------------------------------------------------------------
# Cause constructors and Go value printing (field.Error.ErrorBody)


def _go(value: Any) -> str:
    """The value part of `Invalid value: <v>` for simple values."""
    if value is None:
        return "null"
    if isinstance(value, GoValue):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return _go_quote(value)
    return json.dumps(value)


class GoValue:
    """A value already rendered the way Go's %#v / String() prints it."""

    def __init__(self, text: str):
        self.text = text


def _go_quote(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _go_map(m: dict | None, type_name: str = "map[string]string") -> GoValue:
    if m is None:
        return GoValue(f"{type_name}(nil)")
    items = ", ".join(f"{_go_quote(str(k))}:{_go_quote(str(v))}" for k, v in sorted(m.items()))
    return GoValue(f"{type_name}{{{items}}}")


def _go_strings(values: list | None, type_name: str = "[]string") -> GoValue:
    if values is None:
        return GoValue(f"{type_name}(nil)")
    return GoValue(f"{type_name}{{" + ", ".join(_go_quote(str(v)) for v in values) + "}")


def _go_label_selector(sel: dict | None) -> GoValue:
    if sel is None:
        return GoValue("null")
    ml = sel.get("matchLabels")
    exprs = sel.get("matchExpressions")
    if exprs is None:
        e_text = "[]v1.LabelSelectorRequirement(nil)"
    else:
        parts = []
        for e in exprs:
            e = e or {}
            parts.append(
                "v1.LabelSelectorRequirement{Key:" + _go_quote(str(e.get("key", ""))) + ", Operator:"
                + _go_quote(str(e.get("operator", ""))) + ", Values:" + _go_strings(e.get("values")).text + "}"
            )
        e_text = "[]v1.LabelSelectorRequirement{" + ", ".join(parts) + "}"
    return GoValue(f"v1.LabelSelector{{MatchLabels:{_go_map(ml).text}, MatchExpressions:{e_text}}}")


def required(field: str, detail: str = "") -> Cause:
    return Cause("FieldValueRequired", "Required value" + (f": {detail}" if detail else ""), field)


def invalid(field: str, value: Any, detail: str = "") -> Cause:
    return Cause("FieldValueInvalid", f"Invalid value: {_go(value)}" + (f": {detail}" if detail else ""), field)


def forbidden(field: str, detail: str = "") -> Cause:
    return Cause("FieldValueForbidden", "Forbidden" + (f": {detail}" if detail else ""), field)


def not_supported(field: str, value: Any, valid: Iterable[str]) -> Cause:
    detail = "supported values: " + ", ".join(_go_quote(v) for v in valid)
    return Cause("FieldValueNotSupported", f"Unsupported value: {_go(value)}: {detail}", field)


def duplicate(field: str, value: Any) -> Cause:
    return Cause("FieldValueDuplicate", f"Duplicate value: {_go(value)}", field)


def not_found(field: str, value: Any) -> Cause:
    return Cause("FieldValueNotFound", f"Not found: {_go(value)}", field)


def too_long(field: str, max_bytes: int) -> Cause:
    return Cause("FieldValueTooLong", f"Too long: may not be more than {max_bytes} bytes", field)


def _key(path: str, key: str) -> str:
    return f"{path}[{key}]"


IMMUTABLE = "field is immutable"
NEGATIVE = "must be greater than or equal to 0"


# --------------------------------------------------------------------------------------------
# Object metadata


def _meta_causes(meta: dict, namespaced: bool, name_fn, path: str = "metadata") -> list[Cause]:
    causes: list[Cause] = []
    generate = meta.get("generateName") or ""
    if generate:
        causes += [invalid(f"{path}.generateName", generate, m) for m in name_fn(generate, True)]
    name = meta.get("name") or ""
    if not name:
        causes.append(required(f"{path}.name", "name or generateName is required"))
    else:
        causes += [invalid(f"{path}.name", name, m) for m in name_fn(name, False)]
    namespace = meta.get("namespace") or ""
    if namespaced:
        if not namespace:
            causes.append(required(f"{path}.namespace"))
        else:
            causes += [invalid(f"{path}.namespace", namespace, m) for m in NAME_IS_DNS_LABEL(namespace, False)]
    elif namespace:
        causes.append(forbidden(f"{path}.namespace", "not allowed on this type"))
    generation = meta.get("generation")
    if isinstance(generation, int) and generation < 0:
        causes.append(invalid(f"{path}.generation", generation, NEGATIVE))
    causes += validate_labels(meta.get("labels"), f"{path}.labels")
    causes += validate_annotations(meta.get("annotations"), f"{path}.annotations")
    causes += _owner_reference_causes(meta.get("ownerReferences"), f"{path}.ownerReferences")
    for finalizer in meta.get("finalizers") or []:
        if isinstance(finalizer, str):
            causes += [invalid(f"{path}.finalizers", finalizer, m) for m in is_qualified_name(finalizer)]
    return causes


def validate_labels(labels: dict | None, path: str) -> list[Cause]:
    causes: list[Cause] = []
    for key, value in (labels or {}).items():
        causes += [invalid(path, key, m) for m in is_qualified_name(key)]
        if isinstance(value, str):
            causes += [invalid(path, value, m) for m in is_valid_label_value(value)]
    return causes


def validate_annotations(annotations: dict | None, path: str) -> list[Cause]:
    causes: list[Cause] = []
    total = 0
    for key, value in (annotations or {}).items():
        causes += [invalid(path, key, m) for m in is_qualified_name(key.lower())]
        total += len(key.encode()) + len(str(value or "").encode())
    if total > 256 * 1024:
        causes.append(too_long(path, 256 * 1024))
    return causes


def _owner_reference_causes(refs: list | None, path: str) -> list[Cause]:
    causes: list[Cause] = []
    for ref in refs or []:
        if not isinstance(ref, dict):
            continue
        api_version = ref.get("apiVersion") or ""
        version = api_version.rsplit("/", 1)[-1]
        if not version:
            causes.append(invalid(f"{path}.apiVersion", api_version, "version must not be empty"))
        if not ref.get("kind"):
            causes.append(invalid(f"{path}.kind", ref.get("kind") or "", "kind must not be empty"))
        if not ref.get("name"):
            causes.append(invalid(f"{path}.name", ref.get("name") or "", "name must not be empty"))
        if not ref.get("uid"):
            causes.append(invalid(f"{path}.uid", ref.get("uid") or "", "uid must not be empty"))
    return causes


def _name_function(group: str, kind: str):
    if group == "" and kind == "Namespace":
        return NAME_IS_DNS_LABEL
    if group == "" and kind == "Service":
        return NAME_IS_DNS1035_LABEL
    if group == "rbac.authorization.k8s.io":
        return _path_segment_name
    return NAME_IS_DNS_SUBDOMAIN


# --------------------------------------------------------------------------------------------
# Label selectors


def _selector_causes(sel: dict, path: str) -> list[Cause]:
    causes = validate_labels(sel.get("matchLabels"), f"{path}.matchLabels")
    for i, expr in enumerate(sel.get("matchExpressions") or []):
        expr = expr or {}
        epath = f"{path}.matchExpressions[{i}]"
        op = expr.get("operator")
        values = expr.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                causes.append(required(f"{epath}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
        elif op in ("Exists", "DoesNotExist"):
            if values:
                causes.append(forbidden(f"{epath}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        else:
            causes.append(invalid(f"{epath}.operator", op or "", "not a valid selector operator"))
        key = expr.get("key") or ""
        causes += [invalid(f"{epath}.key", key, m) for m in is_qualified_name(key)]
    return causes


def selector_matches(sel: dict | None, labels: dict | None) -> bool:
    """LabelSelector semantics (an empty selector matches everything)."""
    labels = labels or {}
    if not sel:
        return True
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in sel.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def _selector_empty(sel: dict) -> bool:
    return not (sel.get("matchLabels") or sel.get("matchExpressions"))


# --------------------------------------------------------------------------------------------
# Pod specs

_PROTOCOLS = ("SCTP", "TCP", "UDP")
_VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
    "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
    "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
    "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
)
_STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")


def _pod_spec_causes(spec: dict, path: str) -> list[Cause]:
    causes: list[Cause] = []
    volumes, vcauses = _volume_causes(spec.get("volumes") or [], f"{path}.volumes")
    causes += vcauses
    containers = spec.get("containers") or []
    if not containers:
        causes.append(required(f"{path}.containers"))
    names: set = set()
    for kind in ("initContainers", "containers"):
        for i, ctr in enumerate(spec.get(kind) or []):
            causes += _container_causes(ctr or {}, f"{path}.{kind}[{i}]", names, volumes)
    policy = spec.get("restartPolicy") or "Always"
    if policy not in ("Always", "OnFailure", "Never"):
        causes.append(not_supported(f"{path}.restartPolicy", policy, ("Always", "OnFailure", "Never")))
    for field in ("activeDeadlineSeconds",):
        value = spec.get(field)
        if isinstance(value, int) and value <= 0:
            causes.append(invalid(f"{path}.{field}", value, "must be between 1 and 2147483647, inclusive"))
    grace = spec.get("terminationGracePeriodSeconds")
    if isinstance(grace, int) and grace < 0:
        causes.append(invalid(f"{path}.terminationGracePeriodSeconds", grace, NEGATIVE))
    return causes


def _volume_causes(volumes: list, path: str) -> tuple[dict, list[Cause]]:
    causes: list[Cause] = []
    known: dict = {}
    for i, vol in enumerate(volumes):
        vol = vol or {}
        vpath = f"{path}[{i}]"
        el: list[Cause] = []
        sources = [s for s in _VOLUME_SOURCES if vol.get(s) is not None]
        if not sources:
            el.append(required(vpath, "must specify a volume type"))
        elif len(sources) > 1:
            el.append(forbidden(f"{vpath}.{sources[1]}", "may not specify more than 1 volume type"))
        else:
            src = vol[sources[0]] or {}
            if sources[0] == "persistentVolumeClaim" and not src.get("claimName"):
                el.append(required(f"{vpath}.persistentVolumeClaim.claimName"))
            if sources[0] == "secret" and not src.get("secretName"):
                el.append(required(f"{vpath}.secret.secretName"))
            if sources[0] == "configMap" and not src.get("name"):
                el.append(required(f"{vpath}.configMap.name"))
        name = vol.get("name") or ""
        if not name:
            el.append(required(f"{vpath}.name"))
        else:
            el += [invalid(f"{vpath}.name", name, m) for m in is_dns1123_label(name)]
        if name in known:
            el.append(duplicate(f"{vpath}.name", name))
        if el:
            causes += el
        else:
            known[name] = vol
    return known, causes


def _container_causes(ctr: dict, path: str, names: set, volumes: dict) -> list[Cause]:
    causes: list[Cause] = []
    name = ctr.get("name") or ""
    if not name:
        causes.append(required(f"{path}.name"))
    else:
        causes += [invalid(f"{path}.name", name, m) for m in is_dns1123_label(name)]
        if name in names:
            causes.append(duplicate(f"{path}.name", name))
        names.add(name)
    image = ctr.get("image")
    if not image:
        causes.append(required(f"{path}.image"))
    elif image != image.strip():
        causes.append(invalid(f"{path}.image", image, "must not have leading or trailing whitespace"))
    port_names: set = set()
    for i, port in enumerate(ctr.get("ports") or []):
        port = port or {}
        ppath = f"{path}.ports[{i}]"
        pname = port.get("name") or ""
        if pname:
            msgs = is_valid_port_name(pname)
            if msgs:
                causes += [invalid(f"{ppath}.name", pname, m) for m in msgs]
            elif pname in port_names:
                causes.append(duplicate(f"{ppath}.name", pname))
            else:
                port_names.add(pname)
        cport = port.get("containerPort")
        if not cport:
            causes.append(required(f"{ppath}.containerPort"))
        else:
            causes += [invalid(f"{ppath}.containerPort", cport, m) for m in is_valid_port_num(cport)]
        hport = port.get("hostPort")
        if hport:
            causes += [invalid(f"{ppath}.hostPort", hport, m) for m in is_valid_port_num(hport)]
        protocol = port.get("protocol") or "TCP"
        if protocol not in _PROTOCOLS:
            causes.append(not_supported(f"{ppath}.protocol", protocol, _PROTOCOLS))
    for i, env in enumerate(ctr.get("env") or []):
        env = env or {}
        epath = f"{path}.env[{i}]"
        ename = env.get("name") or ""
        if not ename:
            causes.append(required(f"{epath}.name"))
        elif any(ord(ch) > 126 or ord(ch) < 32 or ch == "=" for ch in ename):
            causes.append(invalid(f"{epath}.name", ename,
                                  "a valid environment variable name must consist only of printable ASCII characters other than '='"))
        if env.get("value") and env.get("valueFrom") is not None:
            causes.append(invalid(f"{epath}.valueFrom", "",
                                  "may not be specified when `value` is not empty"))
    for i, src in enumerate(ctr.get("envFrom") or []):
        src = src or {}
        if src.get("configMapRef") is None and src.get("secretRef") is None:
            causes.append(invalid(f"{path}.envFrom[{i}]", "", "must specify one of: `configMapRef` or `secretRef`"))
    mount_paths: set = set()
    for i, mount in enumerate(ctr.get("volumeMounts") or []):
        mount = mount or {}
        mpath = f"{path}.volumeMounts[{i}]"
        mname = mount.get("name") or ""
        if not mname:
            causes.append(required(f"{mpath}.name"))
        if mname not in volumes:
            causes.append(not_found(f"{mpath}.name", mname))
        mp = mount.get("mountPath") or ""
        if not mp:
            causes.append(required(f"{mpath}.mountPath"))
        if mp in mount_paths:
            causes.append(invalid(f"{mpath}.mountPath", mp, "must be unique"))
        mount_paths.add(mp)
    causes += _resource_requirement_causes(ctr.get("resources") or {}, f"{path}.resources")
    return causes


_STANDARD_RESOURCES = {
    "cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "pods", "services",
    "replicationcontrollers", "resourcequotas", "secrets", "configmaps", "persistentvolumeclaims", "storage",
    "requests.storage", "services.nodeports", "services.loadbalancers", "ephemeral-storage",
    "requests.ephemeral-storage", "limits.ephemeral-storage",
}


def _generic_resource_name_causes(name: str, path: str) -> list[Cause]:
    """validateResourceName: a qualified name, and standard when it has no domain."""
    causes = [invalid(path, GoValue(name), m) for m in is_qualified_name(name)]
    if causes:
        return causes
    if "/" not in name and name not in _STANDARD_RESOURCES and not name.startswith(
            ("hugepages-", "requests.hugepages-", "limits.hugepages-")):
        causes.append(invalid(path, GoValue(name), "must be a standard resource type or fully qualified"))
    return causes


def _resource_name_causes(name: str, path: str) -> list[Cause]:
    causes = _generic_resource_name_causes(name, path)
    if "/" not in name:
        if name not in _STANDARD_CONTAINER_RESOURCES and not name.startswith("hugepages-"):
            causes.append(invalid(path, GoValue(name), "must be a standard resource for containers"))
    return causes


def _resource_requirement_causes(res: dict, path: str) -> list[Cause]:
    causes: list[Cause] = []
    limits = res.get("limits") or {}
    requests = res.get("requests") or {}
    parsed_limits: dict = {}
    for name, qty in limits.items():
        qpath = _key(f"{path}.limits", name)
        causes += _resource_name_causes(name, qpath)
        try:
            value = parse_quantity(qty)
        except ValueError:
            continue  # a decoding error, reported before validation
        parsed_limits[name] = (value, qty)
        if value < 0:
            causes.append(invalid(qpath, format_quantity(qty), NEGATIVE))
    for name, qty in requests.items():
        qpath = _key(f"{path}.requests", name)
        causes += _resource_name_causes(name, qpath)
        try:
            value = parse_quantity(qty)
        except ValueError:
            continue
        if value < 0:
            causes.append(invalid(qpath, format_quantity(qty), NEGATIVE))
        if name in parsed_limits:
            limit, limit_text = parsed_limits[name]
            overcommit = "/" not in name and not name.startswith("hugepages-")
            if value != limit and not overcommit:
                causes.append(invalid(f"{path}.requests", format_quantity(qty),
                                      f"must be equal to {name} limit of {format_quantity(limit_text)}"))
            elif value > limit:
                causes.append(invalid(f"{path}.requests", format_quantity(qty),
                                      f"must be less than or equal to {name} limit of {format_quantity(limit_text)}"))
    return causes


def _pod_template_causes(template: dict | None, path: str) -> list[Cause]:
    if template is None:
        return [required(path)]
    meta = template.get("metadata") or {}
    causes = validate_labels(meta.get("labels"), f"{path}.labels")
    causes += validate_annotations(meta.get("annotations"), f"{path}.annotations")
    causes += _pod_spec_causes(template.get("spec") or {}, f"{path}.spec")
    return causes


# --------------------------------------------------------------------------------------------
# Kinds


def _nonnegative(spec: dict, fields: Iterable[str], path: str) -> list[Cause]:
    causes = []
    for f in fields:
        v = spec.get(f)
        if isinstance(v, int) and not isinstance(v, bool) and v < 0:
            causes.append(invalid(f"{path}.{f}", v, NEGATIVE))
    return causes


def _workload(obj: dict, old: dict | None, kind: str) -> list[Cause]:
    """Deployment, ReplicaSet, StatefulSet, DaemonSet: selector, template, strategy."""
    spec = obj.get("spec") or {}
    causes = _nonnegative(spec, ("replicas", "minReadySeconds"), "spec")
    sel = spec.get("selector")
    if sel is None:
        causes.append(required("spec.selector"))
    else:
        causes += _selector_causes(sel, "spec.selector")
        if _selector_empty(sel):
            causes.append(invalid("spec.selector", _go_label_selector(sel), f"empty selector is invalid for {'deployment' if kind != 'StatefulSet' else 'statefulset'}"))
    template = spec.get("template")
    tpath = "spec.template"
    if template is not None and sel is not None and not _selector_empty(sel):
        labels = (template.get("metadata") or {}).get("labels")
        if not selector_matches(sel, labels):
            causes.append(invalid(f"{tpath}.metadata.labels", _go_map(labels),
                                  "`selector` does not match template `labels`"))
    causes += _pod_template_causes(template, tpath)
    tspec = (template or {}).get("spec") or {}
    policy = tspec.get("restartPolicy") or "Always"
    if template is not None and policy != "Always":
        causes.append(not_supported(f"{tpath}.spec.restartPolicy", policy, ("Always",)))
    if template is not None and tspec.get("activeDeadlineSeconds") is not None and kind in ("Deployment", "ReplicaSet"):
        causes.append(forbidden(f"{tpath}.spec.activeDeadlineSeconds", "activeDeadlineSeconds in ReplicaSet is not Supported"))
    if kind == "Deployment":
        causes += _deployment_strategy(spec.get("strategy") or {})
        if spec.get("revisionHistoryLimit") is not None:
            causes += _nonnegative(spec, ("revisionHistoryLimit",), "spec")
        pds = spec.get("progressDeadlineSeconds")
        if isinstance(pds, int):
            causes += _nonnegative(spec, ("progressDeadlineSeconds",), "spec")
            if pds <= (spec.get("minReadySeconds") or 0):
                causes.append(invalid("spec.progressDeadlineSeconds", pds, "must be greater than minReadySeconds"))
    if old is not None and kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"):
        old_sel = (old.get("spec") or {}).get("selector")
        if _norm(old_sel) != _norm(sel):
            causes.append(invalid("spec.selector", _go_label_selector(sel), IMMUTABLE))
    return causes


def _norm(value: Any) -> Any:
    """Semantic equality helper: empty maps/lists equal absent ones, as in Go's DeepEqual after decode."""
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


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
    return f"apps.DeploymentStrategy{{Type:{_go_quote(str(strategy.get('type', '')))}, RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}}"


def _int_or_percent(value: Any) -> tuple[int, bool]:
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return int(value[:-1]), True
    if isinstance(value, int):
        return value, False
    return 0, False


def _go_int_or_string(value: Any) -> GoValue:
    if isinstance(value, str):
        return GoValue(f'intstr.IntOrString{{Type:1, IntVal:0, StrVal:{_go_quote(value)}}}')
    return GoValue(f"intstr.IntOrString{{Type:0, IntVal:{value}, StrVal:\"\"}}")


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
        causes.append(invalid(f"{base}.maxUnavailable", _go_int_or_string(ru.get("maxUnavailable", 0)), "may not be 0 when `maxSurge` is 0"))
    if mu_pct and mu > 100:
        causes.append(invalid(f"{base}.maxUnavailable", _go_int_or_string(ru.get("maxUnavailable")), "must not be greater than 100%"))
    return causes


def _job_spec(spec: dict, path: str, in_template: bool) -> list[Cause]:
    causes = _nonnegative(spec, ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
                                 "ttlSecondsAfterFinished"), path)
    template = spec.get("template")
    causes += _pod_template_causes(template, f"{path}.template")
    policy = ((template or {}).get("spec") or {}).get("restartPolicy") or ""
    rp_path = f"{path}.template.spec.restartPolicy"
    if policy in ("Always", ""):
        causes.append(required(rp_path, 'valid values: "OnFailure", "Never"'))
    elif policy not in ("OnFailure", "Never"):
        causes.append(not_supported(rp_path, policy, ("OnFailure", "Never")))
    if in_template:
        if spec.get("selector") is not None:
            causes.append(invalid(f"{path}.selector", _go_label_selector(spec["selector"]), "`selector` will be auto-generated"))
        if spec.get("manualSelector") is True:
            causes.append(not_supported(f"{path}.manualSelector", True, ("nil", "false")))
    else:
        sel = spec.get("selector")
        if sel is not None:
            causes += _selector_causes(sel, f"{path}.selector")
            labels = ((template or {}).get("metadata") or {}).get("labels")
            if not selector_matches(sel, labels):
                causes.append(invalid(f"{path}.template.metadata.labels", _go_map(labels),
                                      "`selector` does not match template `labels`"))
    return causes


def _job(obj: dict, old: dict | None) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes = _job_spec(spec, "spec", in_template=False)
    if old is not None:
        old_spec = old.get("spec") or {}
        if _norm(old_spec.get("completions")) != _norm(spec.get("completions")):
            causes.append(invalid("spec.completions", spec.get("completions"), IMMUTABLE))
        if _norm(old_spec.get("selector")) != _norm(spec.get("selector")):
            causes.append(invalid("spec.selector", _go_label_selector(spec.get("selector")), IMMUTABLE))
        if _norm(old_spec.get("template")) != _norm(spec.get("template")):
            causes.append(invalid("spec.template", GoValue("core.PodTemplateSpec{...}"), IMMUTABLE))
    return causes


def _cron_job(obj: dict, old: dict | None) -> list[Cause]:
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
    causes += _nonnegative(spec, ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"), "spec")
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


# -- cron (github.com/robfig/cron/v3 ParseStandard) ------------------------------------------

_MONTHS = {m: i + 1 for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_DAYS = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
_CRON_BOUNDS = ((0, 59, None), (0, 23, None), (1, 31, None), (1, 12, _MONTHS), (0, 6, _DAYS))
_DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_GO_DURATION = re.compile(r"^[-+]?(([0-9]*(\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h))+$")


def parse_cron(spec: str) -> None:
    """Validate a cron schedule like robfig/cron's ParseStandard; raises ValueError(<its message>)."""
    if not spec:
        raise ValueError("empty spec string")
    if spec.startswith("TZ=") or spec.startswith("CRON_TZ="):
        i = spec.find(" ")
        eq = spec.find("=")
        zone = spec[eq + 1:i] if i >= 0 else spec[eq + 1:]
        try:
            import zoneinfo

            zoneinfo.ZoneInfo(zone)
        except Exception as exc:  # noqa: BLE001
            raise ValueError(f"provided bad location {zone}: unknown time zone {zone}") from exc
        spec = spec[i:].strip() if i >= 0 else ""
    if spec.startswith("@"):
        if spec in _DESCRIPTORS:
            return
        if spec.startswith("@every "):
            duration = spec[len("@every "):]
            if not _GO_DURATION.match(duration) or duration in ("", "+", "-"):
                raise ValueError(f'failed to parse duration {spec}: time: invalid duration "{duration}"')
            return
        raise ValueError(f"unrecognized descriptor: {spec}")
    fields = spec.split()
    if len(fields) != 5:
        raise ValueError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    for text, (low, high, names) in zip(fields, _CRON_BOUNDS):
        for expr in [e for e in text.split(",") if e]:
            _cron_range(expr, low, high, names)


def _cron_int(expr: str) -> int:
    if not re.fullmatch(r"[+-]?[0-9]+", expr):
        raise ValueError(f'failed to parse int from {expr}: strconv.Atoi: parsing "{expr}": invalid syntax')
    num = int(expr)
    if num < 0:
        raise ValueError(f"negative number ({num}) not allowed: {expr}")
    return num


def _cron_int_or_name(expr: str, names: dict | None) -> int:
    if names and expr.lower() in names:
        return names[expr.lower()]
    return _cron_int(expr)


def _cron_range(expr: str, low: int, high: int, names: dict | None) -> None:
    range_and_step = expr.split("/")
    low_and_high = range_and_step[0].split("-")
    single = len(low_and_high) == 1
    if low_and_high[0] in ("*", "?"):
        start, end = low, high
    else:
        start = _cron_int_or_name(low_and_high[0], names)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _cron_int_or_name(low_and_high[1], names)
        else:
            raise ValueError(f"too many hyphens: {expr}")
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _cron_int(range_and_step[1])
        if single:
            end = high
    else:
        raise ValueError(f"too many slashes: {expr}")
    if start < low:
        raise ValueError(f"beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise ValueError(f"end of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise ValueError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise ValueError(f"step of range should be a positive number: {expr}")


# -- core kinds ------------------------------------------------------------------------------


def _service(obj: dict, old: dict | None) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes: list[Cause] = []
    stype = spec.get("type") or "ClusterIP"
    types = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
    if stype not in types:
        causes.append(not_supported("spec.type", stype, types))
    cluster_ip = spec.get("clusterIP") or ""
    headless = cluster_ip == "None"
    ports = spec.get("ports") or []
    if not ports and not headless and stype != "ExternalName":
        causes.append(required("spec.ports"))
    names: set = set()
    for i, port in enumerate(ports):
        port = port or {}
        ppath = f"spec.ports[{i}]"
        pname = port.get("name") or ""
        if len(ports) > 1 and not pname:
            causes.append(required(f"{ppath}.name"))
        elif pname:
            causes += [invalid(f"{ppath}.name", pname, m) for m in is_dns1123_label(pname)]
            if pname in names:
                causes.append(duplicate(f"{ppath}.name", pname))
            else:
                names.add(pname)
        number = port.get("port", 0)
        causes += [invalid(f"{ppath}.port", number, m) for m in is_valid_port_num(number)]
        protocol = port.get("protocol") or "TCP"
        if protocol not in _PROTOCOLS:
            causes.append(not_supported(f"{ppath}.protocol", protocol, _PROTOCOLS))
        target = port.get("targetPort", number)
        if target in (None, 0, ""):
            target = number
        if isinstance(target, str):
            causes += [invalid(f"{ppath}.targetPort", target, m) for m in is_valid_port_name(target)]
        else:
            causes += [invalid(f"{ppath}.targetPort", target, m) for m in is_valid_port_num(target)]
        if stype == "ClusterIP" and port.get("nodePort"):
            causes.append(forbidden(f"{ppath}.nodePort", "may not be used when `type` is 'ClusterIP'"))
        elif port.get("nodePort"):
            causes += [invalid(f"{ppath}.nodePort", port["nodePort"], m) for m in is_valid_port_num(port["nodePort"])]
    if stype == "ExternalName":
        ext = spec.get("externalName") or ""
        if not ext:
            causes.append(required("spec.externalName"))
    causes += validate_labels(spec.get("selector"), "spec.selector")
    ips = spec.get("clusterIPs") or ([cluster_ip] if cluster_ip else [])
    for i, ip in enumerate(ips):
        if ip in ("None", "") or stype == "ExternalName":
            continue
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            causes.append(invalid(f"spec.clusterIPs[{i}]", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
    if old is not None:
        old_spec = old.get("spec") or {}
        old_ips = old_spec.get("clusterIPs") or ([old_spec["clusterIP"]] if old_spec.get("clusterIP") else [])
        if stype != "ExternalName" and (old_spec.get("type") or "ClusterIP") != "ExternalName":
            if old_ips and ips and old_ips[0] != ips[0]:
                causes.append(invalid("spec.clusterIPs[0]", _go_strings(ips), "may not change once set"))
    return causes


def _pvc(obj: dict, old: dict | None) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes: list[Cause] = []
    modes = spec.get("accessModes") or []
    supported = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")
    if not modes:
        causes.append(required("spec.accessModes", "at least 1 access mode is required"))
    for mode in modes:
        if mode not in supported:
            causes.append(not_supported("spec.accessModes", mode, supported))
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        causes.append(forbidden("spec.accessModes", "may not use ReadWriteOncePod with other access modes"))
    requests = (spec.get("resources") or {}).get("requests") or {}
    storage = requests.get("storage")
    spath = _key("spec.resources", "storage")
    if storage is None:
        causes.append(required(spath))
    else:
        try:
            if parse_quantity(storage) <= 0:
                causes.append(invalid(spath, format_quantity(storage), "must be greater than zero"))
        except ValueError:
            pass
    sc = spec.get("storageClassName")
    if sc:
        causes += [invalid("spec.storageClassName", sc, m) for m in is_dns1123_subdomain(sc)]
    mode = spec.get("volumeMode")
    if mode is not None and mode not in ("Block", "Filesystem"):
        causes.append(not_supported("spec.volumeMode", mode, ("Block", "Filesystem")))
    if old is not None:
        causes += _pvc_update(obj, old)
    return causes


# Feature gate RecoverVolumeExpansionFailure (beta and on by default in kube 1.32): a claim may be
# shrunk back down towards its recorded capacity, never to it or below ("status.capacity" text).
# With the gate off (1.31 and before) any shrink is refused with "previous value".
RECOVER_VOLUME_EXPANSION_FAILURE = True


def _pvc_update(obj: dict, old: dict) -> list[Cause]:
    causes: list[Cause] = []
    new_spec = dict(obj.get("spec") or {})
    old_spec = dict(old.get("spec") or {})
    bound = ((obj.get("status") or {}).get("phase")) == "Bound"
    if not old_spec.get("volumeName"):
        old_spec["volumeName"] = new_spec.get("volumeName")
    if not old_spec.get("storageClassName") and new_spec.get("storageClassName") and not old_spec.get("volumeName"):
        old_spec["storageClassName"] = new_spec["storageClassName"]
    new_req = ((new_spec.get("resources") or {}).get("requests") or {})
    old_req = ((old_spec.get("resources") or {}).get("requests") or {})
    new_clone = json.loads(json.dumps(new_spec))
    old_clone = json.loads(json.dumps(old_spec))
    if bound:
        new_clone.setdefault("resources", {}).setdefault("requests", {})
        if "storage" in old_req:
            new_clone["resources"]["requests"]["storage"] = old_req["storage"]
        else:
            new_clone["resources"]["requests"].pop("storage", None)
    new_clone.pop("volumeAttributesClassName", None)
    old_clone.pop("volumeAttributesClassName", None)
    if _norm(_quantities_normalised(new_clone)) != _norm(_quantities_normalised(old_clone)):
        causes.append(forbidden("spec", "spec is immutable after creation except resources.requests and "
                                        "volumeAttributesClassName for bound claims"))
    try:
        new_size = parse_quantity(new_req.get("storage", 0))
        old_size = parse_quantity(old_req.get("storage", 0))
        status_size = parse_quantity(((old.get("status") or {}).get("capacity") or {}).get("storage", 0))
    except ValueError:
        return causes
    if new_size < old_size:
        if not RECOVER_VOLUME_EXPANSION_FAILURE:
            causes.append(forbidden("spec.resources.requests.storage", "field can not be less than previous value"))
        elif new_size <= status_size:
            causes.append(forbidden("spec.resources.requests.storage", "field can not be less than status.capacity"))
    return causes


def _quantities_normalised(spec: dict) -> dict:
    res = spec.get("resources")
    if isinstance(res, dict):
        for kind in ("requests", "limits"):
            vals = res.get(kind)
            if isinstance(vals, dict):
                for k, v in list(vals.items()):
                    try:
                        vals[k] = str(parse_quantity(v))
                    except ValueError:
                        pass
    return spec


_MAX_SECRET_SIZE = 1024 * 1024


def _b64_len(value: Any) -> int:
    try:
        return len(base64.b64decode(str(value), validate=False))
    except Exception:  # noqa: BLE001 - decoding errors are reported by check_types
        return len(str(value))


def _secret(obj: dict, old: dict | None) -> list[Cause]:
    causes: list[Cause] = []
    data = dict(obj.get("data") or {})
    for key, value in (obj.get("stringData") or {}).items():
        data[key] = base64.b64encode(str(value).encode()).decode()
    total = 0
    for key, value in data.items():
        causes += [invalid(_key("data", key), key, m) for m in is_config_map_key(key)]
        total += _b64_len(value)
    if total > _MAX_SECRET_SIZE:
        causes.append(too_long("data", _MAX_SECRET_SIZE))
    stype = obj.get("type") or "Opaque"
    if stype == "kubernetes.io/tls":
        for key in ("tls.crt", "tls.key"):
            if key not in data:
                causes.append(required(_key("data", key)))
    elif stype == "kubernetes.io/dockerconfigjson":
        if ".dockerconfigjson" not in data:
            causes.append(required(_key("data", ".dockerconfigjson")))
        else:
            try:
                parsed = json.loads(base64.b64decode(data[".dockerconfigjson"]))
                if not isinstance(parsed, dict):
                    raise ValueError
            except Exception:  # noqa: BLE001
                causes.append(invalid(_key("data", ".dockerconfigjson"), "<secret contents redacted>",
                                      "invalid character looking for beginning of value"))
    elif stype == "kubernetes.io/dockercfg":
        if ".dockercfg" not in data:
            causes.append(required(_key("data", ".dockercfg")))
    elif stype == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            causes.append(required(_key("data", "username")))
            causes.append(required(_key("data", "password")))
    elif stype == "kubernetes.io/ssh-auth":
        if "ssh-privatekey" not in data:
            causes.append(required(_key("data", "ssh-privatekey")))
    elif stype == "kubernetes.io/service-account-token":
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        if not annotations.get("kubernetes.io/service-account.name"):
            causes.append(required("metadata.annotations[kubernetes.io/service-account.name]"))
    if old is not None:
        old_type = old.get("type") or "Opaque"
        if old_type != stype:
            causes.append(invalid("type", stype, IMMUTABLE))
        causes += _immutable_data(obj, old, data, ("data",))
    return causes


def _immutable_data(obj: dict, old: dict, data: dict, fields: tuple) -> list[Cause]:
    causes: list[Cause] = []
    if old.get("immutable") is True:
        if obj.get("immutable") is not True:
            causes.append(forbidden("immutable", "field is immutable when `immutable` is set"))
        for field in fields:
            new_value = data if field == "data" else obj.get(field)
            if _norm(new_value or {}) != _norm(old.get(field) or {}):
                causes.append(forbidden(field, "field is immutable when `immutable` is set"))
    return causes


def _config_map(obj: dict, old: dict | None) -> list[Cause]:
    causes: list[Cause] = []
    data = obj.get("data") or {}
    binary = obj.get("binaryData") or {}
    total = 0
    for key, value in data.items():
        causes += [invalid(_key("data", key), key, m) for m in is_config_map_key(key)]
        if key in binary:
            causes.append(invalid(_key("data", key), key, "duplicate of key present in binaryData"))
        total += len(str(value or "").encode())
    for key, value in binary.items():
        causes += [invalid(_key("binaryData", key), key, m) for m in is_config_map_key(key)]
        if key in data:
            causes.append(invalid(_key("binaryData", key), key, "duplicate of key present in data"))
        total += _b64_len(value)
    if total > _MAX_SECRET_SIZE:
        causes.append(too_long("", _MAX_SECRET_SIZE))
    if old is not None:
        causes += _immutable_data(obj, old, data, ("data", "binaryData"))
    return causes


_STANDARD_QUOTA = {
    "pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps",
    "persistentvolumeclaims", "services.nodeports", "services.loadbalancers", "cpu", "memory",
    "ephemeral-storage", "requests.cpu", "requests.memory", "requests.storage", "requests.ephemeral-storage",
    "limits.cpu", "limits.memory", "limits.ephemeral-storage",
}
_INTEGER_QUOTA = {"pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps",
                  "persistentvolumeclaims", "services.nodeports", "services.loadbalancers"}
_POD_COMPUTE = {"cpu", "memory", "limits.cpu", "limits.memory", "requests.cpu", "requests.memory"}
_QUOTA_SCOPES = ("Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass",
                 "CrossNamespacePodAffinity")


def _standard_quota_name(name: str) -> bool:
    return name in _STANDARD_QUOTA or name.startswith("hugepages-") or name.startswith("requests.hugepages-")


def _scope_valid_for(scope: str, resource: str) -> bool:
    if scope in ("Terminating", "NotTerminating", "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity"):
        return resource == "pods" or resource in _POD_COMPUTE
    if scope == "BestEffort":
        return resource == "pods"
    return True


def _go_quantity(text: Any) -> GoValue:
    """Go's %#v of a resource.Quantity value, as parsed from `text` (int64Amount form)."""
    try:
        value, fmt = _parse(text)
    except ValueError:
        return GoValue(_go_quote(str(text)))
    raw = str(text).strip()
    if fmt == "BinarySI":
        mantissa, scale = int(value), 0
    else:
        sign, digits, exp = value.normalize().as_tuple() if value != 0 else (0, (0,), 0)
        mantissa = int("".join(map(str, digits))) * (-1 if sign else 1)
        scale = exp
        while scale % 3 != 0 and scale > -9:
            mantissa *= 10
            scale -= 1
    cached = raw if format_quantity(raw) == raw else ""
    return GoValue(f"resource.Quantity{{i:resource.int64Amount{{value:{mantissa}, scale:{scale}}}, "
                   f"d:resource.infDecAmount{{Dec:(*inf.Dec)(nil)}}, s:{_go_quote(cached)}, Format:{_go_quote(fmt)}}}")


def _limit_range(obj: dict, old: dict | None) -> list[Cause]:
    causes: list[Cause] = []
    seen_types: set = set()
    for i, limit in enumerate((obj.get("spec") or {}).get("limits") or []):
        limit = limit or {}
        path = f"spec.limits[{i}]"
        ltype = limit.get("type") or ""
        if not ltype:
            causes.append(required(f"{path}.type"))
        if ltype in seen_types:
            causes.append(duplicate(f"{path}.type", ltype))
        seen_types.add(ltype)
        groups: dict[str, dict] = {}
        for group in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
            values = limit.get(group) or {}
            if ltype == "Pod" and group in ("default", "defaultRequest"):
                if values:
                    causes.append(forbidden(f"{path}.{group}", "may not be specified when `type` is 'Pod'"))
                continue
            parsed = {}
            for name, qty in values.items():
                try:
                    parsed[name] = (parse_quantity(qty), qty)
                except ValueError:
                    continue
            groups[group] = parsed
        keys: list[str] = []
        for group in groups.values():
            keys += [k for k in group if k not in keys]

        def q(group, key):
            return groups.get(group, {}).get(key)

        for key in keys:
            mn, mx, df, dr = q("min", key), q("max", key), q("default", key), q("defaultRequest", key)
            if mn and mx and mn[0] > mx[0]:
                causes.append(invalid(_key(f"{path}.min", key), _go_quantity(mn[1]),
                                      f"min value {format_quantity(mn[1])} is greater than max value {format_quantity(mx[1])}"))
            if dr and mn and mn[0] > dr[0]:
                causes.append(invalid(_key(f"{path}.defaultRequest", key), _go_quantity(dr[1]),
                                      f"min value {format_quantity(mn[1])} is greater than default request value {format_quantity(dr[1])}"))
            if dr and mx and dr[0] > mx[0]:
                causes.append(invalid(_key(f"{path}.defaultRequest", key), _go_quantity(dr[1]),
                                      f"default request value {format_quantity(dr[1])} is greater than max value {format_quantity(mx[1])}"))
            if dr and df and dr[0] > df[0]:
                causes.append(invalid(_key(f"{path}.defaultRequest", key), _go_quantity(dr[1]),
                                      f"default request value {format_quantity(dr[1])} is greater than default limit value {format_quantity(df[1])}"))
            if df and mn and mn[0] > df[0]:
                causes.append(invalid(_key(f"{path}.default", key), _go_quantity(mn[1]),
                                      f"min value {format_quantity(mn[1])} is greater than default value {format_quantity(df[1])}"))
            if df and mx and df[0] > mx[0]:
                causes.append(invalid(_key(f"{path}.default", key), _go_quantity(mx[1]),
                                      f"default value {format_quantity(df[1])} is greater than max value {format_quantity(mx[1])}"))
    return causes


def _resource_quota(obj: dict, old: dict | None) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes: list[Cause] = []
    hard = spec.get("hard") or {}
    for name, qty in hard.items():
        rpath = _key("spec.hard", name)
        causes += _generic_resource_name_causes(name, rpath)
        if "/" not in name and not _standard_quota_name(name):
            causes.append(invalid(rpath, GoValue(name), "must be a standard resource for quota"))
        try:
            value = parse_quantity(qty)
        except ValueError:
            continue
        if value < 0:
            causes.append(invalid(rpath, format_quantity(qty), NEGATIVE))
        if name in _INTEGER_QUOTA and value != value.to_integral_value():
            causes.append(invalid(rpath, _go_quantity(qty), "must be an integer"))
    scopes = spec.get("scopes") or []
    if scopes:
        scopes_value = _go_strings(scopes, "[]core.ResourceQuotaScope")
        names = sorted(hard)
        for scope in scopes:
            if scope not in _QUOTA_SCOPES[:5]:
                causes.append(invalid("spec.scopes", scopes_value, "unsupported scope"))
            for name in names:
                if _standard_quota_name(name) and not _scope_valid_for(scope, name):
                    causes.append(invalid("spec.scopes", scopes_value, "unsupported scope applied to resource"))
        for pair in (("BestEffort", "NotBestEffort"), ("Terminating", "NotTerminating")):
            if all(p in scopes for p in pair):
                causes.append(invalid("spec.scopes", scopes_value, "conflicting scopes"))
    selector = spec.get("scopeSelector")
    if selector is not None:
        causes += _scope_selector(selector, sorted(hard))
    return causes


def _scope_selector(selector: dict, names: list[str]) -> list[Cause]:
    causes: list[Cause] = []
    path = "spec.scopeSelector.matchExpressions"
    for req in selector.get("matchExpressions") or []:
        req = req or {}
        scope = req.get("scopeName") or ""
        if scope not in _QUOTA_SCOPES:
            causes.append(invalid(f"{path}.scopeName", scope, "unsupported scope"))
        for name in names:
            if _standard_quota_name(name) and not _scope_valid_for(scope, name):
                causes.append(invalid("spec.scopeSelector", GoValue("core.ScopeSelector{...}"),
                                      "unsupported scope applied to resource"))
        op = req.get("operator")
        values = req.get("values") or []
        if scope in ("BestEffort", "NotBestEffort", "Terminating", "NotTerminating", "CrossNamespacePodAffinity"):
            if op != "Exists":
                causes.append(invalid(f"{path}.operator", op or "", "must be 'Exist' when scope is any of "
                                      "ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, "
                                      "ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or "
                                      "ResourceQuotaScopeCrossNamespacePodAffinity"))
        if op in ("In", "NotIn") and not values:
            causes.append(required(f"{path}.values", "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"))
        elif op in ("Exists", "DoesNotExist") and values:
            causes.append(invalid(f"{path}.values", _go_strings(values), "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"))
        elif op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            causes.append(invalid(f"{path}.operator", op or "", "not a valid selector operator"))
    return causes


_INVALID_PATH_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
_INVALID_PATH_SUFFIXES = ("/..", "/.")


def _ingress(obj: dict, old: dict | None) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes: list[Cause] = []
    rules = spec.get("rules") or []
    default = spec.get("defaultBackend")
    if not rules and default is None:
        causes.append(invalid("spec", _go_rules(spec.get("rules")), "either `defaultBackend` or `rules` must be specified"))
    if default is not None:
        causes += _ingress_backend(default, "spec.defaultBackend")
    for i, rule in enumerate(rules):
        rule = rule or {}
        rpath = f"spec.rules[{i}]"
        host = rule.get("host") or ""
        if host:
            if _is_ip(host):
                causes.append(invalid(f"{rpath}.host", host, "must be a DNS name, not an IP address"))
            if "*" in host:
                causes += [invalid(f"{rpath}.host", host, m) for m in is_wildcard_dns1123_subdomain(host)]
            else:
                causes += [invalid(f"{rpath}.host", host, m) for m in is_dns1123_subdomain(host)]
        http = rule.get("http")
        if http is not None:
            paths = http.get("paths") or []
            if not paths:
                causes.append(required(f"{rpath}.http.paths"))
            for j, p in enumerate(paths):
                causes += _ingress_path(p or {}, f"{rpath}.http.paths[{j}]")
    for i, tls in enumerate(spec.get("tls") or []):
        tls = tls or {}
        for j, host in enumerate(tls.get("hosts") or []):
            hpath = f"spec.tls[{i}].hosts[{j}]"
            if "*" in host:
                causes += [invalid(hpath, host, m) for m in is_wildcard_dns1123_subdomain(host)]
            else:
                causes += [invalid(hpath, host, m) for m in is_dns1123_subdomain(host)]
        secret = tls.get("secretName") or ""
        if secret:
            causes += [invalid(f"spec.tls[{i}].secretName", secret, m) for m in NAME_IS_DNS_SUBDOMAIN(secret, False)]
    cls = spec.get("ingressClassName")
    if cls is not None:
        causes += [invalid("spec.ingressClassName", cls, m) for m in NAME_IS_DNS_SUBDOMAIN(cls, False)]
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if "kubernetes.io/ingress.class" in annotations and cls is not None:
        causes.append(invalid("annotations.kubernetes.io/ingress.class", annotations["kubernetes.io/ingress.class"],
                              "can not be set when the class field is also set"))
    return causes


def _go_rules(rules: Any) -> GoValue:
    return GoValue("[]networking.IngressRule(nil)" if not rules else "[]networking.IngressRule{...}")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def _ingress_path(p: dict, path: str) -> list[Cause]:
    causes: list[Cause] = []
    ptype = p.get("pathType")
    value = p.get("path") or ""
    if ptype is None:
        return [required(f"{path}.pathType", "pathType must be specified")]
    if ptype in ("Exact", "Prefix"):
        if not value.startswith("/"):
            causes.append(invalid(f"{path}.path", value, "must be an absolute path"))
        if value:
            for seq in _INVALID_PATH_SEQUENCES:
                if seq in value:
                    causes.append(invalid(f"{path}.path", value, f"must not contain '{seq}'"))
            for suffix in _INVALID_PATH_SUFFIXES:
                if value.endswith(suffix):
                    causes.append(invalid(f"{path}.path", value, f"cannot end with '{suffix}'"))
    elif ptype == "ImplementationSpecific":
        if value and not value.startswith("/"):
            causes.append(invalid(f"{path}.path", value, "must be an absolute path"))
    else:
        causes.append(not_supported(f"{path}.pathType", ptype, ("Exact", "ImplementationSpecific", "Prefix")))
    causes += _ingress_backend(p.get("backend") or {}, f"{path}.backend")
    return causes


def _ingress_backend(backend: dict, path: str) -> list[Cause]:
    causes: list[Cause] = []
    resource, service = backend.get("resource"), backend.get("service")
    if resource is not None and service is not None:
        return [invalid(path, "", "cannot set both resource and service backends")]
    if resource is not None:
        if not resource.get("kind"):
            causes.append(required(f"{path}.resource.kind", "kind is required"))
        if not resource.get("name"):
            causes.append(required(f"{path}.resource.name", "name is required"))
        return causes
    if service is None:
        return [invalid(path, "", "resource or service backend is required")]
    name = service.get("name") or ""
    if not name:
        causes.append(required(f"{path}.service.name"))
    else:
        causes += [invalid(f"{path}.service.name", name, m) for m in NAME_IS_DNS1035_LABEL(name, False)]
    port = service.get("port") or {}
    pname, pnum = port.get("name") or "", port.get("number") or 0
    if pname and pnum:
        causes.append(invalid(path, "", "cannot set both port name & port number"))
    elif pname:
        causes += [invalid(f"{path}.service.port.name", pname, m) for m in is_valid_port_name(pname)]
    elif pnum:
        causes += [invalid(f"{path}.service.port.number", pnum, m) for m in is_valid_port_num(pnum)]
    else:
        causes.append(required(path, "port name or number is required"))
    return causes


def _namespace(obj: dict, old: dict | None) -> list[Cause]:
    causes: list[Cause] = []
    for i, fin in enumerate((obj.get("spec") or {}).get("finalizers") or []):
        if "/" not in fin and fin != "kubernetes":
            causes.append(invalid(f"spec.finalizers[{i}]", fin, "name is neither a standard finalizer name nor is it fully qualified"))
    return causes


def _crd(obj: dict, old: dict | None) -> list[Cause]:
    spec = obj.get("spec") or {}
    names = spec.get("names") or {}
    expected = f"{names.get('plural', '')}.{spec.get('group', '')}"
    name = (obj.get("metadata") or {}).get("name") or ""
    if name and name != expected:
        return [invalid("metadata.name", name, 'must be spec.names.plural+"."+spec.group')]
    return []


def _pod(obj: dict, old: dict | None) -> list[Cause]:
    return _pod_spec_causes(obj.get("spec") or {}, "spec")


_VALIDATORS = {
    ("", "Service"): _service,
    ("", "PersistentVolumeClaim"): _pvc,
    ("", "Secret"): _secret,
    ("", "ConfigMap"): _config_map,
    ("", "ResourceQuota"): _resource_quota,
    ("", "Namespace"): _namespace,
    ("", "Pod"): _pod,
    ("", "LimitRange"): _limit_range,
    ("apps", "Deployment"): lambda o, old: _workload(o, old, "Deployment"),
    ("apps", "ReplicaSet"): lambda o, old: _workload(o, old, "ReplicaSet"),
    ("apps", "StatefulSet"): lambda o, old: _workload(o, old, "StatefulSet"),
    ("apps", "DaemonSet"): lambda o, old: _workload(o, old, "DaemonSet"),
    ("batch", "Job"): _job,
    ("batch", "CronJob"): _cron_job,
    ("networking.k8s.io", "Ingress"): _ingress,
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _crd,
}


def validate(rtype, obj: dict, old: dict | None) -> list[Cause]:
    """Semantic validation of `obj` (after defaulting) as kube-apiserver 1.32 would do it."""
    group = getattr(rtype, "group", "") or ""
    kind = getattr(rtype, "kind", "") or ""
    namespaced = bool(getattr(rtype, "namespaced", True))
    meta = obj.get("metadata") or {}
    causes = _meta_causes(meta, namespaced, _name_function(group, kind))
    if old is not None:
        causes += _meta_update_causes(meta, old.get("metadata") or {})
    fn = _VALIDATORS.get((group, kind))
    if fn is not None:
        causes += fn(obj, old)
    return causes


def _meta_update_causes(meta: dict, old_meta: dict) -> list[Cause]:
    causes: list[Cause] = []
    for field in ("name", "namespace", "uid", "creationTimestamp"):
        if old_meta.get(field) and meta.get(field) and meta.get(field) != old_meta.get(field):
            causes.append(invalid(f"metadata.{field}", meta.get(field), IMMUTABLE))
    if old_meta.get("deletionTimestamp"):
        new_fin = set(meta.get("finalizers") or []) - set(old_meta.get("finalizers") or [])
        if new_fin:
            causes.append(forbidden("metadata.finalizers", "no new finalizers can be added if the object is being "
                                    f"deleted, found new finalizers {_go_strings(sorted(new_fin)).text}"))
    return causes


def aggregate_message(causes: list[Cause]) -> str:
    """The text after `<Kind> "<name>" is invalid: ` as the real server builds it.

    `field.ErrorList.ToAggregate()` drops repeated messages (causes keep them): one error is
    printed bare, several as `[a, b]`.
    """
    seen: list[str] = []
    for c in causes:
        text = f"{c.field}: {c.message}" if c.field else c.message
        if text not in seen:
            seen.append(text)
    return seen[0] if len(seen) == 1 else "[" + ", ".join(seen) + "]"
