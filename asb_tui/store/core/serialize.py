"""Rows to JSON-safe dicts and back: one conversion for change records, export/import and sync."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String, TypeDecorator
from sqlmodel import SQLModel

T = TypeVar("T", bound=SQLModel)


def to_json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def row_to_dict(row: SQLModel) -> dict[str, Any]:
    table = row.__table__  # type: ignore[attr-defined]
    return {col.name: to_json_value(getattr(row, col.name)) for col in table.columns}


def from_json_value(column: Any, value: Any) -> Any:
    """Convert one JSON value back to the column's Python type, refusing what does not fit."""
    if value is None:
        return None
    kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(kind, DateTime):
        if not isinstance(value, str):
            raise ValueError(f"{column.name}: expected a date-time, got {type(value).__name__}")
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        if not isinstance(value, str):
            raise ValueError(f"{column.name}: expected a date, got {type(value).__name__}")
        return date.fromisoformat(value)
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise ValueError(f"{column.name}: expected true or false")
        return value
    if isinstance(kind, Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{column.name}: expected a whole number")
        return value
    if isinstance(kind, Float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{column.name}: expected a number")
        return float(value)
    if isinstance(kind, String) and not isinstance(value, str):
        raise ValueError(f"{column.name}: expected text")
    if not isinstance(kind, JSON | String):
        raise ValueError(f"{column.name}: unsupported column type {kind!r}")
    return value


def fields_from_json(model: type[T], data: dict[str, Any]) -> dict[str, Any]:
    """Column values for `model` from a JSON dict; unknown keys are an error, not ignored."""
    columns = {col.name: col for col in model.__table__.columns}  # type: ignore[attr-defined]
    unknown = set(data) - set(columns)
    if unknown:
        raise ValueError(
            f"unknown field(s) for {model.__tablename__}: {', '.join(sorted(unknown))}"
        )
    return {name: from_json_value(columns[name], value) for name, value in data.items()}


def row_from_dict(model: type[T], data: dict[str, Any]) -> T:
    return model(**fields_from_json(model, data))


def canonical_json(data: Any) -> str:
    """The one byte-exact JSON form used for hashing."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
