"""Credentials: resolved from the environment or a secrets file, never logged, never stored.

Destination configuration names a credential only as a reference (``${KLAVIYO_API_KEY}``,
``${env:KLAVIYO_API_KEY}`` or ``${file:/run/secrets/klaviyo}``). The value lives in a
:class:`Secret`, whose ``repr``/``str`` show the reference, not the value, so a secret cannot leak
through a log line, an exception or a stored config. Every resolved value is also registered for
:func:`redact`, which scrubs error texts (a vendor may echo a token back) before they are logged
or written to the warehouse.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

REFERENCE = re.compile(r"\$\{(?:(env|file):)?([^}]+)\}")
REDACTED = "***"

_known_values: set[str] = set()


class MissingSecretError(RuntimeError):
    """A credential reference could not be resolved (its variable or file is missing)."""


class Secret:
    """A credential value that never shows itself. Call :meth:`get` where the value is needed."""

    __slots__ = ("_value", "reference")

    def __init__(self, value: str | None, reference: str) -> None:
        self._value = value
        self.reference = reference
        if value:
            register(value)

    @property
    def available(self) -> bool:
        return self._value is not None

    def get(self) -> str:
        if self._value is None:
            raise MissingSecretError(f"credential {self.reference} is not set")
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self.reference})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other.reference == self.reference

    def __hash__(self) -> int:
        return hash(self.reference)


def register(value: str) -> None:
    """Remember a secret value so :func:`redact` removes it from any text."""
    if value and len(value) >= 4:
        _known_values.add(value)


def redact(text: str | None) -> str | None:
    """Replace every known secret value in ``text`` with ``***``."""
    if not text:
        return text
    for value in sorted(_known_values, key=len, reverse=True):
        if value in text:
            text = text.replace(value, REDACTED)
    return text


def is_reference(value: object) -> bool:
    return isinstance(value, str) and REFERENCE.fullmatch(value.strip()) is not None


def resolve(value: str, env: Mapping[str, str] | None = None) -> Secret:
    """Resolve one ``${VAR}`` / ``${env:VAR}`` / ``${file:PATH}`` reference into a :class:`Secret`.

    A missing variable or file gives an unavailable secret (``available`` is False); it only fails
    when something asks for the value, so a dry run works without credentials.
    """
    env = os.environ if env is None else env
    match = REFERENCE.fullmatch(value.strip())
    if match is None:
        raise ValueError("not a credential reference")
    kind, name = match.group(1) or "env", match.group(2).strip()
    if kind == "file":
        path = Path(name)
        resolved = path.read_text().strip() if path.is_file() else None
        return Secret(resolved or None, f"${{file:{name}}}")
    resolved = env.get(name)
    return Secret(resolved or None, f"${{{name}}}")
