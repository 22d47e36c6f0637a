"""Remove known secret values from text and data before it is logged or returned."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

MASK = "********"


class Redactor:
    """Replaces every occurrence of the given secret values with `MASK`.

    Besides the raw value it also masks the forms a value takes inside JSON strings and URLs,
    since module messages often quote a request body or a URL.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if not secret:
                continue
            forms.add(secret)
            forms.add(json.dumps(secret)[1:-1])
            forms.add(quote(secret, safe=""))
        # Longest first, so a secret that contains another is masked whole.
        self._forms = sorted(forms, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._forms)

    def text(self, value: str) -> str:
        """`value` with every secret masked."""
        for form in self._forms:
            if form in value:
                value = value.replace(form, MASK)
        return value

    def data(self, value: Any) -> Any:
        """A copy of JSON-like `value` with every string (keys too) masked."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.data(key): self.data(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.data(item) for item in value]
        return value

    def contains_secret(self, value: str) -> bool:
        """Whether `value` holds any secret."""
        return any(form in value for form in self._forms)
