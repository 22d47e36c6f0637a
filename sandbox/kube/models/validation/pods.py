"""Validation of pod specs and pod templates (core/validation: ValidatePodSpec, ValidatePodTemplateSpec).

Containers and init containers (names, image, ports, env, envFrom, volume mounts, resources with
requests <= limits), volumes (one source each, unique names), restartPolicy and the deadline
fields. `pod_template_causes` serves the workload, Job and CronJob validators; `validate_pod`
is the Pod kind's validator.
"""

from __future__ import annotations

from ..goformat import GoValue
from ..names import is_dns1123_label, is_qualified_name, is_valid_port_name, is_valid_port_num
from ..quantity import format_quantity, parse_quantity
from .field import NEGATIVE, Cause, duplicate, forbidden, invalid, key_path, not_found, not_supported, required
from .meta import validate_annotations, validate_labels

PROTOCOLS = ("SCTP", "TCP", "UDP")
_VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
    "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
    "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
    "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
)
_STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")


def pod_spec_causes(spec: dict, path: str) -> list[Cause]:
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
        if protocol not in PROTOCOLS:
            causes.append(not_supported(f"{ppath}.protocol", protocol, PROTOCOLS))
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


def generic_resource_name_causes(name: str, path: str) -> list[Cause]:
    """validateResourceName: a qualified name, and standard when it has no domain."""
    causes = [invalid(path, GoValue(name), m) for m in is_qualified_name(name)]
    if causes:
        return causes
    if "/" not in name and name not in _STANDARD_RESOURCES and not name.startswith(
            ("hugepages-", "requests.hugepages-", "limits.hugepages-")):
        causes.append(invalid(path, GoValue(name), "must be a standard resource type or fully qualified"))
    return causes


def _resource_name_causes(name: str, path: str) -> list[Cause]:
    causes = generic_resource_name_causes(name, path)
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
        qpath = key_path(f"{path}.limits", name)
        causes += _resource_name_causes(name, qpath)
        try:
            value = parse_quantity(qty)
        except ValueError:
            continue  # a decoding error, reported before validation
        parsed_limits[name] = (value, qty)
        if value < 0:
            causes.append(invalid(qpath, format_quantity(qty), NEGATIVE))
    for name, qty in requests.items():
        qpath = key_path(f"{path}.requests", name)
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


def pod_template_causes(template: dict | None, path: str) -> list[Cause]:
    if template is None:
        return [required(path)]
    meta = template.get("metadata") or {}
    causes = validate_labels(meta.get("labels"), f"{path}.labels")
    causes += validate_annotations(meta.get("annotations"), f"{path}.annotations")
    causes += pod_spec_causes(template.get("spec") or {}, f"{path}.spec")
    return causes


def validate_pod(obj: dict, old: dict | None) -> list[Cause]:
    return pod_spec_causes(obj.get("spec") or {}, "spec")
