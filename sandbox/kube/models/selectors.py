"""Label and field selectors (`?labelSelector=`, `?fieldSelector=`), as kube-apiserver parses them.

Label selectors: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a`, `!a`, `a>1`, `a<1`,
requirements joined by commas (AND). Field selectors: `f=v`, `f==v`, `f!=v` joined by commas, over
the fields each kind supports (`metadata.name` and `metadata.namespace` everywhere, a few more for
pods, secrets, events, namespaces, jobs, nodes); any other field answers 400 like the real server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from .. import errors

# ---------------------------------------------------------------------------------------------
# Label selectors


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!", "gt", "lt"
    values: tuple[str, ...] = ()

    def matches(self, labels: dict) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.op == "=":
            return present and value == self.values[0]
        if self.op == "!=":
            return not present or value != self.values[0]
        if self.op == "in":
            return present and value in self.values
        if self.op == "notin":
            return not present or value not in self.values
        if self.op == "exists":
            return present
        if self.op == "!":
            return not present
        if self.op in ("gt", "lt"):
            try:
                have, want = int(value), int(self.values[0])
            except (TypeError, ValueError):
                return False
            return have > want if self.op == "gt" else have < want
        return False


@dataclass(frozen=True)
class LabelSelector:
    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: dict | None) -> bool:
        labels = labels or {}
        return all(req.matches(labels) for req in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements


EVERYTHING = LabelSelector()

_TOKEN_RE = re.compile(r"\s*(\(|\)|,|!=|==|=|>|<|!|[^\s(),=!<>]+)")


def _tokens(text: str) -> list[str]:
    out = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if not match or match.end() == pos:
            raise _parse_error(text, f"unexpected character at position {pos}")
        out.append(match.group(1))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def _parse_error(text: str, why: str) -> errors.BadRequest:
    return errors.BadRequest(f"unable to parse requirement: {why}")


def parse_label_selector(text: str | None) -> LabelSelector:
    """Parse `?labelSelector=`; raises errors.BadRequest (400) on a syntax error."""
    if not text or not text.strip():
        return EVERYTHING
    toks = _tokens(text)
    reqs: list[Requirement] = []
    i = 0

    def expect_value(j: int) -> tuple[str, int]:
        if j >= len(toks) or toks[j] in ("(", ")", ",", "=", "==", "!=", "!", ">", "<"):
            # an empty value (`a=`) is allowed
            return "", j
        return toks[j], j + 1

    while i < len(toks):
        tok = toks[i]
        if tok == "!":
            if i + 1 >= len(toks) or not _is_word(toks[i + 1]):
                raise _parse_error(text, "found '!', expected: identifier")
            reqs.append(Requirement(toks[i + 1], "!"))
            i += 2
        elif _is_word(tok):
            key = tok
            nxt = toks[i + 1] if i + 1 < len(toks) else ","
            if nxt == ",":
                reqs.append(Requirement(key, "exists"))
                i += 1
            elif nxt in ("=", "=="):
                value, i = expect_value(i + 2)
                reqs.append(Requirement(key, "=", (value,)))
            elif nxt == "!=":
                value, i = expect_value(i + 2)
                reqs.append(Requirement(key, "!=", (value,)))
            elif nxt in (">", "<"):
                value, i = expect_value(i + 2)
                if not value.lstrip("-").isdigit():
                    raise _parse_error(text, f"for 'Gt', 'Lt' operators, the value must be an integer")
                reqs.append(Requirement(key, "gt" if nxt == ">" else "lt", (value,)))
            elif nxt in ("in", "notin"):
                j = i + 2
                if j >= len(toks) or toks[j] != "(":
                    raise _parse_error(text, f"found '{toks[j] if j < len(toks) else ''}', expected: '('")
                j += 1
                values: list[str] = []
                while j < len(toks) and toks[j] != ")":
                    if toks[j] == ",":
                        j += 1
                        continue
                    values.append(toks[j])
                    j += 1
                if j >= len(toks):
                    raise _parse_error(text, "found '', expected: ')'")
                reqs.append(Requirement(key, nxt, tuple(values)))
                i = j + 1
            else:
                raise _parse_error(text, f"found '{nxt}', expected: in, notin, =, ==, !=, gt, lt")
        else:
            raise _parse_error(text, f"found '{tok}', expected: !, identifier, or 'end of string'")
        if i < len(toks):
            if toks[i] != ",":
                raise _parse_error(text, f"found '{toks[i]}', expected: ',' or 'end of string'")
            i += 1
    return LabelSelector(tuple(reqs))


def _is_word(tok: str) -> bool:
    return tok not in ("(", ")", ",", "=", "==", "!=", "!", ">", "<")


def selector_from_label_selector(sel: dict | None) -> str:
    """A metav1.LabelSelector (`matchLabels`/`matchExpressions`) as its string form (`app=web`)."""
    if not sel:
        return ""
    parts = [f"{k}={v}" for k, v in sorted((sel.get("matchLabels") or {}).items())]
    for expr in sel.get("matchExpressions") or ():
        key, op, values = expr.get("key", ""), expr.get("operator", ""), expr.get("values") or []
        if op == "In":
            parts.append(f"{key} in ({','.join(sorted(values))})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(sorted(values))})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


def label_selector_matches(sel: dict | None, labels: dict | None) -> bool:
    """Does a metav1.LabelSelector match these labels? (empty selector matches everything)."""
    return parse_label_selector(selector_from_label_selector(sel)).matches(labels)


# ---------------------------------------------------------------------------------------------
# Field selectors

_COMMON_FIELDS = ("metadata.name", "metadata.namespace")
_KIND_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("", "Pod"): (
        "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
        "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName",
    ),
    ("", "Secret"): ("type",),
    ("", "Namespace"): ("status.phase",),
    ("", "Node"): ("spec.unschedulable",),
    ("", "Event"): (
        "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
        "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
        "reason", "reportingComponent", "source", "type",
    ),
    ("batch", "Job"): ("status.successful",),
    ("apps", "ReplicaSet"): ("status.replicas",),
    ("", "PersistentVolumeClaim"): (),
}


@dataclass(frozen=True)
class FieldRequirement:
    field: str
    op: str  # "=" or "!="
    value: str


@dataclass(frozen=True)
class FieldSelector:
    requirements: tuple[FieldRequirement, ...] = ()

    def matches(self, obj: dict) -> bool:
        for req in self.requirements:
            have = field_value(obj, req.field)
            if (have == req.value) != (req.op == "="):
                return False
        return True

    def value_of(self, field: str) -> str | None:
        """The value required by `field=value`, for lookups by name."""
        for req in self.requirements:
            if req.field == field and req.op == "=":
                return req.value
        return None

    @property
    def empty(self) -> bool:
        return not self.requirements


def parse_field_selector(text: str | None, group: str, kind: str, custom: bool = False) -> FieldSelector:
    """Parse `?fieldSelector=` for one kind; 400 for syntax errors and unsupported fields."""
    if not text or not text.strip():
        return FieldSelector()
    reqs = []
    for part in _split_unescaped(text):
        part = part.strip()
        if not part:
            continue
        match = re.fullmatch(r"([^=!]+?)\s*(==|!=|=)\s*(.*)", part)
        if not match:
            raise errors.BadRequest(f"invalid selector: '{text}'; can't understand '{part}'")
        name, op, value = match.group(1).strip(), match.group(2), _unescape(match.group(3).strip())
        allowed = _COMMON_FIELDS + _KIND_FIELDS.get((group, kind), ())
        if name not in allowed:
            if custom:
                raise errors.BadRequest(
                    f'"{name}" is not a known field selector: only "metadata.name", "metadata.namespace"'
                )
            raise errors.BadRequest(f"field label not supported: {name}")
        reqs.append(FieldRequirement(name, "!=" if op == "!=" else "=", value))
    return FieldSelector(tuple(reqs))


def _split_unescaped(text: str) -> list[str]:
    parts, cur, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            cur.append(text[i : i + 2])
            i += 2
            continue
        if ch == ",":
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return parts


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def field_value(obj: dict, path: str) -> str:
    """The string value of a dotted field path, as field selectors compare it ("" when absent)."""
    if path == "source" and obj.get("kind", "Event") == "Event":
        return str((obj.get("source") or {}).get("component") or obj.get("reportingComponent") or "")
    cur: object = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
    if cur is None:
        return "false" if path in ("spec.hostNetwork", "spec.unschedulable") else ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


Matcher = Callable[[dict], bool]
