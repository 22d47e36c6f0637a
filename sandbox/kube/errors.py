"""Kubernetes `Status` errors, with the real API server's codes, reasons and message texts.

Every failure the emulator reports is one of these; the HTTP layer renders `to_status()` with
`Content-Type: application/json`. Messages follow kube-apiserver 1.32 word for word where the
reference (shared/reference/KUBE_API_EMULATION.md §5) records them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Cause:
    """One entry of `details.causes`: reason is FieldValueInvalid, FieldValueRequired, ..."""

    reason: str
    message: str
    field: str | None = None

    def to_dict(self) -> dict:
        out = {"reason": self.reason, "message": self.message}
        if self.field is not None:
            out["field"] = self.field
        return out


def qualified(plural: str, group: str) -> str:
    """`deployments.apps` for a group, `namespaces` for the core group."""
    return f"{plural}.{group}" if group else plural


class StatusError(Exception):
    """Base of every error answered as a `Status` object."""

    code = 500
    reason = "InternalError"

    def __init__(self, message: str, details: dict | None = None, reason: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details
        if reason is not None:
            self.reason = reason

    def to_status(self) -> dict:
        status = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
        }
        if self.reason:
            status["reason"] = self.reason
        if self.details is not None:
            status["details"] = self.details
        status["code"] = self.code
        return status


def _details(name: str | None, group: str, kind: str, **extra) -> dict:
    details: dict = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    details["kind"] = kind
    details.update(extra)
    return details


class BadRequest(StatusError):
    code = 400
    reason = "BadRequest"


class Unauthorized(StatusError):
    code = 401
    reason = "Unauthorized"


class Forbidden(StatusError):
    code = 403
    reason = "Forbidden"


class NotFound(StatusError):
    """E1: `deployments.apps "web" not found`."""

    code = 404
    reason = "NotFound"

    @classmethod
    def item(cls, plural: str, group: str, name: str) -> "NotFound":
        return cls(f'{qualified(plural, group)} "{name}" not found', _details(name, group, plural))

    @classmethod
    def path(cls) -> "NotFound":
        return cls("the server could not find the requested resource", {})


class MethodNotAllowed(StatusError):
    code = 405
    reason = "MethodNotAllowed"

    @classmethod
    def verb(cls) -> "MethodNotAllowed":
        return cls("the server does not allow this method on the requested resource", {})


class AlreadyExists(StatusError):
    """E2: `deployments.apps "web" already exists`."""

    code = 409
    reason = "AlreadyExists"

    @classmethod
    def item(cls, plural: str, group: str, name: str, being_deleted: bool = False) -> "AlreadyExists":
        prefix = "object is being deleted: " if being_deleted else ""
        return cls(f'{prefix}{qualified(plural, group)} "{name}" already exists', _details(name, group, plural))


class Conflict(StatusError):
    """E3 (stale resourceVersion), E4 (server-side apply field conflicts), E5 (namespace terminating)."""

    code = 409
    reason = "Conflict"

    @classmethod
    def stale(cls, plural: str, group: str, name: str) -> "Conflict":
        return cls(
            f'Operation cannot be fulfilled on {qualified(plural, group)} "{name}": the object has been '
            "modified; please apply your changes to the latest version and try again",
            _details(name, group, plural),
        )

    @classmethod
    def namespace_terminating(cls, name: str) -> "Conflict":
        return cls(
            f'Operation cannot be fulfilled on namespaces "{name}": The system is ensuring all content is '
            "removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.",
            _details(name, "", "namespaces"),
        )

    @classmethod
    def apply(cls, conflicts: list[tuple[str, str, str]]) -> "Conflict":
        """`conflicts` holds (manager, apiVersion-of-manager-entry, field path like `.data.k`)."""
        lines = [f'conflict with "{m}" using {v}: {f}' for m, v, f in conflicts]
        noun = "conflict" if len(lines) == 1 else "conflicts"
        if len(lines) == 1:
            message = f"Apply failed with 1 {noun}: {lines[0]}"
        else:
            message = f"Apply failed with {len(lines)} {noun}:\n- " + "\n- ".join(lines)
        causes = [
            {"reason": "FieldManagerConflict", "message": f'conflict with "{m}" using {v}', "field": f}
            for m, v, f in conflicts
        ]
        return cls(message, {"causes": causes})


class Gone(StatusError):
    code = 410
    reason = "Expired"


class UnsupportedMediaType(StatusError):
    """E6: strategic merge patch on a custom resource, or an unknown body format."""

    code = 415
    reason = "UnsupportedMediaType"

    @classmethod
    def patch(cls) -> "UnsupportedMediaType":
        return cls(
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
            {},
        )


class Invalid(StatusError):
    """E8: `Deployment.apps "web" is invalid: spec.selector: Required value` (details kind = Kind)."""

    code = 422
    reason = "Invalid"

    @classmethod
    def of(cls, kind: str, group: str, name: str, causes: list[Cause]) -> "Invalid":
        qual = f"{kind}.{group}" if group else kind
        message = f'{qual} "{name}" is invalid: {aggregate_message(causes)}'
        return cls(message, _details(name, group, kind, causes=[c.to_dict() for c in causes]))


def aggregate_message(causes: list[Cause]) -> str:
    """The text after `<Kind> "<name>" is invalid: ` as the real server builds it.

    `field.ErrorList.ToAggregate()` drops repeated messages (causes keep them): one error is
    printed bare, several as `[a, b]`.
    """
    seen: list[str] = []
    for c in causes:
        text = f"{c.field}: {c.message}" if c.field else c.message
        if text not in seen:
            seen.append(text)
    return seen[0] if len(seen) == 1 else "[" + ", ".join(seen) + "]"


class InternalError(StatusError):
    """E11 has no reason at all; other internal errors say InternalError."""

    code = 500
    reason = "InternalError"


class ServiceUnavailable(StatusError):
    code = 503
    reason = "ServiceUnavailable"
