#!/usr/bin/python
"""Validate a playbook's `api_input` with the service's own request models."""

from __future__ import annotations

DOCUMENTATION = r"""
module: api_input
short_description: Validate the input of an operation with the service's request models
description:
  - Runs the same pydantic models the REST service runs before it starts a playbook, so an
    operator's C(ansible-playbook) run gets the same checks and the same normalised values
    (IDN domains as punycode, for example).
  - Never changes anything; supports check mode.
options:
  operation:
    description: The operation, named like its playbook (C(site_create), C(site_deploy), ...).
    type: str
    required: true
  data:
    description: The request body plus the C(slug) path parameter where the operation has one.
    type: dict
    default: {}
  context:
    description: Settings the checks depend on (limits maxima, allowed TLS issuers, namespace prefix).
    type: dict
    default: {}
"""

RETURN = r"""
input:
  description: The validated, normalised input.
  type: dict
  returned: success
api_error:
  description: The 400 error to publish when the input is invalid (C({status, code, message, details})).
  type: dict
  returned: when invalid
"""

from ansible.module_utils.basic import AnsibleModule


def run_module() -> None:
    module = AnsibleModule(
        argument_spec={
            "operation": {"type": "str", "required": True},
            "data": {"type": "dict", "default": {}},
            "context": {"type": "dict", "default": {}},
        },
        supports_check_mode=True,
    )
    try:
        from server.errors import ApiError
        from server.models.registry import validate
    except ImportError as exc:  # pragma: no cover - environment problem, not input
        module.fail_json(msg=f"the service's models are not importable by {module._name}: {exc}")
        return
    try:
        value = validate(module.params["operation"], module.params["data"], module.params["context"])
    except ApiError as exc:
        module.exit_json(
            changed=False,
            valid=False,
            api_error={"status": exc.status_code, "code": exc.code, "message": exc.message, "details": exc.details},
        )
        return
    except KeyError as exc:
        module.fail_json(msg=str(exc))
        return
    module.exit_json(changed=False, valid=True, input=value)


def main() -> None:
    run_module()


if __name__ == "__main__":
    main()
