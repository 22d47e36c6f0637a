"""Validators of the core API group's kinds other than Pod: Service, PersistentVolumeClaim, Secret,
ConfigMap, ResourceQuota (scopes, scope selectors), LimitRange and Namespace.
"""

from __future__ import annotations

import base64
import ipaddress
import json
from typing import Any

from ..goformat import GoValue, go_quantity, go_strings
from ..names import (
    is_config_map_key, is_dns1123_label, is_dns1123_subdomain, is_valid_port_name, is_valid_port_num,
)
from ..quantity import format_quantity, parse_quantity
from .field import (
    IMMUTABLE, NEGATIVE, Cause, duplicate, forbidden, invalid, key_path, norm, not_supported, required,
    too_long,
)
from .meta import validate_labels
from .pods import PROTOCOLS, generic_resource_name_causes

def validate_service(obj: dict, old: dict | None) -> list[Cause]:
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
        if protocol not in PROTOCOLS:
            causes.append(not_supported(f"{ppath}.protocol", protocol, PROTOCOLS))
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
                causes.append(invalid("spec.clusterIPs[0]", go_strings(ips), "may not change once set"))
    return causes


def validate_pvc(obj: dict, old: dict | None) -> list[Cause]:
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
    spath = key_path("spec.resources", "storage")
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
    if norm(_quantities_normalised(new_clone)) != norm(_quantities_normalised(old_clone)):
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


def validate_secret(obj: dict, old: dict | None) -> list[Cause]:
    causes: list[Cause] = []
    data = dict(obj.get("data") or {})
    for key, value in (obj.get("stringData") or {}).items():
        data[key] = base64.b64encode(str(value).encode()).decode()
    total = 0
    for key, value in data.items():
        causes += [invalid(key_path("data", key), key, m) for m in is_config_map_key(key)]
        total += _b64_len(value)
    if total > _MAX_SECRET_SIZE:
        causes.append(too_long("data", _MAX_SECRET_SIZE))
    stype = obj.get("type") or "Opaque"
    if stype == "kubernetes.io/tls":
        for key in ("tls.crt", "tls.key"):
            if key not in data:
                causes.append(required(key_path("data", key)))
    elif stype == "kubernetes.io/dockerconfigjson":
        if ".dockerconfigjson" not in data:
            causes.append(required(key_path("data", ".dockerconfigjson")))
        else:
            try:
                parsed = json.loads(base64.b64decode(data[".dockerconfigjson"]))
                if not isinstance(parsed, dict):
                    raise ValueError
            except Exception:  # noqa: BLE001
                causes.append(invalid(key_path("data", ".dockerconfigjson"), "<secret contents redacted>",
                                      "invalid character looking for beginning of value"))
    elif stype == "kubernetes.io/dockercfg":
        if ".dockercfg" not in data:
            causes.append(required(key_path("data", ".dockercfg")))
    elif stype == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            causes.append(required(key_path("data", "username")))
            causes.append(required(key_path("data", "password")))
    elif stype == "kubernetes.io/ssh-auth":
        if "ssh-privatekey" not in data:
            causes.append(required(key_path("data", "ssh-privatekey")))
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
            if norm(new_value or {}) != norm(old.get(field) or {}):
                causes.append(forbidden(field, "field is immutable when `immutable` is set"))
    return causes


def validate_config_map(obj: dict, old: dict | None) -> list[Cause]:
    causes: list[Cause] = []
    data = obj.get("data") or {}
    binary = obj.get("binaryData") or {}
    total = 0
    for key, value in data.items():
        causes += [invalid(key_path("data", key), key, m) for m in is_config_map_key(key)]
        if key in binary:
            causes.append(invalid(key_path("data", key), key, "duplicate of key present in binaryData"))
        total += len(str(value or "").encode())
    for key, value in binary.items():
        causes += [invalid(key_path("binaryData", key), key, m) for m in is_config_map_key(key)]
        if key in data:
            causes.append(invalid(key_path("binaryData", key), key, "duplicate of key present in data"))
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


# LimitRange orderings, checked in this order: (lower group, higher group, group of the cause's
# field, group whose quantity the cause shows, message).
_LIMIT_ORDER = (
    ("min", "max", "min", "min", "min value {} is greater than max value {}"),
    ("min", "defaultRequest", "defaultRequest", "defaultRequest", "min value {} is greater than default request value {}"),
    ("defaultRequest", "max", "defaultRequest", "defaultRequest", "default request value {} is greater than max value {}"),
    ("defaultRequest", "default", "defaultRequest", "defaultRequest",
     "default request value {} is greater than default limit value {}"),
    ("min", "default", "default", "min", "min value {} is greater than default value {}"),
    ("default", "max", "default", "max", "default value {} is greater than max value {}"),
)


def validate_limit_range(obj: dict, old: dict | None) -> list[Cause]:
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
            for low, high, field, shown, text in _LIMIT_ORDER:
                a, b = q(low, key), q(high, key)
                if a and b and a[0] > b[0]:
                    causes.append(invalid(key_path(f"{path}.{field}", key), go_quantity(q(shown, key)[1]),
                                          text.format(format_quantity(a[1]), format_quantity(b[1]))))
    return causes


def validate_resource_quota(obj: dict, old: dict | None) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes: list[Cause] = []
    hard = spec.get("hard") or {}
    for name, qty in hard.items():
        rpath = key_path("spec.hard", name)
        causes += generic_resource_name_causes(name, rpath)
        if "/" not in name and not _standard_quota_name(name):
            causes.append(invalid(rpath, GoValue(name), "must be a standard resource for quota"))
        try:
            value = parse_quantity(qty)
        except ValueError:
            continue
        if value < 0:
            causes.append(invalid(rpath, format_quantity(qty), NEGATIVE))
        if name in _INTEGER_QUOTA and value != value.to_integral_value():
            causes.append(invalid(rpath, go_quantity(qty), "must be an integer"))
    scopes = spec.get("scopes") or []
    if scopes:
        scopes_value = go_strings(scopes, "[]core.ResourceQuotaScope")
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
            causes.append(invalid(f"{path}.values", go_strings(values), "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"))
        elif op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            causes.append(invalid(f"{path}.operator", op or "", "not a valid selector operator"))
    return causes


def validate_namespace(obj: dict, old: dict | None) -> list[Cause]:
    causes: list[Cause] = []
    for i, fin in enumerate((obj.get("spec") or {}).get("finalizers") or []):
        if "/" not in fin and fin != "kubernetes":
            causes.append(invalid(f"spec.finalizers[{i}]", fin, "name is neither a standard finalizer name nor is it fully qualified"))
    return causes
