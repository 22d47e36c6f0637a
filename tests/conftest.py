"""Session fixtures that start real processes live in tests/fixtures/, one module per system."""

pytest_plugins = [
    "tests.fixtures.kube",
    "tests.fixtures.mailcow",
    "tests.fixtures.postgres",
    "tests.fixtures.stack",
]
