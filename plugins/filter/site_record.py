"""Filters that turn a tenant Namespace into the site record and back.

The site record is the tenant Namespace (DESIGN.md §2): labels say who manages it, which slug it
is and its state; annotations hold the settings. Every playbook reads the record with
`site_record` and writes it with `site_record_annotations`, so the encoding lives only here.
"""

from __future__ import annotations

from decimal import Decimal

PREFIX = "tenant-provisioner.io/"
MANAGED_BY = "tenant-provisioner"

# record key -> (annotation name, type). The order is the order of the annotations.
FIELDS: dict[str, tuple[str, str]] = {
    "domain": ("domain", "str"),
    "cpu": ("cpu", "number"),
    "ramGi": ("ram-gi", "number"),
    "diskGi": ("disk-gi", "int"),
    "image": ("image", "str"),
    "containerPort": ("container-port", "int"),
    "tlsEnabled": ("tls-enabled", "bool"),
    "tlsIssuer": ("tls-issuer", "str"),
    "dbEnabled": ("db-enabled", "bool"),
    "dbName": ("db-name", "str"),
    "dbUser": ("db-user", "str"),
    "mailEnabled": ("mail-enabled", "bool"),
    "mailDomain": ("mail-domain", "str"),
    "backupEnabled": ("backup-enabled", "bool"),
    "backupRetentionDays": ("backup-retention-days", "int"),
    "backupSchedule": ("backup-schedule", "str"),
    "backupRepository": ("backup-repository", "str"),
}

DEFAULTS = {
    "image": None,
    "containerPort": None,
    "tlsEnabled": False,
    "tlsIssuer": None,
    "dbEnabled": False,
    "dbName": None,
    "dbUser": None,
    "mailEnabled": False,
    "mailDomain": None,
    "backupEnabled": False,
    "backupRetentionDays": None,
    "backupSchedule": None,
    "backupRepository": None,
}


def _number(text: str) -> int | float:
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


def _decode(text: str, kind: str):
    if kind == "bool":
        return text == "true"
    if kind == "int":
        return int(text)
    if kind == "number":
        return _number(text)
    return text


def _encode(value, kind: str) -> str:
    if kind == "bool":
        return "true" if value else "false"
    if kind == "number":
        return format(Decimal(str(value)).normalize(), "f")
    return str(value)


def site_record(namespace: dict) -> dict:
    """Namespace object -> site record (API field names, typed values)."""
    meta = namespace.get("metadata") or {}
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    record = {
        "slug": labels.get(PREFIX + "slug", ""),
        "namespace": meta.get("name", ""),
        "state": labels.get(PREFIX + "state", ""),
        **DEFAULTS,
    }
    for key, (name, kind) in FIELDS.items():
        text = annotations.get(PREFIX + name)
        if text is not None and text != "":
            record[key] = _decode(text, kind)
    return record


def site_record_annotations(record: dict) -> dict:
    """Site record -> the Namespace's annotations (strings; unset fields left out)."""
    out = {}
    for key, (name, kind) in FIELDS.items():
        value = record.get(key)
        if value is None or value == "":
            continue
        out[PREFIX + name] = _encode(value, kind)
    return out


def site_record_labels(record: dict) -> dict:
    """Site record -> the Namespace's labels."""
    return {
        "app.kubernetes.io/managed-by": MANAGED_BY,
        PREFIX + "slug": record["slug"],
        PREFIX + "state": record.get("state") or "active",
    }


def cpu_quantity(cpu) -> str:
    """CPU cores (1, 0.5, 2.25) -> the canonical Kubernetes quantity ("1", "500m", "2250m").

    Canonical forms matter: the API server stores quantities canonically, so writing "1000m"
    would read back as "1" and look like drift on every run.
    """
    millis = int((Decimal(str(cpu)) * 1000).to_integral_value())
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def gi_quantity(gi) -> str:
    """GiB (2, 0.5) -> the canonical Kubernetes quantity ("2Gi", "512Mi")."""
    mebis = int((Decimal(str(gi)) * 1024).to_integral_value())
    return f"{mebis // 1024}Gi" if mebis % 1024 == 0 else f"{mebis}Mi"


def _ready(deployment: dict | None) -> bool:
    return bool(deployment and ((deployment.get("status") or {}).get("availableReplicas") or 0) >= 1)


def site_summaries(records: list[dict], deployments: list[dict]) -> list[dict]:
    """Site records + the sites' Deployments (one list each) -> the GET /sites body, sorted by slug."""
    by_namespace = {d["metadata"]["namespace"]: d for d in deployments}
    out = []
    for record in sorted(records, key=lambda r: r["slug"]):
        out.append({
            "slug": record["slug"],
            "namespace": record["namespace"],
            "ready": _ready(by_namespace.get(record["namespace"])),
            "domain": record.get("domain"),
            "image": record.get("image"),
            "containerPort": record.get("containerPort"),
            "tlsEnabled": bool(record.get("tlsEnabled")),
            "tlsIssuer": record.get("tlsIssuer"),
            "dbEnabled": bool(record.get("dbEnabled")),
            "mailEnabled": bool(record.get("mailEnabled")),
            "backupEnabled": bool(record.get("backupEnabled")),
        })
    return out


class FilterModule:
    def filters(self):
        return {
            "site_record": site_record,
            "site_record_annotations": site_record_annotations,
            "site_record_labels": site_record_labels,
            "cpu_quantity": cpu_quantity,
            "gi_quantity": gi_quantity,
            "site_summaries": site_summaries,
        }
