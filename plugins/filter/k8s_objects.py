"""Filters that make references to Kubernetes objects, for deletions by name."""

from __future__ import annotations


def tenant_object_stub(spec: dict, namespace: str | None = None) -> dict:
    """{api_version, kind, name} -> the minimal definition naming it in `namespace`."""
    ref = {"apiVersion": spec["api_version"], "kind": spec["kind"], "metadata": {"name": spec["name"]}}
    if namespace:
        ref["metadata"]["namespace"] = namespace
    return ref


def tenant_tls_refs(secret_name: str, namespace: str) -> list[dict]:
    """The cert-manager Certificate and the TLS Secret of that name, as definitions naming them."""
    meta = {"name": secret_name, "namespace": namespace}
    return [
        {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": dict(meta)},
        {"apiVersion": "v1", "kind": "Secret", "metadata": dict(meta)},
    ]


class FilterModule:
    def filters(self):
        return {
            "tenant_object_stub": tenant_object_stub,
            "tenant_tls_refs": tenant_tls_refs,
        }
