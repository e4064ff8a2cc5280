"""The cross-database macros of dbt's ``dbt`` namespace, as dbt-duckdb renders them."""

from __future__ import annotations


def cast(field: str, type: str) -> str:
    return f"cast({field} as {type})"


def safe_cast(field: str, type: str) -> str:
    return f"cast({field} as {type})"


def type_string() -> str:
    return "text"


def type_timestamp() -> str:
    return "timestamp"


def type_numeric() -> str:
    return "numeric(28, 6)"


def type_bigint() -> str:
    return "bigint"


def type_int() -> str:
    return "integer"


def type_float() -> str:
    return "float"


def type_boolean() -> str:
    return "boolean"


def concat(fields: list[str]) -> str:
    return f"concat({', '.join(fields)})"


def hash(field: str) -> str:
    return f"md5(cast({field} as text))"


def length(expression: str) -> str:
    return f"length({expression})"


def replace(field: str, old_chars: str, new_chars: str) -> str:
    return f"replace({field}, {old_chars}, {new_chars})"


def string_literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def current_timestamp() -> str:
    return "now()"


def split_part(string_text: str, delimiter_text: str, part_number: int) -> str:
    return f"split_part({string_text}, {delimiter_text}, {part_number})"


def dateadd(datepart: str, interval: int | str, from_date_or_timestamp: str) -> str:
    return f"({from_date_or_timestamp} + cast({interval} as bigint) * interval 1 {datepart})"


def position(substring_text: str, string_text: str) -> str:
    return f"position({substring_text} in {string_text})"


def datediff(first_date: str, second_date: str, datepart: str) -> str:
    return f"(date_diff('{datepart}', {first_date}::timestamp, {second_date}::timestamp))"
