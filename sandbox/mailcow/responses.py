"""The `/api/v1` front: json_api.php's request pipeline and one thin handler per operation.

`MailcowResponse.dispatch` does what nginx + sessions.inc.php + json_api.php do before an
operation runs, in the real order (MAILCOW_API_NOTES.md §1-§2):

  path decoding -> API key (401) -> Sec-Fetch-Dest (403) -> JSON body validity (400)
  -> read-only key on add/edit/delete (403) -> attr/items present (200 error) -> method (405)
  -> route (404) -> operation

Each handler reads its parameters, calls one `MailcowBackend` method and serialises the result
the way json_api.php does: write actions answer the session's entries (or the single-object
`Task completed` / `Cannot ... item`), GETs answer pretty JSON or `{}`.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Mapping

from . import errors, php, urls
from .models import MailcowBackend, Session

JSON = "application/json"


@dataclass
class Request:
    """An HTTP request as the HTTP layer hands it over."""

    method: str
    path: str  # raw request target, query string included
    headers: Mapping[str, str]
    body: bytes = b""
    client_ip: str = "127.0.0.1"


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = JSON
    headers: dict = field(default_factory=dict)


@dataclass
class ApiKeys:
    """The `api` table: read-write and read-only keys, and an optional `allow_from` list."""

    read_write: list[str]
    read_only: list[str] = field(default_factory=list)
    allow_from: list[str] | None = None  # None: skip_ip_check

    def access_for(self, presented: str) -> str | None:
        """'rw', 'ro' or None, comparing in constant time against every key."""
        found = None
        for access, keys in (("rw", self.read_write), ("ro", self.read_only)):
            for key in keys:
                if hmac.compare_digest(presented.encode(), key.encode()) and found is None:
                    found = access
        return found

    def ip_allowed(self, client_ip: str) -> bool:
        """`ip_acl()`: addresses or CIDRs, split on space , ; and newlines."""
        if self.allow_from is None:
            return True
        try:
            address = ipaddress.ip_address(client_ip)
        except ValueError:
            return False
        for entry in self.allow_from:
            try:
                if address in ipaddress.ip_network(entry.strip(), strict=False):
                    return True
            except ValueError:
                continue
        return False


@dataclass
class ApiCall:
    """What json_api.php knows once the pipeline has run."""

    session: Session
    method: str
    action: str | None
    category: str | None
    obj: str | None
    extra: str | None
    args: dict
    attr: dict = field(default_factory=dict)
    items: Any = None


def php_query(path: str) -> tuple[str, dict]:
    """nginx `location ~ ^/api/v1/(.*)$ { try_files ... /json_api.php?query=$1&$args; }`:
    `$1` comes from the decoded URI and is pasted into a query string that PHP decodes again
    (so `+` becomes a space and `&` ends the query)."""
    raw_path, _, raw_args = path.partition("?")
    decoded = re.sub(r"/{2,}", "/", urllib.parse.unquote(raw_path, errors="replace"))
    capture = decoded[len("/api/v1/") :] if decoded.startswith("/api/v1/") else ""
    php_qs = "query=" + capture + ("&" + raw_args if raw_args else "")
    args: dict[str, str] = {}
    for key, value in urllib.parse.parse_qsl(php_qs, keep_blank_values=True, errors="replace"):
        args[key] = value
    return args.get("query", ""), args


class MailcowResponse:
    """json_api.php for the implemented categories."""

    def __init__(self, backend: MailcowBackend, keys: ApiKeys, version: str = "2026-07"):
        self.backend = backend
        self.keys = keys
        self.version = version

    # ---- pipeline ---------------------------------------------------------------------------

    def dispatch(self, request: Request) -> Reply:
        try:
            with self.backend.lock:
                try:
                    return self._dispatch(request)
                finally:
                    if request.method == "POST":  # every write action is a POST
                        self.backend.save()
        except errors.ApiError as error:
            return Reply(error.status, error.body())
        except php.PhpFatal:
            return Reply(errors.InternalError.status, errors.InternalError().body())

    def _authenticate(self, request: Request) -> tuple[Session, str | None]:
        presented = request.headers.get("X-API-Key")
        if php.empty(presented):
            return Session(role=None), None
        cleaned = re.sub(r"[^a-zA-Z0-9-]", "", presented)
        access = self.keys.access_for(cleaned) if cleaned else None
        if access is None:
            raise errors.AuthenticationFailed()
        if not self.keys.ip_allowed(request.client_ip):
            raise errors.IpAccessDenied(request.client_ip)
        return Session(role="admin"), access

    @staticmethod
    def _post_data(request: Request, action: str | None) -> dict:
        """`$_POST['attr']` / `$_POST['items']`, already json-decoded (absent key = not set)."""
        content_type = request.headers.get("Content-Type") or ""
        if "application/json" in content_type:
            try:
                decoded = php.json_decode(request.body)
                valid = decoded is not None
            except php.InvalidJson:
                decoded, valid = None, False
            if action != "get" and not valid:
                raise errors.InvalidJsonBody()
            if action == "add":
                return {"attr": decoded}
            if action == "edit":
                if isinstance(decoded, str):
                    raise php.PhpFatal("TypeError: Cannot access offset of type string on string")
                return {"attr": php.get(decoded, "attr"), "items": php.get(decoded, "items")}
            if action == "delete":
                return {"items": decoded}
            return {}
        if request.method == "POST" and content_type.startswith("application/x-www-form-urlencoded"):
            form = dict(urllib.parse.parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
            post = {}
            for key in ("attr", "items"):
                if key in form:
                    try:
                        post[key] = php.json_decode(form[key])
                    except php.InvalidJson:
                        post[key] = None
            return post
        return {}

    def _dispatch(self, request: Request) -> Reply:
        query, args = php_query(request.path)
        parts = query.split("/")
        action, category, obj, extra = (parts + [None, None, None, None])[:4]
        session, access = self._authenticate(request)
        fetch_dest = request.headers.get("Sec-Fetch-Dest")
        if fetch_dest is not None and fetch_dest != "empty":
            raise errors.BrowserRequestForbidden()
        post = self._post_data(request, action)
        call = ApiCall(session, request.method, action, category, obj, extra, args)
        if action == "add":
            if access == "ro":
                raise errors.ReadWriteDenied()
            if "attr" not in post:
                raise errors.AttributesMissing()
            call.attr = php.as_array(post["attr"])
            call.attr.pop("csrf_token", None)
            if request.method != "POST":
                raise errors.PostOnly()
        elif action == "get":
            if request.method != "GET":
                raise errors.GetOnly()
            if session.role is None:
                return Reply(200, b"")  # json_api.php has no else branch for a missing session
        elif action in ("edit", "delete"):
            if access == "ro" or session.role is None:
                raise errors.ReadWriteDenied()
            needed = "attr" if action == "edit" else "items"
            if needed not in post:
                raise errors.AttributesMissing()
            if action == "edit":
                call.attr = php.as_array(post["attr"])
                call.attr.pop("csrf_token", None)
                call.items = php.as_array(post["items"]) if "items" in post else None
            else:
                call.items = php.as_array(post["items"])
            if request.method != "POST":
                raise errors.PostOnly()
        else:
            raise errors.RouteNotFound()
        handler = urls.api_routes.get((action, category))
        if handler is None or obj in urls.unimplemented_objects.get((action, category), set()):
            raise errors.RouteNotFound()
        return getattr(self, handler)(call)

    # ---- serialisation ----------------------------------------------------------------------

    @staticmethod
    def _write_reply(session: Session, returned: bool, action: str) -> Reply:
        """`process_{add,edit,delete}_return()`."""
        if session.entries:
            body: Any = session.entries
        elif returned is False:
            body = {"type": "error", "msg": f"Cannot {action} item"}
        else:
            body = {"type": "success", "msg": "Task completed"}
        return Reply(200, php.json_encode(body).encode("utf-8"))

    @staticmethod
    def _get_reply(data: Any, as_object: bool = True) -> Reply:
        """`process_get_return()`: missing or empty data is `{}` (or `[]`)."""
        if php.empty(data):
            return Reply(200, b"{}" if as_object else b"[]")
        return Reply(200, php.json_encode(data, pretty=True).encode("utf-8"))

    @staticmethod
    def _tags(call: ApiCall) -> list[str] | None:
        tags = call.args.get("tags")
        return tags.split(",") if tags not in (None, "") else None

    @staticmethod
    def _merged(key: str, call: ApiCall) -> dict:
        """`array_merge(array($key => $items), $attr)`."""
        data = {key: call.items}
        data.update(call.attr)
        return data

    # ---- add ------------------------------------------------------------------------------

    def add_domain(self, call: ApiCall) -> Reply:
        """POST /api/v1/add/domain"""
        return self._write_reply(call.session, self.backend.add_domain(call.session, call.attr), "add")

    def add_mailbox(self, call: ApiCall) -> Reply:
        """POST /api/v1/add/mailbox"""
        return self._write_reply(call.session, self.backend.add_mailbox(call.session, call.attr), "add")

    def add_alias(self, call: ApiCall) -> Reply:
        """POST /api/v1/add/alias"""
        return self._write_reply(call.session, self.backend.add_alias(call.session, call.attr), "add")

    # ---- edit -----------------------------------------------------------------------------

    def edit_domain(self, call: ApiCall) -> Reply:
        """POST /api/v1/edit/domain {"items": [...], "attr": {...}}"""
        return self._write_reply(call.session, self.backend.edit_domain(call.session, self._merged("domain", call)), "edit")

    def edit_mailbox(self, call: ApiCall) -> Reply:
        """POST /api/v1/edit/mailbox {"items": [...], "attr": {...}}"""
        return self._write_reply(call.session, self.backend.edit_mailbox(call.session, self._merged("username", call)), "edit")

    def edit_alias(self, call: ApiCall) -> Reply:
        """POST /api/v1/edit/alias {"items": [<id>...], "attr": {...}}"""
        return self._write_reply(call.session, self.backend.edit_alias(call.session, self._merged("id", call)), "edit")

    def edit_passwordpolicy(self, call: ApiCall) -> Reply:
        """POST /api/v1/edit/passwordpolicy {"attr": {...}}"""
        return self._write_reply(call.session, self.backend.edit_password_policy(call.session, call.attr), "edit")

    # ---- delete ---------------------------------------------------------------------------

    def delete_domain(self, call: ApiCall) -> Reply:
        """POST /api/v1/delete/domain ["x.org", ...]"""
        return self._write_reply(call.session, self.backend.delete_domain(call.session, {"domain": call.items}), "delete")

    def delete_mailbox(self, call: ApiCall) -> Reply:
        """POST /api/v1/delete/mailbox ["u@x.org", ...]"""
        return self._write_reply(call.session, self.backend.delete_mailbox(call.session, {"username": call.items}), "delete")

    def delete_alias(self, call: ApiCall) -> Reply:
        """POST /api/v1/delete/alias [<id>, ...]"""
        return self._write_reply(call.session, self.backend.delete_alias(call.session, {"id": call.items}), "delete")

    # ---- get ------------------------------------------------------------------------------

    def get_domain(self, call: ApiCall) -> Reply:
        """GET /api/v1/get/domain/{all|<domain>}[?tags=a,b]"""
        if call.obj == "all":
            return self._get_reply(self.backend.get_domains(call.session, self._tags(call)))
        return self._get_reply(self.backend.get_domain(call.session, call.obj))

    def get_mailbox(self, call: ApiCall) -> Reply:
        """GET /api/v1/get/mailbox/{all|reduced}[/<domain>[,<domain>]] or /{username}[?tags=]"""
        tags = self._tags(call)
        if call.obj in ("all", "reduced"):
            return self._get_reply(self.backend.get_mailboxes(call.session, call.obj, call.extra, tags))
        data = self.backend.get_mailbox(call.session, call.obj, tags)
        return self._get_reply(data, as_object=tags is None)

    def get_alias(self, call: ApiCall) -> Reply:
        """GET /api/v1/get/alias/{all[/<domain>[,<domain>]]|<id>|<address>}"""
        if call.obj == "all":
            return self._get_reply(self.backend.get_aliases(call.session, call.extra))
        return self._get_reply(self.backend.get_alias(call.session, call.obj))

    def get_passwordpolicy(self, call: ApiCall) -> Reply:
        """GET /api/v1/get/passwordpolicy[/html]"""
        if call.obj == "html":
            return self._get_reply(self.backend.get_password_policy_html())
        return self._get_reply(self.backend.get_password_policy())

    def get_status(self, call: ApiCall) -> Reply:
        """GET /api/v1/get/status/version (other status objects need docker: empty answer)."""
        if call.obj == "version":
            return Reply(200, php.json_encode({"version": self.version}).encode("utf-8"))
        return Reply(200, b"")
