"""The service's routes: /health, and one route per operation of the table (contract/operations.py).

`create_app` registers every blueprint in `BLUEPRINTS`. To add an endpoint, add its entry to the
operation table (docs/adding-an-endpoint.md); no route is written by hand.
"""

from server.routes import health, operations

BLUEPRINTS = [health.bp, *operations.blueprints()]

__all__ = ["BLUEPRINTS"]
