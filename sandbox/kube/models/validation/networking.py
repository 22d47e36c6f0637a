"""Validators of the networking.k8s.io API group: Ingress (rules, hosts, paths, backends, TLS, class)."""

from __future__ import annotations

import ipaddress
from typing import Any

from ..goformat import GoValue
from ..names import (
    NAME_IS_DNS1035_LABEL, NAME_IS_DNS_SUBDOMAIN, is_dns1123_subdomain, is_valid_port_name,
    is_valid_port_num, is_wildcard_dns1123_subdomain,
)
from .field import Cause, invalid, not_supported, required

_INVALID_PATH_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
_INVALID_PATH_SUFFIXES = ("/..", "/.")


def validate_ingress(obj: dict, old: dict | None) -> list[Cause]:
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
