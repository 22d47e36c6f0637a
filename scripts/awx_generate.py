"""AWX / Automation Controller configuration as code, generated from the operation table.

    .venv/bin/python -m scripts.awx_generate          # (re)writes awx/config/*.yml
    .venv/bin/python -m scripts.awx_generate --check  # exit 1 when a committed file differs

The files are in the variable format of the `infra.aap_configuration` collection
(`controller_credential_types`, `controller_credentials`, `controller_execution_environments`,
`controller_projects`, `controller_inventories`, `controller_hosts`, `controller_inventory_sources`,
`controller_templates`); `awx/configure.yml` applies them with the `awx.awx` modules. Everything
comes from a place that holds it already:

- one job template per operation of `contract/operations.py` (= per `playbooks/*.yml`), its
  survey made from the operation's path parameters and input model (types, required, bounds,
  lengths, defaults); the limits maxima and the TLS issuers are the configured ones of
  `inventory/group_vars/all.yml` (the same the playbooks check against);
- the credential types inject the environment variables the roles read, whose names are the
  roles' defaults (`tenant_db_admin_password_env`, ...); a template gets the credentials of the
  roles its playbook includes.

Values a site chooses (organization, the project's Git URL, the image of the execution
environment) are variables of `awx/configure.yml`; credential inputs are filled in the controller
(or read from the environment by awx/configure.yml), never written here.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from contract.context import ValidationContext
from contract.models import backups, db, mail
from contract.operations import OPERATIONS, Operation

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "awx" / "config"
NAME = "tenant-provisioner"

#: The variables of awx/configure.yml the definitions use (defaults there).
ORGANIZATION = "{{ tenant_provisioner_organization }}"
SCM_URL = "{{ tenant_provisioner_scm_url }}"
SCM_BRANCH = "{{ tenant_provisioner_scm_branch }}"
EE_IMAGE = "{{ tenant_provisioner_ee_image }}"

#: The field whose largest value is a setting (contract/models/sites.py `_LimitsChecks`), by wire name.
CONTEXT_MAXIMA = {"cpu": "max_cpu", "ramGi": "max_ram_gi", "diskGi": "max_disk_gi"}
#: Fields whose allowed values are the configured TLS issuers.
ISSUER_FIELDS = ("tlsIssuer", "issuer")
#: Lengths (characters) the models' validators allow, for text fields without length constraints.
TEXT_LENGTHS = {
    "domain": (1, 253),
    "localPart": (1, mail.MAX_LOCAL_PART),
    "sourceLocalPart": (1, mail.MAX_LOCAL_PART),
    "address": (3, mail.MAX_ADDRESS),
    "source": (3, mail.MAX_ADDRESS),
    "destination": (3, mail.MAX_ADDRESS),
    "password": (mail.MIN_PASSWORD_CHARACTERS, mail.MAX_PASSWORD_BYTES),
    "dbName": (1, db.MAX_IDENTIFIER_BYTES),
    "schedule": (1, backups.MAX_SCHEDULE_LENGTH),
    "snapshotId": (16, 16),
}


@dataclass(frozen=True)
class CredentialType:
    """A custom credential type: its inputs and what its injectors set."""

    name: str
    description: str
    fields: tuple[dict[str, Any], ...]
    required: tuple[str, ...]
    env: dict[str, str]
    extra_vars: dict[str, str]
    file: str | None = None
    roles: tuple[str, ...] = ()  # a template whose playbook includes one of these roles gets it

    def definition(self) -> dict[str, Any]:
        injectors: dict[str, Any] = {}
        if self.file is not None:
            injectors["file"] = {"template": self.file}
        injectors["env"] = dict(self.env)
        if self.extra_vars:
            injectors["extra_vars"] = dict(self.extra_vars)
        return {
            "name": self.name,
            "description": self.description,
            "kind": "cloud",
            "inputs": {"fields": [dict(field) for field in self.fields], "required": list(self.required)},
            "injectors": injectors,
        }


def _role_default(role: str, variable: str) -> Any:
    return yaml.safe_load((ROOT / "roles" / role / "defaults" / "main.yml").read_text())[variable]


#: The restic backend's variables (an s3: repository base); the role copies them into the site's Secret.
RESTIC_BACKEND_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")


def credential_types() -> list[CredentialType]:
    """The four credential types (names of the environment variables: the roles' defaults)."""
    return [
        CredentialType(
            f"{NAME} kubeconfig",
            "The cluster: a kubeconfig written to a file that K8S_AUTH_KUBECONFIG names.",
            ({"id": "kubeconfig", "label": "kubeconfig", "type": "string", "multiline": True, "secret": True,
              "help_text": "The kubeconfig of the cluster the sites live in (its current context is used)."},),
            ("kubeconfig",),
            env={"K8S_AUTH_KUBECONFIG": "{{ tower.filename }}"},
            extra_vars={},
            file="{{ kubeconfig }}",
            roles=("tenant_namespace", "tenant_app", "tenant_db", "tenant_mail", "tenant_backup"),
        ),
        CredentialType(
            f"{NAME} PostgreSQL admin",
            "The PostgreSQL admin connection (a role with CREATEROLE and CREATEDB).",
            ({"id": "host", "label": "Host", "type": "string"},
             {"id": "port", "label": "Port", "type": "string", "default": str(_role_default("tenant_db", "tenant_db_admin_port"))},
             {"id": "user", "label": "Admin user", "type": "string", "default": _role_default("tenant_db", "tenant_db_admin_user")},
             {"id": "password", "label": "Admin password", "type": "string", "secret": True}),
            ("host", "port", "user", "password"),
            env={_role_default("tenant_db", "tenant_db_admin_password_env"): "{{ password }}"},
            extra_vars={
                "tenant_db_admin_host": "{{ host }}",
                "tenant_db_admin_port": "{{ port }}",
                "tenant_db_admin_user": "{{ user }}",
            },
            roles=("tenant_db",),
        ),
        CredentialType(
            f"{NAME} Mailcow API",
            "The Mailcow API key (read-write) and the URL of the Mailcow instance.",
            ({"id": "api_key", "label": "API key", "type": "string", "secret": True},
             {"id": "url", "label": "Mailcow URL", "type": "string", "format": "url",
              "help_text": "The base URL of Mailcow, without /api/v1."}),
            ("api_key", "url"),
            env={_role_default("tenant_mail", "tenant_mail_mailcow_api_key_env"): "{{ api_key }}"},
            extra_vars={"tenant_mail_mailcow_url": "{{ url }}"},
            roles=("tenant_mail",),
        ),
        CredentialType(
            f"{NAME} restic",
            "The seed of the per-site restic passwords, where the repositories are, and the S3 keys.",
            ({"id": "password_seed", "label": "Password seed", "type": "string", "secret": True,
              "help_text": "At least 16 characters; changing it locks every site out of its repository."},
             {"id": "repository_base", "label": "Repository base", "type": "string",
              "default": _role_default("tenant_backup", "tenant_backup_repository_base"),
              "help_text": "A site's repository is <base>/<slug>: s3:https://host/bucket/prefix, rest:https://host/, "
                           "or a local path on persistent storage of the execution environment that the "
                           "cluster's nodes mount too (hostPath)."},
             {"id": "aws_access_key_id", "label": "S3 access key id", "type": "string"},
             {"id": "aws_secret_access_key", "label": "S3 secret access key", "type": "string", "secret": True},
             {"id": "aws_default_region", "label": "S3 region", "type": "string"}),
            ("password_seed", "repository_base"),
            env={
                _role_default("tenant_backup", "tenant_backup_password_seed_env"): "{{ password_seed }}",
                **{name: "{{ %s }}" % name.lower() for name in RESTIC_BACKEND_ENV},
            },
            extra_vars={"tenant_backup_repository_base": "{{ repository_base }}"},
            roles=("tenant_backup",),
        ),
    ]


# --- surveys ---------------------------------------------------------------------------------
def settings() -> ValidationContext:
    """The configured settings the checks use (inventory/group_vars/all.yml), as the playbooks read them."""
    group_vars = yaml.safe_load((ROOT / "inventory" / "group_vars" / "all.yml").read_text())
    return ValidationContext(
        max_cpu=group_vars["tenant_max_cpu"],
        max_ram_gi=group_vars["tenant_max_ram_gi"],
        max_disk_gi=group_vars["tenant_max_disk_gi"],
        tls_issuers=group_vars["tenant_tls_issuers"],
        namespace_prefix=group_vars["tenant_namespace_prefix"],
    )


def _kind(prop: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(JSON type, the schema of that type) of a property, `X | None` unwrapped."""
    for option in prop.get("anyOf", [prop]):
        if option.get("type") != "null":
            return option.get("type", "string"), option
    return "string", prop


def question(op: Operation, wire: str, prop: dict[str, Any], required: bool, context: ValidationContext) -> dict[str, Any]:
    """One survey question for the input field `wire` (its JSON schema `prop`)."""
    kind, schema = _kind(prop)
    item: dict[str, Any] = {
        "question_name": wire,
        "question_description": prop.get("description", ""),
        "variable": wire,
        "required": required,
    }
    secret_fields = {secret.field for secret in op.secrets if secret.field}
    choices: list[str] | None = None
    if "const" in schema or "enum" in schema:
        choices = [schema["const"]] if "const" in schema else list(schema["enum"])
    elif wire in ISSUER_FIELDS:
        choices = list(context.tls_issuers)
    elif kind == "boolean":
        choices = ["true", "false"]
    if choices is not None:
        item.update(type="multiplechoice", choices=choices)
    elif kind in ("integer", "number"):
        item["type"] = "integer" if kind == "integer" else "float"
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum")
        if wire in CONTEXT_MAXIMA:
            high = getattr(context, CONTEXT_MAXIMA[wire])
        if low is not None:
            item["min"] = int(low)
        if high is not None:
            item["max"] = int(high)
    else:
        item["type"] = "password" if wire in secret_fields else "text"
        low, high = TEXT_LENGTHS.get(wire, (schema.get("minLength"), schema.get("maxLength")))
        if low is not None:
            item["min"] = low
        if high is not None:
            item["max"] = high
    default = prop.get("default")
    if isinstance(default, bool):
        item["default"] = "true" if default else "false"
    elif default is not None:
        item["default"] = default
    return item


def slug_question(context: ValidationContext) -> dict[str, Any]:
    return {
        "question_name": "slug",
        "question_description": "The site: its domain with dots as dashes (app.example.com -> app-example-com).",
        "variable": "slug",
        "required": True,
        "type": "text",
        "min": 1,
        "max": context.max_slug_length,
    }


def survey(op: Operation, context: ValidationContext) -> dict[str, Any] | None:
    """The survey of an operation's job template (None: the operation takes no input)."""
    items = []
    if op.takes_slug:
        items.append(slug_question(context))
    model = op.input_model
    if model is not None:
        schema = model.model_json_schema(by_alias=True)
        for wire, prop in schema["properties"].items():
            items.append(question(op, wire, prop, wire in schema.get("required", ()), context))
    if not items:
        return None
    assert [item["variable"] for item in items] == op.input_fields, op.name
    return {"name": op.name, "description": f"{op.method} {op.path}: {op.summary}", "spec": items}


# --- templates -------------------------------------------------------------------------------
_INCLUDED_ROLE = re.compile(r"_role:\s*\n\s+name:\s*([a-z_]+)")


def _roles_of(text: str) -> set[str]:
    return set(_INCLUDED_ROLE.findall(text))


def roles_used(playbook: Path) -> set[str]:
    """The roles a playbook includes, and the roles those include, transitively."""
    found: set[str] = set()
    todo = _roles_of(playbook.read_text())
    while todo:
        role = todo.pop()
        if role in found:
            continue
        found.add(role)
        for path in sorted((ROOT / "roles" / role / "tasks").glob("*.yml")):
            todo |= _roles_of(path.read_text()) - found
    return found


def template_name(op: Operation) -> str:
    return f"{NAME} {op.name}"


def job_template(op: Operation, context: ValidationContext, types: list[CredentialType]) -> dict[str, Any]:
    roles = roles_used(ROOT / "playbooks" / op.playbook)
    credentials = [kind.name for kind in types if roles & set(kind.roles)]
    template: dict[str, Any] = {
        "name": template_name(op),
        "description": f"{op.method} {op.path}: {op.summary}",
        "organization": ORGANIZATION,
        "job_type": "run",
        "inventory": NAME,
        "project": NAME,
        "playbook": f"playbooks/{op.playbook}",
        "execution_environment": NAME,
        "credentials": credentials,
        # `api_input` (the REST body plus the path parameters) may be given instead of the survey's
        # answers when the survey is disabled (docs/awx.md).
        "ask_variables_on_launch": True,
        "allow_simultaneous": True,
        "verbosity": 0,
    }
    if "tenant_backup" in roles:
        # The backend's variables the role copies into the site's Secret (those the credential sets).
        template["extra_vars"] = {"tenant_backup_repository_env": list(RESTIC_BACKEND_ENV)}
    spec = survey(op, context)
    template["survey_enabled"] = spec is not None
    if spec is not None:
        template["survey_spec"] = spec
    return template


# --- everything ------------------------------------------------------------------------------
def definitions() -> dict[str, dict[str, Any]]:
    """{file name under awx/config: its variables}."""
    context = settings()
    types = credential_types()
    return {
        "credential_types.yml": {"controller_credential_types": [kind.definition() for kind in types]},
        "execution_environments.yml": {"controller_execution_environments": [{
            "name": NAME,
            "description": "ansible-core, ansible-runner, the collections and Python packages the playbooks use, restic and psql "
                           "(execution-environment.yml)",
            "image": EE_IMAGE,
            "pull": "missing",
            "organization": ORGANIZATION,
        }]},
        "projects.yml": {"controller_projects": [{
            "name": NAME,
            "description": "The playbooks, roles and the contract package they import",
            "organization": ORGANIZATION,
            "scm_type": "git",
            "scm_url": SCM_URL,
            "scm_branch": SCM_BRANCH,
            "scm_update_on_launch": True,
            "default_environment": NAME,
        }]},
        "inventories.yml": {
            "controller_inventories": [{
                "name": NAME,
                "description": "localhost: every operation runs against APIs from the execution environment",
                "organization": ORGANIZATION,
            }],
            "controller_inventory_sources": [{
                "name": f"{NAME} project inventory",
                "description": "inventory/hosts.yml and its group_vars (the settings' defaults) from the project",
                "inventory": NAME,
                "source": "scm",
                "source_project": NAME,
                "source_path": "inventory/hosts.yml",
                "overwrite": True,
                "overwrite_vars": True,
                "update_on_launch": True,
            }],
        },
        "job_templates.yml": {"controller_templates": [job_template(op, context, types) for op in OPERATIONS]},
    }


HEADER = "---\n# Generated by `python -m scripts.awx_generate` from the operation table; do not edit.\n"


def render(variables: dict[str, Any]) -> str:
    return HEADER + yaml.safe_dump(variables, sort_keys=False, allow_unicode=True, width=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a committed file differs")
    args = parser.parse_args(argv)
    stale = []
    for name, variables in definitions().items():
        path = OUT / name
        text = render(variables)
        if path.exists() and path.read_text() == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if args.check and stale:
        print("out of date (run python -m scripts.awx_generate):", *stale, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
