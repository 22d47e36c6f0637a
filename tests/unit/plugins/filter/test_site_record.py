"""The site record encoding: Namespace <-> record, and quantities in canonical form."""

import pytest

from plugins.filter.site_record import (
    cpu_quantity,
    gi_quantity,
    site_record,
    site_record_annotations,
    site_record_labels,
    site_summaries,
)

RECORD = {
    "slug": "app-example-com",
    "namespace": "tenant-app-example-com",
    "state": "active",
    "domain": "app.example.com",
    "cpu": 0.5,
    "ramGi": 2,
    "diskGi": 10,
    "image": "ghcr.io/org/app:1",
    "containerPort": 3000,
    "tlsEnabled": True,
    "tlsIssuer": "letsencrypt-prod",
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


def _namespace(record):
    return {
        "metadata": {
            "name": record["namespace"],
            "labels": site_record_labels(record),
            "annotations": site_record_annotations(record),
        }
    }


def test_record_survives_namespace_round_trip():
    assert site_record(_namespace(RECORD)) == RECORD


def test_unset_fields_are_left_out_of_annotations():
    annotations = site_record_annotations(RECORD)
    assert "tenant-provisioner.io/db-name" not in annotations
    assert annotations["tenant-provisioner.io/cpu"] == "0.5"
    assert annotations["tenant-provisioner.io/tls-enabled"] == "true"


def test_template_syntax_in_values_is_kept_verbatim():
    record = {**RECORD, "image": "{{ lookup('pipe', 'id') }}"}
    assert site_record(_namespace(record))["image"] == "{{ lookup('pipe', 'id') }}"


@pytest.mark.parametrize(("cores", "quantity"), [(1, "1"), (1.0, "1"), (0.5, "500m"), (2.25, "2250m"), (0.001, "1m")])
def test_cpu_quantity_is_canonical(cores, quantity):
    assert cpu_quantity(cores) == quantity


@pytest.mark.parametrize(("gi", "quantity"), [(2, "2Gi"), (0.5, "512Mi"), (1.5, "1536Mi"), (32, "32Gi")])
def test_memory_quantity_is_canonical(gi, quantity):
    assert gi_quantity(gi) == quantity


def test_summaries_are_sorted_and_ready_follows_available_replicas():
    b = {**RECORD, "slug": "b-com", "namespace": "tenant-b-com", "image": None, "containerPort": None}
    a = {**RECORD, "slug": "a-com", "namespace": "tenant-a-com"}
    deployments = [{"metadata": {"namespace": "tenant-a-com"}, "status": {"availableReplicas": 1}}]
    body = site_summaries([b, a], deployments)
    assert [s["slug"] for s in body] == ["a-com", "b-com"]
    assert body[0]["ready"] is True and body[1]["ready"] is False
    assert body[1]["image"] is None and body[1]["containerPort"] is None
    assert set(body[0]) == {
        "slug", "namespace", "ready", "domain", "image", "containerPort", "tlsEnabled",
        "tlsIssuer", "dbEnabled", "mailEnabled", "backupEnabled",
    }
