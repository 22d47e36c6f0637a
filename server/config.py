"""Settings: every option of the service, read once from `PROVISIONER_*` environment variables.

`Settings` is the only place that knows option names. It also defines how settings reach
playbooks: `playbook_vars()` (non-secret options as role variables, the same names and defaults
as `inventory/group_vars/all.yml`) and `secret_env()` (secrets as environment variables of a
run, read by roles with `lookup('ansible.builtin.env', ...)`, never written to a file).
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from contract.context import DEFAULTS, NAMESPACE_MAX_LENGTH, ValidationContext

logger = logging.getLogger("server.config")

ENV_PREFIX = "PROVISIONER_"

#: The repository: its ansible.cfg, inventory/, playbooks/ and roles/ are what runs use.
REPO_ROOT = Path(__file__).resolve().parent.parent

#: Setting -> playbook variable(s). The one mapping from service options to playbook variables;
#: inventory/group_vars/all.yml holds the same variables with the same defaults. Options that
#: several roles need are play-level `tenant_*` variables or are given to each role's own variable.
_PLAYBOOK_VARS: dict[str, tuple[str, ...]] = {
    "namespace_prefix": ("tenant_namespace_prefix", "tenant_app_namespace_prefix"),
    "ingress_controller_namespace": ("tenant_namespace_ingress_controller_namespace",),
    "storage_class": ("tenant_namespace_storage_class",),
    "max_cpu": ("tenant_max_cpu",),
    "max_ram_gi": ("tenant_max_ram_gi",),
    "max_disk_gi": ("tenant_max_disk_gi",),
    "tls_issuers": ("tenant_tls_issuers", "tenant_app_tls_issuers"),
    "default_tls_issuer": ("tenant_default_tls_issuer",),
    "ingress_class": ("tenant_app_ingress_class",),
    "tls_issuer_kind": ("tenant_app_tls_issuer_kind",),
    "app_data_mount_path": ("tenant_app_data_mount_path",),
    "mailcow_url": ("tenant_mail_mailcow_url",),
    "mailcow_validate_certs": ("tenant_mail_mailcow_validate_certs",),
    "pg_admin_host": ("tenant_db_admin_host",),
    "pg_admin_port": ("tenant_db_admin_port",),
    "pg_admin_user": ("tenant_db_admin_user",),
    "pg_admin_database": ("tenant_db_admin_database",),
    "pg_tenant_host": ("tenant_db_tenant_host",),
    "pg_tenant_port": ("tenant_db_tenant_port",),
    "restic_repository_base": ("tenant_backup_repository_base",),
    "backup_image": ("tenant_backup_image",),
    "restic_repository_env": ("tenant_backup_repository_env",),
}

#: Secret setting -> environment variable of every run (roles read it with the env lookup).
_SECRET_ENV: dict[str, str] = {
    "mailcow_api_key": "TENANT_MAIL_MAILCOW_API_KEY",
    "pg_admin_password": "TENANT_DB_ADMIN_PASSWORD",
    "restic_password_seed": "TENANT_BACKUP_RESTIC_PASSWORD_SEED",
}

CommaList = Annotated[list[str], NoDecode]


class ConfigError(RuntimeError):
    """The service cannot start with this configuration."""


class Settings(BaseSettings):
    """Every option of the service. Environment: `PROVISIONER_<FIELD NAME IN CAPITALS>`."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid")

    # --- HTTP and auth ---------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    api_key_file: Path | None = None
    log_level: str = "INFO"

    # --- runs ------------------------------------------------------------------------------
    state_dir: Path = REPO_ROOT / ".state" / "service"
    run_timeout: float = Field(300, gt=0)
    max_parallel_runs: int = Field(4, ge=1)

    # --- Kubernetes ------------------------------------------------------------------------
    kubeconfig: Path | None = None
    # The settings request checks depend on take their defaults from the contract.
    namespace_prefix: str = Field(
        DEFAULTS.namespace_prefix, pattern=r"^[a-z0-9]([-a-z0-9]*[-a-z0-9])?$", max_length=40
    )
    ingress_class: str = "nginx"
    ingress_controller_namespace: str = "ingress-nginx"
    storage_class: str = ""
    tls_issuers: CommaList = Field(default_factory=lambda: list(DEFAULTS.tls_issuers))
    tls_issuer_kind: str = "ClusterIssuer"
    default_tls_issuer: str = ""
    max_cpu: float = Field(DEFAULTS.max_cpu, gt=0)
    max_ram_gi: int = Field(DEFAULTS.max_ram_gi, ge=1)
    max_disk_gi: int = Field(DEFAULTS.max_disk_gi, ge=1)
    app_data_mount_path: str = Field("/data", pattern=r"^/")

    # --- Mailcow ---------------------------------------------------------------------------
    mailcow_url: str = "http://127.0.0.1:8081"
    mailcow_api_key: SecretStr = SecretStr("")
    mailcow_validate_certs: bool = True

    # --- PostgreSQL ------------------------------------------------------------------------
    pg_admin_host: str = "127.0.0.1"
    pg_admin_port: int = Field(5432, ge=1, le=65535)
    pg_admin_user: str = "postgres"
    pg_admin_password: SecretStr = SecretStr("")
    pg_admin_database: str = "postgres"
    pg_tenant_host: str = ""  # empty: the same as pg_admin_host
    pg_tenant_port: int = Field(0, ge=0, le=65535)  # 0: the same as pg_admin_port

    # --- restic backups --------------------------------------------------------------------
    restic_repository_base: str = str(REPO_ROOT / ".state" / "restic")
    restic_password_seed: SecretStr = SecretStr("")
    # Names of environment variables the restic backend needs (e.g. AWS_ACCESS_KEY_ID for s3:);
    # their values come from the service's environment and go into each site's backup Secret.
    restic_repository_env: CommaList = Field(default_factory=list)
    backup_image: str = "localhost/tenant-provisioner-backup:0.1.0"

    @field_validator("api_keys", "tls_issuers", "restic_repository_env", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        return _split_commas(value)

    @field_validator("state_dir", "kubeconfig", "api_key_file")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        return value.expanduser().absolute() if value is not None else None

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @model_validator(mode="before")
    @classmethod
    def _derived_defaults(cls, data: Any) -> Any:
        """Fill options whose default depends on another option."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if not data.get("default_tls_issuer"):
            issuers = _split_commas(data.get("tls_issuers") or DEFAULTS.tls_issuers)
            data["default_tls_issuer"] = issuers[0] if issuers else ""
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if not self.tls_issuers:
            raise ValueError("tls_issuers must name at least one issuer")
        if self.default_tls_issuer not in self.tls_issuers:
            raise ValueError(f"default_tls_issuer {self.default_tls_issuer!r} is not one of tls_issuers")
        if self.api_key_file is not None and not self.api_key_file.is_file():
            raise ValueError(f"api_key_file {str(self.api_key_file)!r} does not exist")
        return self

    # --- derived values --------------------------------------------------------------------
    @property
    def runs_dir(self) -> Path:
        """Private data dirs of the runs in progress (0700, emptied after each run)."""
        return self.state_dir / "runs"

    @property
    def tmp_dir(self) -> Path:
        """TMPDIR of every run (kubernetes.core keeps its discovery cache there)."""
        return self.state_dir / "tmp"

    @property
    def max_slug_length(self) -> int:
        """The longest slug whose namespace name (prefix + slug) is a valid name."""
        return NAMESPACE_MAX_LENGTH - len(self.namespace_prefix)

    def api_key_values(self) -> list[str]:
        """All accepted API keys: `api_keys` plus the lines of `api_key_file`."""
        keys = [key.get_secret_value() for key in self.api_keys]
        if self.api_key_file is not None:
            keys += _read_key_file(self.api_key_file)
        return [key for key in keys if key]

    def playbook_vars(self) -> dict[str, Any]:
        """Non-secret settings as the playbook variables the roles read (extra vars of a run)."""
        values = self.model_dump(include=set(_PLAYBOOK_VARS))
        return {
            variable: values[setting]
            for setting, variables in _PLAYBOOK_VARS.items()
            for variable in variables
        }

    def validation_context(self) -> dict[str, Any]:
        """What request models check against (pydantic validation context, contract/context.py)."""
        return self.model_dump(include=set(ValidationContext.model_fields))

    def secret_env(self) -> dict[str, str]:
        """Configured secrets as environment variables of a run (empty ones are left out)."""
        env = {}
        for setting, variable in _SECRET_ENV.items():
            value = getattr(self, setting).get_secret_value()
            if value:
                env[variable] = value
        return env

    def secret_values(self) -> list[str]:
        """Every secret value of the configuration, for redaction."""
        return [*self.secret_env().values(), *self.api_key_values()]


def _split_commas(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def _read_key_file(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def load_settings() -> Settings:
    """Read the settings from the environment, once, at start-up.

    Unknown `PROVISIONER_*` variables (typos) are reported in the log.
    """
    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    unknown = sorted(name for name in os.environ if name.startswith(ENV_PREFIX) and name not in known)
    if unknown:
        logger.warning("ignoring unknown settings: %s", ", ".join(unknown))
    try:
        return Settings()
    except ValueError as error:
        raise ConfigError(f"invalid configuration: {error}") from error


def ensure_api_key_file(path: Path) -> str:
    """Create `path` (0600) holding a random API key unless it exists; return its first key.

    `make run` calls this when no key is configured, then points PROVISIONER_API_KEY_FILE at it.
    """
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")
    keys = _read_key_file(path)
    if not keys:
        raise ConfigError(f"{path} holds no API key")
    return keys[0]
