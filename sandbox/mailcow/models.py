"""State and rules of the Mailcow emulator: domains, mailboxes, aliases, password policy.

`MailcowBackend` has one method per API operation. Each method follows the matching branch of
`mailbox()` in mailcow-dockerized @ 06424670 `data/web/inc/functions.mailbox.inc.php` (FM) check
for check, in the same order, and reports through the request's `Session` exactly as PHP does
through `$_SESSION['return']`: entries `{"type", "log", "msg"}`; the method's return value is
what `mailbox()` returns (it decides between `Task completed` and `Cannot ... item` only when no
entry was written). Line references are to that commit.

Storage mirrors the MariaDB rows the API reads: a mailbox also owns a "self alias" row
(address = goto = username) that takes an alias id and that GET alias hides. Comparisons of
names are case-insensitive, as with MariaDB's utf8mb4 collation.

This file stays whole (over 1,000 lines, kept under 1,300): it is the one backend of the emulated
Mailcow API, as moto's `models.py` is for an emulated AWS service, and follows one PHP function
branch for branch. PHP's semantics live in `php.py`, password hashes in `passwords.py`.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import secrets
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from . import passwords, php
from .php import PhpFatal

MIB = 1048576
TAGGING_LIMIT = 25  # vars.inc.php

# The "Default" domain template (init_db.inc.php), in the units add/domain takes (MiB).
DOMAIN_TEMPLATE = {
    "tags": [],
    "aliases": 400,
    "mailboxes": 10,
    "defquota": 3072,
    "maxquota": 10240,
    "quota": 10240,
    "rl_frame": "s",
    "rl_value": "",
    "active": 1,
    "gal": 1,
    "backupmx": 0,
    "relay_all_recipients": 0,
    "relay_unknown_only": 0,
    "dkim_selector": "dkim",
    "key_size": 2048,
}

# $MAILBOX_DEFAULT_ATTRIBUTES (vars.inc.php) merged with the "Default" mailbox template.
MAILBOX_TEMPLATE = {
    "tags": [],
    "quota": 0,
    "quarantine_notification": "hourly",
    "quarantine_category": "reject",
    "rl_frame": "s",
    "rl_value": "",
    "force_pw_update": 0,
    "force_tfa": 0,
    "sogo_access": 1,
    "active": 1,
    "tls_enforce_in": 0,
    "tls_enforce_out": 0,
    "imap_access": 1,
    "pop3_access": 1,
    "smtp_access": 1,
    "sieve_access": 1,
    "eas_access": 1,
    "dav_access": 1,
    "mailbox_format": "maildir:",
}

# phpfpm docker-entrypoint.sh seeds the PASSWD_POLICY redis hash; redis answers strings.
DEFAULT_PASSWORD_POLICY = {"length": "6", "chars": "0", "special_chars": "0", "lowerupper": "0", "numbers": "0"}
PASSWORD_POLICY_TEXT = {  # lang.en-gb.json admin.password_policy_*
    "length": "Minimum password length is %d",
    "chars": "Must contain at least one alphabetic character",
    "special_chars": "Must contain special characters",
    "lowerupper": "Must contain lowercase and uppercase characters",
    "numbers": "Must contain at least one number",
}

PROTOCOLS = ("imap", "pop3", "smtp", "sieve", "eas", "dav")
SPECIAL_GOTOS = {"null@localhost", "spam@localhost", "ham@localhost"}


# --- rows --------------------------------------------------------------------------------


@dataclass
class FakeDomain:
    """A `domain` row; quotas in MiB as stored."""

    domain: str
    description: str
    aliases: int
    mailboxes: int
    defquota: int
    maxquota: int
    quota: int
    backupmx: int
    gal: int
    active: int
    relay_unknown_only: int
    relay_all_recipients: int
    created: str
    relayhost: str = "0"
    modified: str | None = None
    tags: list[str] = field(default_factory=list)


@dataclass
class FakeMailbox:
    """A `mailbox` row; quota in bytes as stored, password as a `{SCHEME}` hash."""

    username: str
    password: str
    name: str
    quota: int
    local_part: str
    domain: str
    attributes: dict
    created: str
    active: int
    authsource: str = "mailcow"
    modified: str | None = None
    tags: list[str] = field(default_factory=list)


@dataclass
class FakeAlias:
    """An `alias` row (mailbox self aliases included)."""

    id: int
    address: str
    goto: str
    domain: str
    created: str
    active: int = 1
    sogo_visible: int = 1
    internal: int = 0
    sender_allowed: int = 1
    private_comment: Any = None
    public_comment: Any = None
    modified: str | None = None

    @property
    def is_self_alias(self) -> bool:
        return self.address.lower() == self.goto.lower()


# --- one request ---------------------------------------------------------------------------


class Session:
    """One API request's `$_SESSION`: the caller's role and the `return` entries."""

    def __init__(self, role: str | None = "admin"):
        self.role = role  # "admin" for any valid key, None without a key
        self.entries: list[dict] = []

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def add(self, kind: str, log: list, msg: Any) -> None:
        self.entries.append({"type": kind, "log": log, "msg": msg})

    def success(self, log: list, msg: Any) -> None:
        self.add("success", log, msg)

    def danger(self, log: list, msg: Any) -> None:
        self.add("danger", log, msg)

    def warning(self, log: list, msg: Any) -> None:
        self.add("warning", log, msg)


def masked(data: dict) -> Any:
    """`$_data_log`: the request data with `password`/`password2` shown as "*" when set."""
    log = dict(data)
    for key in ("password", "password2"):
        if log.get(key) is not None:
            log[key] = "*"
    return php.to_json_value(log)


def mailbox_log(action: str, kind: str, data: dict) -> list:
    """`array(__FUNCTION__, $_action, $_type, $_data_log, $_attr)`; $_attr is never defined."""
    return ["mailbox", action, kind, masked(data), None]


def _like(pattern_value: str, text: str) -> bool:
    """SQL `text LIKE '%value%'` (case-insensitive, `%` and `_` are wildcards)."""
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern_value)
    return re.search(regex, text, re.IGNORECASE | re.DOTALL) is not None


_MYSQL_NUMBER = re.compile(r"^[ \t\n\r]*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _mysql_number(value: str) -> float:
    """How MariaDB reads a string compared with an INT column: its numeric prefix, else 0."""
    match = _MYSQL_NUMBER.match(value)
    return float(match.group(0)) if match else 0.0


def _mysql_int(value: Any) -> int:
    """What an INT/BIGINT column stores for a bound value (strict mode rejects non-numbers)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if php.is_numeric(value):
        number = float(value)
        return int(number + 0.5) if number >= 0 else -int(-number + 0.5)
    raise PhpFatal(f"PDOException: Incorrect integer value: {value!r}")


def _round_mib(quota_bytes: int) -> int:
    """`ROUND(quota/1048576)` (half away from zero)."""
    return (quota_bytes + MIB // 2) // MIB


# --- the backend ---------------------------------------------------------------------------


class MailcowBackend:
    """The emulated Mailcow instance. Callers hold `lock` around each request."""

    def __init__(
        self,
        hostname: str = "mail.sandbox.invalid",
        state_dir: Path | None = None,
        clock: Callable[[], datetime] = datetime.now,
    ):
        self.hostname = hostname
        self.state_path = Path(state_dir) / "mailcow-state.json" if state_dir else None
        self.clock = clock
        self.lock = threading.RLock()
        self._clear()
        if self.state_path and self.state_path.exists():
            self._load(json.loads(self.state_path.read_text()))

    # ---- lifecycle ------------------------------------------------------------------------

    def _clear(self) -> None:
        self.domains: dict[str, FakeDomain] = {}
        self.mailboxes: dict[str, FakeMailbox] = {}
        self.aliases: dict[int, FakeAlias] = {}
        self.next_alias_id = 1
        self.dkim: dict[str, dict] = {}  # DKIM_SELECTORS / DKIM_PUB_KEYS, survive domain deletion
        self.ratelimits: dict[str, str] = {}  # RL_VALUE: object -> "10 / 1s"
        self.password_policy = dict(DEFAULT_PASSWORD_POLICY)

    def reset(self) -> None:
        """A freshly installed Mailcow: no domains, default policy, alias ids from 1."""
        with self.lock:
            self._clear()
            self.save()

    def dump(self) -> dict:
        """Everything stored, password hashes included (sandbox-only second channel)."""
        with self.lock:
            return {
                "domains": [asdict(d) for d in self.domains.values()],
                "mailboxes": [asdict(m) for m in self.mailboxes.values()],
                "aliases": [asdict(a) for a in self.aliases.values()],
                "next_alias_id": self.next_alias_id,
                "dkim": copy.deepcopy(self.dkim),
                "ratelimits": dict(self.ratelimits),
                "password_policy": dict(self.password_policy),
            }

    def _load(self, state: dict) -> None:
        self.domains = {d["domain"].lower(): FakeDomain(**d) for d in state.get("domains", [])}
        self.mailboxes = {m["username"].lower(): FakeMailbox(**m) for m in state.get("mailboxes", [])}
        self.aliases = {a["id"]: FakeAlias(**a) for a in state.get("aliases", [])}
        self.next_alias_id = state.get("next_alias_id", 1)
        self.dkim = state.get("dkim", {})
        self.ratelimits = state.get("ratelimits", {})
        self.password_policy = state.get("password_policy", dict(DEFAULT_PASSWORD_POLICY))

    def save(self) -> None:
        """Write the state file atomically (no-op without a state dir)."""
        if not self.state_path:
            return
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.state_path.parent, prefix=".mailcow-state.")
        with os.fdopen(fd, "w") as handle:
            json.dump(self.dump(), handle, indent=1)
        os.replace(tmp, self.state_path)

    def _now(self) -> str:
        return self.clock().strftime("%Y-%m-%d %H:%M:%S")

    # ---- lookups (MariaDB semantics) ------------------------------------------------------

    def _domain(self, name: Any) -> FakeDomain | None:
        return self.domains.get(name.lower()) if isinstance(name, str) else None

    def _mailbox(self, username: Any) -> FakeMailbox | None:
        return self.mailboxes.get(username.lower()) if isinstance(username, str) else None

    def _alias_by_address(self, address: str) -> FakeAlias | None:
        lowered = address.lower()
        return next((a for a in self.aliases.values() if a.address.lower() == lowered), None)

    def _mailboxes_in(self, domain: str) -> list[FakeMailbox]:
        lowered = domain.lower()
        return sorted((m for m in self.mailboxes.values() if m.domain.lower() == lowered), key=lambda m: m.username)

    def _aliases_in(self, domain: str) -> list[FakeAlias]:
        """`SELECT ... FROM alias WHERE domain = :d AND address != goto` (GET alias hides self aliases)."""
        lowered = domain.lower()
        return [a for a in self.aliases.values() if a.domain.lower() == lowered and not a.is_self_alias]

    def _counted_aliases(self, domain: str) -> int:
        """Aliases of a domain whose address is not a mailbox (domain_details / edit domain)."""
        lowered = domain.lower()
        return sum(1 for a in self.aliases.values() if a.domain.lower() == lowered and a.address.lower() not in self.mailboxes)

    def _new_alias_id(self) -> int:
        alias_id = self.next_alias_id
        self.next_alias_id += 1
        return alias_id

    @staticmethod
    def _touch(row: Any, before: dict, now: str) -> None:
        """`modified DATETIME ON UPDATE CURRENT_TIMESTAMP`: only when a column really changed."""
        after = asdict(row)
        after.pop("modified", None)
        before = dict(before)
        before.pop("modified", None)
        if after != before:
            row.modified = now

    # ---- access (functions.inc.php) -------------------------------------------------------

    def has_domain_access(self, session: Session, domain: Any) -> bool:
        """`hasDomainAccess()` for the API user: an admin reaches every existing domain."""
        if php.empty(domain) or not php.is_valid_domain_name(domain):
            return False
        return session.is_admin and self._domain(php.strval(domain)) is not None

    def has_mailbox_access(self, session: Session, username: Any) -> bool:
        """`hasMailboxObjectAccess()` for the API user."""
        if not session.is_admin or php.empty(username) or isinstance(username, (list, dict)):
            return False
        mailbox = self._mailbox(php.strval(username))
        return mailbox is not None and self.has_domain_access(session, mailbox.domain)

    # ---- password policy (functions.inc.php password_complexity / password_check) ----------

    def get_password_policy(self) -> dict:
        """GET /api/v1/get/passwordpolicy: the redis hash, values as strings."""
        return dict(self.password_policy)

    def get_password_policy_html(self) -> str:
        """GET /api/v1/get/passwordpolicy/html."""
        texts = []
        for name, value in self.password_policy.items():
            if not php.loose_eq(value, 0):
                text = PASSWORD_POLICY_TEXT[name]
                texts.append(text.replace("%d", str(php.intval(value))) if "%d" in text else text)
        return '<p class="help-block small">- ' + "<br>- ".join(texts) + "</p>"

    def edit_password_policy(self, session: Session, data: dict) -> bool:
        """POST /api/v1/edit/passwordpolicy (FI:161-204)."""
        log = ["password_complexity", "edit", php.to_json_value(data)]
        if not session.is_admin:
            session.danger(log, "access_denied")
            return False
        now = self.password_policy
        length = php.intval(data["length"]) if php.is_set(data, "length") and php.intval(data["length"]) >= 3 else now["length"]
        new = {
            "length": length,
            "chars": php.intval(data["chars"]) if php.is_set(data, "chars") else now["chars"],
            "special_chars": php.intval(data["special_chars"]) if php.is_set(data, "special_chars") else now["special_chars"],
            "lowerupper": php.intval(data["lowerupper"]) if php.is_set(data, "lowerupper") else now["lowerupper"],
            "numbers": php.intval(data["numbers"]) if php.is_set(data, "numbers") else now["numbers"],
        }
        self.password_policy = {key: php.strval(value) for key, value in new.items()}
        session.success(log, "password_policy_saved")
        return True

    def password_check(self, session: Session, password1: Any, password2: Any) -> bool:
        """`password_check()` (FI:277-322); failures log `["password_check", null, null]`."""
        log = ["password_check", None, None]
        policy = self.password_policy
        if php.empty(password1) or php.empty(password2):
            session.danger(log, "password_complexity")
            return False
        if not php.loose_eq(password1, password2):
            session.danger(log, "password_mismatch")
            return False
        text = php.str_arg(password1)
        length = len(text.encode("utf-8"))
        has_special = re.search(r"[^a-zA-Z0-9]", text) is not None
        has_chars = re.search(r"[a-zA-Z]", text) is not None
        has_numbers = re.search(r"[0-9]", text) is not None
        has_lowerupper = re.search(r"[a-z]", text) is not None and re.search(r"[A-Z]", text) is not None
        required = {name: php.loose_eq(policy[name], 1) for name in ("special_chars", "chars", "numbers", "lowerupper")}
        if (
            length < php.intval(policy["length"])
            or (required["special_chars"] and not has_special)
            or (required["chars"] and not has_chars)
            or (required["numbers"] and not has_numbers)
            or (required["lowerupper"] and not has_lowerupper)
        ):
            session.danger(log, "password_complexity")
            return False
        return True

    # ---- rate limits and DKIM (side effects of add domain / add mailbox) -------------------

    def _ratelimit_edit(self, session: Session, scope: str, data: dict) -> None:
        """`ratelimit('edit', $scope, ...)` (functions.ratelimit.inc.php)."""
        log = ["ratelimit", "edit", scope, php.to_json_value(data)]
        for obj in php.items_of(data.get("object")):
            rl_value = php.intval(data.get("rl_value"))
            rl_frame = data.get("rl_frame")
            if not php.in_array(rl_frame, ["s", "m", "h", "d"]):
                session.danger(log, "rl_timeframe")
                continue
            allowed = self.has_domain_access(session, obj) if scope == "domain" else self.has_mailbox_access(session, obj)
            if not allowed:
                session.danger(log, "access_denied")
                continue
            key = php.strval(obj)
            if php.empty(rl_value):
                self.ratelimits.pop(key, None)
            else:
                self.ratelimits[key] = f"{rl_value} / 1{php.strval(rl_frame)}"
            session.success(log, ["rl_saved", obj])

    def _ratelimit_get(self, obj: str) -> dict | bool:
        stored = self.ratelimits.get(obj)
        if not stored:
            return False
        value, _, frame = stored.partition(" / 1")
        return {"value": value, "frame": frame}

    def _dkim_add(self, session: Session, data: dict) -> None:
        """`dkim('add', ...)` (functions.dkim.inc.php): a selector and a (fake) key per domain."""
        log = ["dkim", "add", php.to_json_value(data)]
        key_length = php.intval(data.get("key_size"))
        selector = data["dkim_selector"] if php.is_set(data, "dkim_selector") else "dkim"
        for domain in [d for d in php.split_list(data.get("domains")) if not php.empty(d)]:
            if not php.is_valid_domain_name(domain) or domain in self.dkim:
                session.danger(log, ["dkim_domain_or_sel_invalid", domain])
                continue
            bare = re.sub(r"[-_.]", "", php.strval(selector))
            if not (bare.isascii() and bare.isalnum()):
                session.danger(log, ["dkim_domain_or_sel_invalid", domain])
                continue
            if not self.has_domain_access(session, domain):
                session.danger(log, ["access_denied", domain])
                continue
            if key_length < 384:  # openssl_pkey_new() refuses keys this short
                session.danger(log, ["dkim_domain_or_sel_invalid", domain])
                continue
            fake_key = base64.b64encode(secrets.token_bytes(max(key_length // 8, 16))).decode("ascii")
            self.dkim[domain] = {"dkim_selector": php.strval(selector), "key_size": key_length, "pubkey": fake_key}
            session.success(log, ["dkim_added", domain])

    # ---- domains --------------------------------------------------------------------------

    def add_domain(self, session: Session, data: dict) -> bool:
        """POST /api/v1/add/domain (FM:491-699)."""
        log = mailbox_log("add", "domain", data)
        if not session.is_admin:
            session.danger(log, "access_denied")
            return False
        tpl = DOMAIN_TEMPLATE
        domain = php.idn_to_ascii(php.str_arg(data.get("domain")).strip().lower())
        description = data.get("description")
        if php.empty(description):
            description = domain
        tags = php.array_values(data["tags"]) if php.is_set(data, "tags") else list(tpl["tags"])

        def number(key: str) -> int:
            return php.intval(data[key]) if php.is_set(data, key) else tpl[key]

        aliases, mailboxes = number("aliases"), number("mailboxes")
        defquota, maxquota, quota = number("defquota"), number("maxquota"), number("quota")
        if defquota > maxquota:
            session.danger(log, "mailbox_defquota_exceeds_mailbox_maxquota")
            return False
        if maxquota > quota:
            session.danger(log, "mailbox_quota_exceeds_domain_quota")
            return False
        if defquota == 0:
            session.danger(log, "defquota_empty")
            return False
        if maxquota == 0:
            session.danger(log, "maxquota_empty")
            return False
        active, gal = number("active"), number("gal")
        relay_all, relay_unknown, backupmx = number("relay_all_recipients"), number("relay_unknown_only"), number("backupmx")
        if relay_all == 1:
            backupmx = 1
        if relay_unknown == 1:
            backupmx = 1
            relay_all = 1
        if domain is None or not php.is_valid_domain_name(domain):
            session.danger(log, "domain_invalid")
            return False
        # ["object_is_not_numeric", v] (FM:575) cannot trigger: every value was cast to int above.
        if self._domain(domain) is not None:
            session.danger(log, ["domain_exists", php.htmlspecialchars(domain)])
            return False
        if domain == self.hostname:
            session.danger(log, "domain_cannot_match_hostname")
            return False
        row = FakeDomain(
            domain=domain,
            description=php.strval(description) if not isinstance(description, (list, dict)) else "Array",
            aliases=aliases,
            mailboxes=mailboxes,
            defquota=defquota,
            maxquota=maxquota,
            quota=quota,
            backupmx=backupmx,
            gal=gal,
            active=active,
            relay_unknown_only=relay_unknown,
            relay_all_recipients=relay_all,
            created=self._now(),
        )
        self.domains[domain] = row
        self._save_tags(session, log, row.tags, tags)
        rl_value = php.intval(data["rl_value"]) if php.is_set(data, "rl_value") else tpl["rl_value"]
        rl_frame = data["rl_frame"] if php.is_set(data, "rl_frame") else tpl["rl_frame"]
        if not php.empty(rl_value) and not php.empty(rl_frame):
            self._ratelimit_edit(session, "domain", {"rl_value": rl_value, "rl_frame": rl_frame, "object": domain})
        key_size = php.intval(data["key_size"]) if php.is_set(data, "key_size") else tpl["key_size"]
        selector = data["dkim_selector"] if php.is_set(data, "dkim_selector") else tpl["dkim_selector"]
        if not php.empty(key_size) and not php.empty(selector):
            if domain in self.dkim:
                session.success(log, "domain_add_dkim_available")
            else:
                self._dkim_add(session, {"key_size": key_size, "dkim_selector": selector, "domains": domain})
        # restart_sogo: the SOGo restart is taken to succeed, which answers the same as without it.
        session.success(log, ["domain_added", php.htmlspecialchars(domain)])
        return True

    @staticmethod
    def _save_tags(session: Session, log: list, stored: list[str], tags: list) -> None:
        """The tag loops of add/edit domain and mailbox: at most TAGGING_LIMIT + 1 tags."""
        for index, tag in enumerate(tags):
            if php.empty(tag):
                continue
            if index > TAGGING_LIMIT:
                session.warning(log, ["tag_limit_exceeded", f"limit {TAGGING_LIMIT}"])
                break
            text = php.strval(tag)
            if text not in stored:
                stored.append(text)

    def edit_domain(self, session: Session, data: dict) -> bool:
        """POST /api/v1/edit/domain (FM:2794-3032), admin branch."""
        log = mailbox_log("edit", "domain", data)
        for item in php.items_of(data.get("domain")):
            domain = php.idn_to_ascii(php.str_arg(item))
            if domain is None or not php.is_valid_domain_name(domain):
                session.danger(log, "domain_invalid")
                continue
            if not session.is_admin:
                continue
            is_now = self.domain_details(session, domain)
            if not is_now:
                session.danger(log, "domain_invalid")
                continue

            def flag(key: str, current: Any) -> Any:
                return php.intval(data[key]) if php.is_set(data, key) else current

            active = flag("active", is_now["active"])
            backupmx = flag("backupmx", is_now["backupmx"])
            gal = flag("gal", is_now["gal"])
            relay_all = flag("relay_all_recipients", is_now["relay_all_recipients"])
            relay_unknown = flag("relay_unknown_only", is_now["relay_unknown_only"])
            relayhost = flag("relayhost", is_now["relayhost"])
            aliases = data["aliases"] if not php.empty(data.get("aliases")) else is_now["max_num_aliases_for_domain"]
            mailboxes = (
                php.intval(data["mailboxes"])
                if php.is_set(data, "mailboxes") and not php.loose_eq(data["mailboxes"], "")
                else is_now["max_num_mboxes_for_domain"]
            )
            defquota = (
                php.intval(data["defquota"])
                if php.is_set(data, "defquota") and not php.loose_eq(data["defquota"], "")
                else is_now["def_quota_for_mbox"] // MIB
            )
            maxquota = data["maxquota"] if not php.empty(data.get("maxquota")) else is_now["max_quota_for_mbox"] // MIB
            quota = data["quota"] if not php.empty(data.get("quota")) else is_now["max_quota_for_domain"] // MIB
            description = data["description"] if not php.empty(data.get("description")) else is_now["description"]
            tags = php.array_values(data["tags"]) if isinstance(data.get("tags"), (list, dict)) else []
            if php.loose_eq(relay_all, "1"):
                backupmx = 1
            if php.loose_eq(relay_unknown, "1"):
                backupmx = 1
                relay_all = 1
            # Numbers as MariaDB will store them; non-numeric strings fail the UPDATE (500).
            aliases_n, maxquota_n, quota_n = _mysql_int(aliases), _mysql_int(maxquota), _mysql_int(quota)
            boxes = self._mailboxes_in(domain)
            biggest = max((_round_mib(m.quota) for m in boxes), default=None)
            quota_all = _round_mib(sum(m.quota for m in boxes))
            alias_count = self._counted_aliases(domain)
            if defquota > maxquota_n:
                session.danger(log, "mailbox_defquota_exceeds_mailbox_maxquota")
                continue
            if defquota == 0:
                session.danger(log, "defquota_empty")
                continue
            if maxquota_n > quota_n:
                session.danger(log, "mailbox_quota_exceeds_domain_quota")
                continue
            if maxquota_n == 0:
                session.danger(log, "maxquota_empty")
                continue
            if biggest is not None and biggest > maxquota_n:
                session.danger(log, ["max_quota_in_use", str(biggest)])
                continue
            if quota_all > quota_n:
                session.danger(log, ["domain_quota_m_in_use", str(quota_all)])
                continue
            if len(boxes) > mailboxes:
                session.danger(log, ["mailboxes_in_use", len(boxes)])
                continue
            if alias_count > aliases_n:
                session.danger(log, ["aliases_in_use", alias_count])
                continue
            row = self.domains[domain.lower()]
            before = asdict(row)
            row.relay_all_recipients = _mysql_int(relay_all)
            row.relay_unknown_only = _mysql_int(relay_unknown)
            row.backupmx = _mysql_int(backupmx)
            row.gal = _mysql_int(gal)
            row.active = _mysql_int(active)
            row.quota = quota_n
            row.defquota = defquota
            row.maxquota = maxquota_n
            row.relayhost = php.strval(relayhost)
            row.mailboxes = mailboxes
            row.aliases = aliases_n
            row.description = php.strval(description)
            self._touch(row, before, self._now())
            self._save_tags(session, log, row.tags, tags)
            session.success(log, ["domain_modified", php.htmlspecialchars(domain)])
        return True

    def delete_domain(self, session: Session, data: dict) -> bool:
        """POST /api/v1/delete/domain (FM:5691-5810): no existence check; mailboxes block."""
        log = mailbox_log("delete", "domain", data)
        items = php.items_of(data.get("domain"))
        if not session.is_admin:
            session.danger(log, "access_denied")
            return False
        for item in items:
            if not php.is_valid_domain_name(item):
                session.danger(log, "domain_invalid")
                continue
            domain = php.idn_to_ascii(php.str_arg(item).strip().lower())
            if self._mailboxes_in(domain):
                session.danger(log, ["domain_not_empty", domain])
                continue
            self.domains.pop(domain.lower(), None)
            for alias_id in [a.id for a in self.aliases.values() if a.domain.lower() == domain.lower()]:
                del self.aliases[alias_id]
            self.ratelimits.pop(domain, None)
            session.success(log, ["domain_removed", php.htmlspecialchars(domain)])
        return True

    def domain_details(self, session: Session, name: Any) -> dict | None:
        """`mailbox('get', 'domain_details', $name)` (FM:5008-5138); None is PHP's false."""
        domain = php.idn_to_ascii(php.str_arg(name).strip().lower())
        if not self.has_domain_access(session, domain):
            return None
        row = self._domain(domain)
        if row is None:
            return None
        boxes = self._mailboxes_in(row.domain)
        in_use = sum(m.quota for m in boxes)
        max_new = min(row.quota * MIB - in_use, row.maxquota * MIB)
        alias_count = self._counted_aliases(row.domain)
        data = {
            "max_new_mailbox_quota": max_new,
            "def_new_mailbox_quota": min(max_new, row.defquota * MIB),
            "quota_used_in_domain": str(in_use),  # COALESCE(SUM(quota), 0): a DECIMAL, i.e. a string
            "bytes_total": 0,
            "msgs_total": 0,
            "mboxes_in_domain": len(boxes),
            "mboxes_left": row.mailboxes - len(boxes),
            "domain_name": row.domain,
            "domain_h_name": php.idn_to_utf8(row.domain),
            "description": row.description,
            "max_num_aliases_for_domain": row.aliases,
            "max_num_mboxes_for_domain": row.mailboxes,
            "def_quota_for_mbox": row.defquota * MIB,
            "max_quota_for_mbox": row.maxquota * MIB,
            "max_quota_for_domain": row.quota * MIB,
            "relayhost": row.relayhost,
            "backupmx": row.backupmx,
            "backupmx_int": row.backupmx,
            "gal": row.gal,
            "gal_int": row.gal,
            "rl": self._ratelimit_get(row.domain),
            "active": row.active,
            "active_int": row.active,
            "relay_all_recipients": row.relay_all_recipients,
            "relay_all_recipients_int": row.relay_all_recipients,
            "relay_unknown_only": row.relay_unknown_only,
            "relay_unknown_only_int": row.relay_unknown_only,
            "created": row.created,
            "modified": row.modified,
            "aliases_in_domain": alias_count,
            "aliases_left": row.aliases - alias_count,
            "domain_admins": "-",
        }
        if row.tags:
            data["tags"] = list(row.tags)
        return data

    def _domain_names(self, session: Session, tags: list[str] | None = None) -> list[str]:
        """`mailbox('get', 'domains', null, $tags)`: every domain, or those with a matching tag."""
        if not session.is_admin:
            return []
        rows = sorted(self.domains.values(), key=lambda d: d.domain)
        if tags is None:
            return [d.domain for d in rows]
        names: list[str] = []
        for tag in tags:
            for row in rows:
                if any(_like(tag, t) for t in row.tags) and row.domain not in names:
                    names.append(row.domain)
        return names

    def get_domains(self, session: Session, tags: list[str] | None) -> list | None:
        """GET /api/v1/get/domain/all[?tags=a,b] (JA:465-488)."""
        data = [d for d in (self.domain_details(session, name) for name in self._domain_names(session, tags)) if d]
        return data or None

    def get_domain(self, session: Session, name: Any) -> dict | None:
        """GET /api/v1/get/domain/{domain}."""
        return self.domain_details(session, name)

    # ---- mailboxes ------------------------------------------------------------------------

    def add_mailbox(self, session: Session, data: dict) -> bool:
        """POST /api/v1/add/mailbox (FM:1037-1407)."""
        log = mailbox_log("add", "mailbox", data)
        tpl = MAILBOX_TEMPLATE
        local_part = php.str_arg(data.get("local_part")).strip().lower()
        domain = php.idn_to_ascii(php.str_arg(data.get("domain")).strip().lower())
        username = f"{local_part}@{domain or ''}"
        if not php.is_email(username):
            session.danger(log, "mailbox_invalid")
            return False
        if php.empty(data.get("local_part")):
            session.danger(log, "mailbox_invalid")
            return False
        if not session.is_admin:
            # Without a session role the template lookup yields null and array_merge() throws.
            raise PhpFatal("TypeError: array_merge(): Argument #2 must be of type array, null given")
        password, password2 = data.get("password"), data.get("password2")
        name = php.str_arg(data.get("name")).rstrip(">").lstrip("<")
        # $tags = $_data['tags'] is not cast here: a scalar is skipped by foreach.
        tags = php.array_values(data["tags"]) if isinstance(data.get("tags"), (list, dict)) else list(tpl["tags"])
        quota_m = php.intval(data["quota"]) if php.is_set(data, "quota") else tpl["quota"] // MIB
        # quota 0 needs the unlimited_quota ACL, which the API user always has.
        values = dict(data)
        if php.is_set(values, "protocol_access"):
            chosen = php.array_values(values["protocol_access"]) if isinstance(values["protocol_access"], (list, dict)) else [values["protocol_access"]]
            for proto in PROTOCOLS:
                values[f"{proto}_access"] = 1 if php.in_array(proto, chosen) else 0

        def flag(key: str) -> int:
            return php.intval(values[key]) if php.is_set(values, key) else php.intval(tpl[key])

        active = flag("active")
        attrs_int = {key: flag(key) for key in ("force_pw_update", "force_tfa", "tls_enforce_in", "tls_enforce_out", "sogo_access")}
        access = {f"{proto}_access": flag(f"{proto}_access") for proto in PROTOCOLS}
        relayhost = php.intval(values["relayhost"]) if php.is_set(values, "relayhost") else 0
        quarantine_notification = php.strval(values["quarantine_notification"]) if php.is_set(values, "quarantine_notification") else tpl["quarantine_notification"]
        quarantine_category = php.strval(values["quarantine_category"]) if php.is_set(values, "quarantine_category") else tpl["quarantine_category"]
        if quarantine_category not in ("add_header", "reject", "all"):
            session.danger(log, "quarantine_category_invalid")
            return False
        attribute_hash = data["attribute_hash"] if not php.empty(data.get("attribute_hash")) else ""
        if not php.is_valid_domain_name(domain):
            session.danger(log, "domain_invalid")
            return False
        if not self.has_domain_access(session, domain):
            session.danger(log, "access_denied")
            return False
        domain_row = self._domain(domain)
        boxes = self._mailboxes_in(domain)
        used_m = _round_mib(sum(m.quota for m in boxes))
        if self._mailbox(username) is not None:
            session.danger(log, ["object_exists", php.htmlspecialchars(username)])
            return False
        if self._alias_by_address(username) is not None:
            session.danger(log, ["is_alias", php.htmlspecialchars(username)])
            return False
        # is_spam_alias (no time-limited aliases here) and domain_not_found (only for alias
        # domains, which this emulator does not have) cannot trigger.
        if not self.password_check(session, password, password2):
            return False
        password_hashed = passwords.hash_password(php.strval(password))
        if len(boxes) >= domain_row.mailboxes:
            session.danger(log, ["max_mailbox_exceeded", len(boxes), domain_row.mailboxes])
            return False
        if quota_m > domain_row.maxquota:
            session.danger(log, ["mailbox_quota_exceeded", domain_row.maxquota])
            return False
        if used_m + quota_m > domain_row.quota:
            session.danger(log, ["mailbox_quota_left_exceeded", domain_row.quota - used_m])
            return False
        now = self._now()
        attributes = {key: str(value) for key, value in attrs_int.items()}
        attributes.update({key: str(value) for key, value in access.items()})
        attributes.update(
            {
                "relayhost": str(relayhost),
                "passwd_update": now,
                "mailbox_format": tpl["mailbox_format"],
                "quarantine_notification": quarantine_notification,
                "quarantine_category": quarantine_category,
                "attribute_hash": attribute_hash,
            }
        )
        mailbox = FakeMailbox(
            username=username,
            password=password_hashed,
            name=name,
            quota=quota_m * MIB,
            local_part=local_part,
            domain=domain,
            attributes=attributes,
            created=now,
            active=active,
            modified=now,  # the JSON_SET of passwd_update right after the INSERT is an UPDATE
        )
        self.mailboxes[username.lower()] = mailbox
        self._save_tags(session, log, mailbox.tags, tags)
        self_alias_id = self._new_alias_id()
        self.aliases[self_alias_id] = FakeAlias(
            id=self_alias_id, address=username, goto=username, domain=domain, created=now, active=active
        )
        rl_frame = data["rl_frame"] if php.is_set(data, "rl_frame") else tpl["rl_frame"]
        rl_value = data["rl_value"] if php.is_set(data, "rl_value") else tpl["rl_value"]
        self._ratelimit_edit(session, "mailbox", {"object": username, "rl_frame": rl_frame, "rl_value": rl_value})
        session.success(log, ["mailbox_added", php.htmlspecialchars(username)])
        return True

    def edit_mailbox(self, session: Session, data: dict) -> bool:
        """POST /api/v1/edit/mailbox (FM:3106-3511)."""
        log = mailbox_log("edit", "mailbox", data)
        values = dict(data)
        if php.is_set(values, "protocol_access"):
            chosen = php.array_values(values["protocol_access"]) if isinstance(values["protocol_access"], (list, dict)) else [values["protocol_access"]]
            for proto in PROTOCOLS:
                values[f"{proto}_access"] = 1 if php.in_array(proto, chosen) else 0
        for username in php.items_of(data.get("username")):
            if not php.is_email(username):
                session.danger(log, ["username_invalid", username])
                continue
            is_now = self.mailbox_details(session, username)
            if not is_now:
                session.danger(log, "access_denied")
                continue
            attrs = is_now["attributes"]

            def flag(key: str, current: Any) -> int:
                return php.intval(values[key]) if php.is_set(values, key) else php.intval(current)

            active = php.intval(values["active"]) if php.is_set(values, "active") else is_now["active"]
            changes = {key: flag(key, attrs.get(key)) for key in ("force_pw_update", "force_tfa", "sogo_access")}
            changes.update({f"{p}_access": flag(f"{p}_access", attrs.get(f"{p}_access")) for p in PROTOCOLS})
            changes["relayhost"] = flag("relayhost", attrs.get("relayhost"))
            has_quota = php.is_set(values, "quota") and not php.loose_eq(values["quota"], "")
            quota_m = php.intval(values["quota"]) if has_quota else is_now["quota"] // MIB
            name = php.str_arg(values["name"]).rstrip(">").lstrip("<") if not php.empty(values.get("name")) else is_now["name"]
            password = values["password"] if not php.empty(values.get("password")) else None
            password2 = values["password2"] if not php.empty(values.get("password2")) else None
            tags = php.array_values(values["tags"]) if isinstance(values.get("tags"), (list, dict)) else []
            attribute_hash = values["attribute_hash"] if not php.empty(values.get("attribute_hash")) else ""
            recovery_email = php.strval(values["pw_recovery_email"]) if php.is_set(values, "pw_recovery_email") else attrs.get("recovery_email")
            domain_data = self.domain_details(session, is_now["domain"])
            max_new_m = is_now["max_new_quota"] // MIB
            if quota_m > max_new_m:
                session.danger(log, ["mailbox_quota_left_exceeded", max_new_m])
                continue
            if quota_m > domain_data["max_quota_for_mbox"]:  # compares MiB with bytes, as the PHP does
                session.danger(log, ["mailbox_quota_exceeded", domain_data["max_quota_for_mbox"]])
                continue
            mailbox = self._mailbox(username)
            before = asdict(mailbox)
            now = self._now()
            if not php.empty(password):
                if not self.password_check(session, password, password2):
                    continue
                mailbox.password = passwords.hash_password(php.strval(password))
                mailbox.attributes["passwd_update"] = now
            self_alias = self._alias_by_address(mailbox.username)
            if self_alias is not None:
                alias_before = asdict(self_alias)
                self_alias.active = active
                self._touch(self_alias, alias_before, now)
            mailbox.active = active
            mailbox.name = name
            mailbox.quota = quota_m * MIB
            for key, value in changes.items():
                mailbox.attributes[key] = str(value)
            mailbox.attributes["recovery_email"] = recovery_email
            mailbox.attributes["attribute_hash"] = php.strval(attribute_hash)
            self._touch(mailbox, before, now)
            self._save_tags(session, log, mailbox.tags, tags)
            session.success(log, ["mailbox_modified", username])
        return True

    def delete_mailbox(self, session: Session, data: dict) -> bool:
        """POST /api/v1/delete/mailbox (FM:5956-6147)."""
        log = mailbox_log("delete", "mailbox", data)
        for username in php.items_of(data.get("username")):
            if not php.is_email(username):
                session.danger(log, "access_denied")
                continue
            if not self.has_mailbox_access(session, username):
                session.danger(log, "access_denied")
                continue
            lowered = username.lower()
            for alias_id in [a.id for a in self.aliases.values() if a.goto.lower() == lowered]:
                del self.aliases[alias_id]
            del self.mailboxes[lowered]
            self.ratelimits.pop(username, None)
            now = self._now()
            member = re.compile(r"(^|,)" + re.escape(username) + r"($|,)", re.IGNORECASE)
            for alias in list(self.aliases.values()):
                if member.search(alias.goto):
                    before = asdict(alias)
                    gotos = alias.goto.split(",")
                    if username in gotos:
                        gotos.remove(username)
                    alias.goto = ",".join(gotos)
                    self._touch(alias, before, now)
            session.success(log, ["mailbox_removed", php.htmlspecialchars(username)])
        return True

    def mailbox_details(self, session: Session, username: Any, extra: str | None = None) -> dict | None:
        """`mailbox('get', 'mailbox_details', $username, $extra)` (FM:5176-5346)."""
        if not self.has_mailbox_access(session, username):
            return None
        row = self._mailbox(php.strval(username))
        data = {
            "username": row.username,
            "active": row.active,
            "active_int": row.active,
            "domain": row.domain,
            "name": row.name,
            "local_part": row.local_part,
            "quota": row.quota,
            "messages": 0,
            "attributes": dict(row.attributes),
            "custom_attributes": [],  # json_decode('{}', true) is an empty PHP array
            "quota_used": 0,
            "percent_in_use": "- " if row.quota == 0 else 0,
            "created": row.created,
            "modified": row.modified,
            "authsource": row.authsource or "mailcow",
            "percent_class": "info" if row.quota == 0 else "success",
            "last_imap_login": 0,
            "last_smtp_login": 0,
            "last_pop3_login": 0,
            "last_sso_login": 0,
        }
        if extra != "reduced":
            domain = self._domain(row.domain)
            others = sum(m.quota for m in self._mailboxes_in(row.domain) if m.username.lower() != row.username.lower())
            data["max_new_quota"] = min(domain.quota * MIB - others, domain.maxquota * MIB)
            data["spam_aliases"] = 0
            data["pushover_active"] = 0
            rl = self._ratelimit_get(row.username)
            if rl:
                data["rl"], data["rl_scope"] = rl, "mailbox"
            else:
                data["rl"], data["rl_scope"] = self._ratelimit_get(row.domain), "domain"
            data["is_relayed"] = domain.backupmx
            data["sender_acl"] = []
        if row.tags:
            data["tags"] = list(row.tags)
        return data

    def _mailbox_names(self, session: Session, domain: Any, tags: list[str] | None) -> list[str]:
        """`mailbox('get', 'mailboxes', $domain, $tags)` (FM:4399-4449). An unknown domain falls
        through to the "all mailboxes" query."""
        if tags is not None and domain is not None:
            names: list[str] = []
            pattern = php.strval(domain)
            for tag in tags:
                for row in sorted(self.mailboxes.values(), key=lambda m: m.username):
                    if _like(pattern, row.username) and any(_like(tag, t) for t in row.tags) and row.username not in names:
                        if self.has_domain_access(session, row.username.split("@")[1]):
                            names.append(row.username)
            return names
        if domain is not None and self.has_domain_access(session, domain):
            return [m.username for m in self._mailboxes_in(php.strval(domain))]
        if not session.is_admin:
            return []
        return sorted(m.username for m in self.mailboxes.values())

    def get_mailboxes(self, session: Session, mode: str, domains: str | None, tags: list[str] | None) -> list | None:
        """GET /api/v1/get/mailbox/{all|reduced}[/{domain[,domain]}][?tags=] (JA:964-990)."""
        names = self._domain_names(session) if php.empty(domains) else domains.split(",")
        if not names:
            return None
        data = []
        for domain in names:
            for username in self._mailbox_names(session, domain, tags):
                details = self.mailbox_details(session, username, mode)
                if details:
                    data.append(details)
        return data or None

    def get_mailbox(self, session: Session, username: Any, tags: list[str] | None) -> dict | list | None:
        """GET /api/v1/get/mailbox/{username}[?tags=] (JA:1000-1018): with tags, a list."""
        if tags is None:
            return self.mailbox_details(session, username)
        found = self._mailbox_names(session, username, tags)
        return [d for d in (self.mailbox_details(session, u) for u in found) if d]

    # ---- aliases --------------------------------------------------------------------------

    def add_alias(self, session: Session, data: dict) -> bool:
        """POST /api/v1/add/alias (FM:700-908)."""
        log = mailbox_log("add", "alias", data)
        addresses = php.split_list(data.get("address"))
        gotos = php.split_list(data.get("goto"))
        internal = php.intval(data.get("internal"))
        active = php.intval(data.get("active"))
        sender_allowed = php.intval(data.get("sender_allowed"))
        sogo_visible = php.intval(data.get("sogo_visible"))
        goto_null = php.intval(data.get("goto_null"))
        goto_spam = php.intval(data.get("goto_spam"))
        goto_ham = php.intval(data.get("goto_ham"))
        private_comment, public_comment = data.get("private_comment"), data.get("public_comment")
        if php.byte_length(private_comment) > 160 or php.byte_length(public_comment) > 160:
            session.danger(log, "comment_too_long")
            return False
        if php.empty(addresses[0]):
            session.danger(log, "alias_empty")
            return False
        if php.empty(gotos[0]) and goto_null + goto_spam + goto_ham == 0:
            session.danger(log, "goto_empty")
            return False
        if goto_null == 1:
            goto = "null@localhost"
        elif goto_spam == 1:
            goto = "spam@localhost"
        elif goto_ham == 1:
            goto = "ham@localhost"
        else:
            kept = []
            for target in gotos:
                if php.empty(target):
                    continue
                target_domain = php.idn_to_ascii(php.strstr_after(target, "@"))
                target_local = php.strstr_before(target, "@")
                target = f"{target_local or ''}@{target_domain or ''}"
                if not php.is_email(target):  # (no resource mailboxes exist to refuse first)
                    session.danger(log, ["goto_invalid", php.htmlspecialchars(target)])
                    continue
                kept.append(target)
            gotos = php.unique([g for g in kept if not php.empty(g)])
            if not gotos:
                return False
            goto = ",".join(gotos)
        for address in addresses:
            if php.empty(address):
                continue
            if php.in_array(address, gotos):
                continue
            domain = php.idn_to_ascii(php.strstr_after(address, "@"))
            local_part = php.strstr_before(address, "@")
            address = f"{local_part or ''}@{domain or ''}"
            domain_data = self.domain_details(session, domain)  # idn failure: trim(false) -> "" -> 500
            if domain_data and php.loose_eq(domain_data["aliases_left"], "0"):
                session.danger(log, "max_alias_exceeded")
                return False
            if self._alias_by_address(address) is not None:
                session.danger(log, ["is_alias_or_mailbox", php.htmlspecialchars(address)])
                continue
            if domain is None or self._domain(domain) is None:
                session.danger(log, ["domain_not_found", php.htmlspecialchars(domain or "")])
                continue
            if not php.is_email(address) and not php.empty(local_part):
                session.danger(log, ["alias_invalid", address])
                continue
            if not self.has_domain_access(session, domain):
                session.danger(log, "access_denied")
                continue
            alias_id = self._new_alias_id()
            self.aliases[alias_id] = FakeAlias(
                id=alias_id,
                address=address if php.is_email(address) else "@" + domain,
                goto=goto,
                domain=domain,
                created=self._now(),
                active=active,
                sogo_visible=sogo_visible,
                internal=internal,
                sender_allowed=sender_allowed,
                private_comment=None if private_comment is None else php.strval(private_comment),
                public_comment=None if public_comment is None else php.strval(public_comment),
            )
            session.success(log, ["alias_added", address, str(alias_id)])
        return True

    def _find_alias(self, key: Any) -> FakeAlias | None:
        """`WHERE (id = :key OR address = :key) AND address != goto`, key bound as a string."""
        if key is None:
            return None
        text = php.strval(key)
        number = _mysql_number(text)
        lowered = text.lower()
        for alias in sorted(self.aliases.values(), key=lambda a: a.id):
            if alias.is_self_alias:
                continue
            if alias.id == number or alias.address.lower() == lowered:
                return alias
        return None

    def alias_details(self, session: Session, key: Any) -> dict | None:
        """`mailbox('get', 'alias_details', $key)` (FM:4841-4894): by id or by address."""
        row = self._find_alias(key)
        if row is None or not self.has_domain_access(session, row.domain):
            return None
        return {
            "in_primary_domain": "",
            "id": row.id,
            "domain": row.domain,
            "public_comment": row.public_comment,
            "private_comment": row.private_comment,
            "goto": row.goto,
            "address": row.address,
            "is_catch_all": 0 if php.is_email(row.address) else 1,
            "internal": row.internal,
            "active": row.active,
            "active_int": row.active,
            "sogo_visible": row.sogo_visible,
            "sogo_visible_int": row.sogo_visible,
            "sender_allowed": row.sender_allowed,
            "created": row.created,
            "modified": row.modified,
        }

    def edit_alias(self, session: Session, data: dict) -> bool:
        """POST /api/v1/edit/alias (FM:2550-2793)."""
        log = mailbox_log("edit", "alias", data)
        address: Any = None  # PHP reuses the previous item's $address in alias_invalid
        for key in php.items_of(data.get("id")):
            is_now = self.alias_details(session, key)
            if not is_now:
                session.danger(log, ["alias_invalid", address])
                continue

            def flag(name: str, current: Any) -> Any:
                return php.intval(data[name]) if php.is_set(data, name) else current

            internal = flag("internal", is_now["internal"])
            active = flag("active", is_now["active"])
            sender_allowed = flag("sender_allowed", is_now["sender_allowed"])
            sogo_visible = flag("sogo_visible", is_now["sogo_visible"])
            goto_null = flag("goto_null", 0)
            goto_spam = flag("goto_spam", 0)
            goto_ham = flag("goto_ham", 0)
            public_comment = data["public_comment"] if php.is_set(data, "public_comment") else is_now["public_comment"]
            private_comment = data["private_comment"] if php.is_set(data, "private_comment") else is_now["private_comment"]
            goto: Any = data["goto"] if not php.empty(data.get("goto")) else is_now["goto"]
            address = data["address"] if not php.empty(data.get("address")) else is_now["address"]
            if php.loose_eq(data.get("expand_alias"), 1) or data.get("expand_alias") is True:
                # Expands the alias into alias domains; there are none here, so nothing changes.
                session.success(log, ["alias_modified", php.htmlspecialchars(address)])
                continue
            address = php.str_arg(address)
            domain = php.idn_to_ascii(php.strstr_after(address, "@"))
            if is_now["address"] != address:
                local_part = php.strstr_before(address, "@")
                address = f"{local_part or ''}@{domain or ''}"
                if not self.has_domain_access(session, domain):
                    session.danger(log, "access_denied")
                    continue
                if not php.is_email(address) and not php.empty(local_part):
                    session.danger(log, ["alias_invalid", address])
                    continue
                if is_now["address"].lower() != address.lower() and self._alias_by_address(address) is not None:
                    session.danger(log, ["is_alias_or_mailbox", php.htmlspecialchars(address)])
                    continue
                if self._domain(domain) is None:  # reached only through alias domains in Mailcow
                    session.danger(log, ["domain_not_found", php.htmlspecialchars(domain)])
                    continue
            if php.loose_eq(goto_null, "1"):
                goto = "null@localhost"
            elif php.loose_eq(goto_spam, "1"):
                goto = "spam@localhost"
            elif php.loose_eq(goto_ham, "1"):
                goto = "ham@localhost"
            else:
                kept = []
                for target in php.split_list(goto):
                    if php.empty(target):
                        continue
                    if not php.is_email(target):
                        session.danger(log, ["goto_invalid", target])
                        continue
                    if php.loose_eq(target, address):
                        session.danger(log, "alias_goto_identical")
                        continue
                    kept.append(target)
                goto = ",".join(php.unique([g for g in kept if not php.empty(g)]))
            if not php.empty(goto):
                row = self.aliases[is_now["id"]]
                before = asdict(row)
                row.address = address
                row.public_comment = None if public_comment is None else php.strval(public_comment)
                row.private_comment = None if private_comment is None else php.strval(private_comment)
                row.domain = domain or ""
                row.goto = goto
                row.sogo_visible = _mysql_int(sogo_visible)
                row.internal = _mysql_int(internal)
                row.sender_allowed = _mysql_int(sender_allowed)
                row.active = _mysql_int(active)
                self._touch(row, before, self._now())
            session.success(log, ["alias_modified", php.htmlspecialchars(address)])
        return True

    def delete_alias(self, session: Session, data: dict) -> bool:
        """POST /api/v1/delete/alias (FM:5847-5891): items are ids (or addresses)."""
        log = mailbox_log("delete", "alias", data)
        for key in php.items_of(data.get("id")):
            alias = self.alias_details(session, key)
            if not alias:
                session.danger(log, "access_denied")
                continue
            del self.aliases[alias["id"]]
            session.success(log, ["alias_removed", php.htmlspecialchars(alias["address"])])
        return True

    def get_aliases(self, session: Session, domains: str | None) -> list | None:
        """GET /api/v1/get/alias/all[/{domain[,domain]}] (JA:1357-1385)."""
        names = self._domain_names(session) if php.empty(domains) else domains.split(",")
        if not names:
            return None
        data = []
        for domain in names:
            if not self.has_domain_access(session, domain):
                continue
            for alias in self._aliases_in(domain):
                details = self.alias_details(session, alias.id)
                if details:
                    data.append(details)
        return data or None

    def get_alias(self, session: Session, key: Any) -> dict | None:
        """GET /api/v1/get/alias/{id-or-address}."""
        return self.alias_details(session, key)

    # ---- sandbox-only reads ---------------------------------------------------------------

    def check_password(self, username: str, password: str) -> dict:
        """Does `password` match the stored hash of `username`? (control endpoint)"""
        with self.lock:
            mailbox = self._mailbox(username)
            if mailbox is None:
                return {"username": username, "exists": False, "valid": False, "scheme": None}
            return {
                "username": mailbox.username,
                "exists": True,
                "valid": passwords.verify_password(mailbox.password, password),
                "scheme": passwords.scheme_of(mailbox.password),
            }
