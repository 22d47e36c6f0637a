"""Unit tests of server/: every test that builds an app starts from an empty app registry."""

import pytest
from sanic import Sanic


@pytest.fixture(autouse=True)
def _empty_sanic_registry():
    Sanic._app_registry.clear()
    yield
    Sanic._app_registry.clear()
