"""``exceptions.raise_compiler_error`` and ``exceptions.warn``, as dbt provides them."""

from __future__ import annotations


class CompilationError(Exception):
    """Raised where dbt would stop compilation."""


def raise_compiler_error(message: str) -> None:
    raise CompilationError(message)


def warn(message: str) -> str:
    return ""
