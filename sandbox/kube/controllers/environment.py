"""A container's environment, as the kubelet builds it, and Kubernetes `$(VAR)` expansion.

Order (kubelet `makeEnvironmentVariables`): `envFrom` sources in order (configMapRef / secretRef,
with `prefix`; keys that are not valid variable names are skipped), then `env` entries in order,
each overriding what came before. `value` may reference earlier variables as `$(NAME)`;
`valueFrom` reads `configMapKeyRef` / `secretKeyRef` (with `optional`), `fieldRef`
(metadata.name/namespace/uid/labels['k']/annotations['k'], spec.nodeName, spec.serviceAccountName,
status.hostIP/podIP) and `resourceFieldRef`. A missing non-optional source is the kubelet's
CreateContainerConfigError with its message (`secret "db" not found`, `couldn't find key password
in Secret t1/db`); the container waits until it appears.
"""

from __future__ import annotations

import base64
import math
import os
import re

from . import base
from ..models.quantity import Quantity

HOST_IP = "127.0.0.1"
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
_FIELD_INDEX = re.compile(r"^metadata\.(labels|annotations)\['(.*)'\]$")


class ConfigError(Exception):
    """CreateContainerConfigError: a referenced ConfigMap/Secret/key is missing."""


# -- expansion ----------------------------------------------------------------------------------


def expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes expansion: `$(VAR)` -> value if defined (else kept), `$$` -> `$`."""
    out = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch != "$" or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "(":
            close = text.find(")", i + 2)
            if close < 0:
                out.append("$(")
                i += 2
            else:
                name = text[i + 2:close]
                out.append(env[name] if name in env else f"$({name})")
                i = close + 1
        else:
            out.append("$" + nxt)
            i += 2
    return "".join(out)


# -- sources ------------------------------------------------------------------------------------


def _decoded(secret: dict) -> dict[str, str]:
    out = {}
    for key, value in (secret.get("data") or {}).items():
        try:
            out[key] = base64.b64decode(value or "").decode("utf-8", errors="replace")
        except (ValueError, TypeError):
            out[key] = ""
    for key, value in (secret.get("stringData") or {}).items():
        out[key] = str(value)
    return out


def config_map_data(cm: dict) -> dict[str, str]:
    out = {k: str(v) for k, v in (cm.get("data") or {}).items()}
    for key, value in (cm.get("binaryData") or {}).items():
        try:
            out[key] = base64.b64decode(value or "").decode("utf-8", errors="replace")
        except (ValueError, TypeError):
            out[key] = ""
    return out


def secret_data(secret: dict) -> dict[str, str]:
    return _decoded(secret)


def _source(cluster, namespace: str, kind: str, name: str, optional: bool) -> dict[str, str] | None:
    with cluster.lock:
        obj = cluster.get("v1", kind, namespace, name)
    if obj is None:
        if optional:
            return None
        raise ConfigError(f'{kind.lower()} "{name}" not found')
    return config_map_data(obj) if kind == "ConfigMap" else secret_data(obj)


def _field_value(pod: dict, path: str) -> str:
    meta = base.meta(pod)
    spec = pod.get("spec") or {}
    simple = {
        "metadata.name": meta.get("name", ""),
        "metadata.namespace": meta.get("namespace", ""),
        "metadata.uid": meta.get("uid", ""),
        "spec.nodeName": spec.get("nodeName", ""),
        "spec.serviceAccountName": spec.get("serviceAccountName", "default"),
        "status.hostIP": HOST_IP,
        "status.hostIPs": HOST_IP,
        "status.podIP": HOST_IP,
        "status.podIPs": HOST_IP,
    }
    if path in simple:
        return simple[path]
    match = _FIELD_INDEX.match(path)
    if match:
        return (meta.get(match.group(1)) or {}).get(match.group(2), "")
    if path in ("metadata.labels", "metadata.annotations"):
        values = meta.get(path.split(".")[1]) or {}
        return "\n".join(f'{k}="{v}"' for k, v in sorted(values.items()))
    raise ConfigError(f"unsupported fieldRef fieldPath {path!r}")


def _node_capacity(resource: str) -> Quantity:
    if resource.endswith("cpu"):
        return Quantity.parse(str(os.cpu_count() or 1))
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        pages = 1 << 32
    return Quantity.parse(str(pages))


def _resource_value(container: dict, ref: dict) -> str:
    resource = ref.get("resource") or ""
    section, _, name = resource.partition(".")
    resources = container.get("resources") or {}
    raw = (resources.get(section) or {}).get(name)
    if raw is None and section == "requests":
        raw = (resources.get("limits") or {}).get(name)
    value = Quantity.parse(raw) if raw is not None else _node_capacity(name)
    divisor = Quantity.parse(ref.get("divisor") or "1")
    if divisor.value == 0:
        divisor = Quantity.parse("1")
    return str(math.ceil(value.value / divisor.value))


def container_env(cluster, pod: dict, container: dict) -> dict[str, str]:
    """The variables the container sees (raises ConfigError like the kubelet would)."""
    namespace = base.namespace_of(pod) or "default"
    env: dict[str, str] = {}
    for source in container.get("envFrom") or ():
        prefix = source.get("prefix") or ""
        if "configMapRef" in source:
            ref = source["configMapRef"] or {}
            data = _source(cluster, namespace, "ConfigMap", ref.get("name", ""), bool(ref.get("optional")))
        elif "secretRef" in source:
            ref = source["secretRef"] or {}
            data = _source(cluster, namespace, "Secret", ref.get("name", ""), bool(ref.get("optional")))
        else:
            continue
        for key, value in (data or {}).items():
            if _ENV_NAME.match(prefix + key):
                env[prefix + key] = value
    for var in container.get("env") or ():
        name = var.get("name")
        if not name:
            continue
        if "valueFrom" not in var:
            env[name] = expand(str(var.get("value", "")), env)
            continue
        value_from = var["valueFrom"] or {}
        if "configMapKeyRef" in value_from or "secretKeyRef" in value_from:
            kind = "ConfigMap" if "configMapKeyRef" in value_from else "Secret"
            ref = value_from.get("configMapKeyRef") or value_from.get("secretKeyRef") or {}
            optional = bool(ref.get("optional"))
            data = _source(cluster, namespace, kind, ref.get("name", ""), optional)
            if data is None:
                continue
            key = ref.get("key", "")
            if key not in data:
                if optional:
                    continue
                raise ConfigError(f"couldn't find key {key} in {kind} {namespace}/{ref.get('name', '')}")
            env[name] = data[key]
        elif "fieldRef" in value_from:
            env[name] = _field_value(pod, (value_from["fieldRef"] or {}).get("fieldPath", ""))
        elif "resourceFieldRef" in value_from:
            env[name] = _resource_value(container, value_from["resourceFieldRef"] or {})
    return env


def command_line(container: dict, env: dict[str, str], entrypoint: list[str] | None = None) -> list[str]:
    """argv: `command` (or the image entrypoint) + `args`, each expanded against `env`."""
    command = container.get("command")
    args = container.get("args") or []
    argv = list(command) if command else list(entrypoint or [])
    argv += list(args)
    return [expand(str(part), env) for part in argv]
