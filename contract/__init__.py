"""The API's contract, with no web framework in it: models, errors and the operation table.

- `contract.operations`: every endpoint once (method, path, models, errors, playbook, secrets);
- `contract.models`: the request and response models, one module per area;
- `contract.errors`: every error code with its HTTP status and message;
- `contract.context`: the settings the request checks depend on, with their defaults.

The REST service (server/), the playbooks' input and result roles (roles/api_request,
roles/api_result, through plugins/filter/) and the documentation are built from it.
"""
