"""Local stand-ins for the systems that cannot run on a development machine.

`sandbox.kube` emulates the Kubernetes API server, `sandbox.mailcow` emulates Mailcow's
`/api/v1`. Each runs as its own process (`python -m sandbox.kube`, `python -m sandbox.mailcow`);
`sandbox.testing` starts them on free ports for tests and `make run`.
"""
