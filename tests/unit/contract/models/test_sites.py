"""Site request models: every invalid input is refused with a field error, before any playbook."""

import pytest

from contract.errors import InvalidInput
from contract.operations import check_input

GOOD = {"domain": "app.example.com", "cpu": 1, "ramGi": 2, "diskGi": 10}


def _fields(operation, data, **context):
    with pytest.raises(InvalidInput) as caught:
        check_input(operation, data, context or None)
    return {d["field"] for d in caught.value.details}


def test_create_normalises_domain_and_derives_slug():
    out = check_input("site_create", {**GOOD, "domain": "Bücher.Example.COM"})
    assert out["domain"] == "xn--bcher-kva.example.com"
    assert out["slug"] == "xn--bcher-kva-example-com"
    assert out["cpu"] == 1 and isinstance(out["cpu"], int)


@pytest.mark.parametrize(
    "domain",
    ["", "localhost", "a..b.com", "-a.com", "a-.com", "ex_ample.com", "1.2.3.4", "a" * 64 + ".com",
     ("a" * 50 + ".") * 5 + "com", 42, None],
)
def test_create_refuses_bad_domains(domain):
    assert _fields("site_create", {**GOOD, "domain": domain}) == {"domain"}


def test_create_refuses_domain_whose_namespace_is_too_long():
    domain = "a" * 50 + ".example.com"  # tenant-<slug> is 69 characters
    assert _fields("site_create", {**GOOD, "domain": domain}) == {"domain"}


@pytest.mark.parametrize(
    ("field", "value"),
    [("cpu", 0), ("cpu", -1), ("cpu", "1"), ("cpu", True), ("cpu", 9), ("cpu", 0.0001),
     ("ramGi", 0), ("ramGi", 33), ("ramGi", "2"), ("ramGi", 0.0001),
     ("diskGi", 0), ("diskGi", 1.5), ("diskGi", 501), ("diskGi", None),
     ("tlsEnabled", "yes"), ("tlsIssuer", "nope")],
)
def test_create_refuses_out_of_range_or_wrong_type(field, value):
    assert _fields("site_create", {**GOOD, field: value}, tls_issuers=["letsencrypt-prod"]) == {field}


def test_create_refuses_unknown_and_missing_fields():
    fields = _fields("site_create", {"domain": "a.example.com", "ramGB": 2, "cpu": 1, "diskGi": 1})
    assert fields == {"ramGB", "ramGi"}


def test_maxima_come_from_context():
    assert check_input("site_create", {**GOOD, "cpu": 16}, {"max_cpu": 16})["cpu"] == 16
    assert _fields("site_create", {**GOOD, "cpu": 16}, max_cpu=8) == {"cpu"}


def test_limits_update_needs_one_field_and_a_slug():
    assert check_input("site_limits_update", {"slug": "a-com", "ramGi": 4})["ramGi"] == 4
    assert _fields("site_limits_update", {"slug": "a-com"}) == {"body"}
    assert _fields("site_limits_update", {"slug": "A_com", "cpu": 1}) == {"slug"}


@pytest.mark.parametrize(
    "image",
    ["nginx", "nginx:1.27", "ghcr.io/org/app:latest", "localhost:5000/a/b:c", "r.io/a@sha256:" + "a" * 64],
)
def test_deploy_accepts_oci_references(image):
    assert check_input("site_deploy", {"slug": "a-com", "image": image, "containerPort": 80})["image"] == image


@pytest.mark.parametrize("image", ["", "UPPER/case", "a b", "{{ lookup('pipe','id') }}", "a:", "a@sha256:xyz"])
def test_deploy_refuses_bad_images(image):
    assert _fields("site_deploy", {"slug": "a-com", "image": image, "containerPort": 80}) == {"image"}


@pytest.mark.parametrize("port", [0, 65536, -1, "80", 80.5])
def test_deploy_refuses_bad_ports(port):
    assert _fields("site_deploy", {"slug": "a-com", "image": "nginx", "containerPort": port}) == {"containerPort"}


@pytest.mark.parametrize("confirm", ["delete", "DELETE ", "", None, True])
def test_purge_needs_exactly_delete(confirm):
    assert _fields("site_purge", {"slug": "a-com", "confirm": confirm}) == {"confirm"}


def test_field_errors_never_echo_the_input():
    with pytest.raises(InvalidInput) as caught:
        check_input("site_create", {**GOOD, "domain": "secret-value_!"})
    assert "secret-value_!" not in str(caught.value.details)
