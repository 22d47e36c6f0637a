"""Route table of the Mailcow emulator: nothing but patterns and the handler names they lead to.

`url_paths` is matched against the percent-decoded request path (nginx's `$uri`), in order.
`api_routes` is json_api.php's `switch ($action) / switch ($category)` for the categories the
emulator implements; any other action or category answers 404 `route not found`.
`unimplemented_objects` are real sub-routes (templates, tags, footers, custom attributes) that
the emulator does not implement; they answer 404 too (see COVERAGE.md).
"""

from __future__ import annotations

import re

url_bases = ["/api/v1/"]

url_paths = [
    (re.compile(r"^/healthz$"), "health"),
    (re.compile(r"^/_sandbox/(?P<name>.*)$"), "control"),
    (re.compile(r"^/api/v1/(?P<query>.*)$"), "api"),
]

api_routes = {
    ("add", "domain"): "add_domain",
    ("add", "mailbox"): "add_mailbox",
    ("add", "alias"): "add_alias",
    ("edit", "domain"): "edit_domain",
    ("edit", "mailbox"): "edit_mailbox",
    ("edit", "alias"): "edit_alias",
    ("edit", "passwordpolicy"): "edit_passwordpolicy",
    ("delete", "domain"): "delete_domain",
    ("delete", "mailbox"): "delete_mailbox",
    ("delete", "alias"): "delete_alias",
    ("get", "domain"): "get_domain",
    ("get", "mailbox"): "get_mailbox",
    ("get", "alias"): "get_alias",
    ("get", "passwordpolicy"): "get_passwordpolicy",
    ("get", "status"): "get_status",
}

unimplemented_objects = {
    ("add", "domain"): {"template"},
    ("add", "mailbox"): {"template"},
    ("edit", "domain"): {"template", "footer"},
    ("edit", "mailbox"): {"template", "custom-attribute"},
    ("delete", "domain"): {"tag", "template"},
    ("delete", "mailbox"): {"tag", "template"},
    ("get", "domain"): {"template"},
    ("get", "mailbox"): {"template"},
}

control_routes = {
    ("POST", "reset"): "reset",
    ("GET", "state"): "state",
    ("POST", "password-check"): "password_check",
    ("GET", "faults"): "list_faults",
    ("POST", "faults"): "add_fault",
    ("DELETE", "faults"): "clear_faults",
    ("GET", "requests"): "list_requests",
    ("DELETE", "requests"): "clear_requests",
}
