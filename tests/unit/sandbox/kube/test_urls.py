"""The route table (sandbox/kube/urls.py)."""

from __future__ import annotations

import pytest

from sandbox.kube import errors
from sandbox.kube.models.registry import Registry
from sandbox.kube.urls import resolve

REG = Registry()


def _r(path: str):
    route = resolve(path, REG)
    return (route.handler, route.rtype.kind if route.rtype else None, route.namespace, route.name,
            route.subresource, route.watch)


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/api/v1/namespaces", ("collection", "Namespace", None, None, None, False)),
        ("/api/v1/namespaces/t1", ("item", "Namespace", None, "t1", None, False)),
        ("/api/v1/namespaces/t1/status", ("subresource", "Namespace", None, "t1", "status", False)),
        ("/api/v1/namespaces/t1/finalize", ("subresource", "Namespace", None, "t1", "finalize", False)),
        ("/api/v1/namespaces/t1/configmaps", ("collection", "ConfigMap", "t1", None, None, False)),
        ("/api/v1/namespaces/t1/pods/p/log", ("subresource", "Pod", "t1", "p", "log", False)),
        ("/api/v1/configmaps", ("collection", "ConfigMap", None, None, None, False)),
        ("/apis/apps/v1/deployments", ("collection", "Deployment", None, None, None, False)),
        ("/apis/apps/v1/namespaces/t1/deployments/web/scale",
         ("subresource", "Deployment", "t1", "web", "scale", False)),
        ("/apis/storage.k8s.io/v1/storageclasses/standard", ("item", "StorageClass", None, "standard", None, False)),
        ("/api/v1/watch/namespaces/t1/configmaps", ("collection", "ConfigMap", "t1", None, None, True)),
        ("/api/v1/watch/namespaces/t1", ("item", "Namespace", None, "t1", None, True)),
    ],
)
def test_resource_paths(path, expected):
    assert _r(path) == expected


@pytest.mark.parametrize(
    "path, handler",
    [("/version", "version"), ("/api", "api_versions"), ("/apis", "api_groups"), ("/apis/apps", "api_group"),
     ("/api/v1", "resources"), ("/apis/apps/v1", "resources"), ("/healthz", "health"), ("/readyz/ping", "health"),
     ("/openapi/v3", "openapi_v3_root"), ("/openapi/v3/apis/apps/v1", "openapi_v3_doc"),
     ("/_sandbox/reset", "sandbox")],
)
def test_fixed_paths(path, handler):
    assert resolve(path, REG).handler == handler


@pytest.mark.parametrize(
    "path",
    ["/nothing", "/api/v1/widgets", "/apis/apps/v1/namespaces/t1/deployments/web/nosuch",
     "/api/v1/namespaces/t1/namespaces", "/apis/apps/v1/deployments/web", "/apis/storage.k8s.io/v1/namespaces/t1/storageclasses",
     "/api/v1/namespaces/t1/configmaps/c/status"],
)
def test_unknown_paths_answer_404(path):
    with pytest.raises(errors.NotFound) as err:
        resolve(path, REG)
    assert err.value.message == "the server could not find the requested resource"
