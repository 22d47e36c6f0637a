"""Validators of the apiextensions.k8s.io API group: CustomResourceDefinition (its name)."""

from __future__ import annotations

from .field import Cause, invalid

def validate_crd(obj: dict, old: dict | None) -> list[Cause]:
    spec = obj.get("spec") or {}
    names = spec.get("names") or {}
    expected = f"{names.get('plural', '')}.{spec.get('group', '')}"
    name = (obj.get("metadata") or {}).get("name") or ""
    if name and name != expected:
        return [invalid("metadata.name", name, 'must be spec.names.plural+"."+spec.group')]
    return []
