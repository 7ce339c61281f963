"""Small portable SQL helpers for the two supported databases (PostgreSQL and SQLite)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Insert, Table, func, insert, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from casework.db import Base

M = TypeVar("M", bound=Base)


@functools.cache
def plain_insert(table: Table) -> Insert:
    """``INSERT INTO table``, built once: run it with the row as its parameters. Building
    ``insert(...).values(...)`` for every row cost more CPU than running it (the case
    builder writes several rows a case)."""
    return insert(table)


def insert_ignoring_conflict(
    session: Session, model: type[Base], values: dict[str, Any], conflict_columns: list[str]
) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING; True when this call inserted the row.

    On PostgreSQL a concurrent insert of the same key waits for the other transaction and then
    does nothing, which is what makes inbox and idempotency claims safe under retries.
    """
    table = model.__table__
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt = (
        module.insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_columns)
        .returning(table.c[conflict_columns[0]])
    )
    return session.execute(stmt).first() is not None


def insert_returning_new(
    session: Session, model: type[M], values: dict[str, Any], conflict_columns: list[str]
) -> M | None:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the row: the new ORM object, or None.

    One round trip where "insert, then select it back" would take two.
    """
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt = (
        module.insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_columns)
        .returning(model)
    )
    row: M | None = session.scalars(stmt).first()
    return row


def skip_locked(session: Session, query: Any) -> Any:
    """FOR UPDATE SKIP LOCKED where the database has it (PostgreSQL): several workers claim
    different rows. SQLite writes are serialised anyway."""
    return skip_locked_on(session.get_bind().dialect.name, query)


def skip_locked_on(dialect: str, query: Any) -> Any:
    """``skip_locked`` for a statement built once per database kind."""
    if dialect == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def dialect_insert(session: Session, table: Any) -> Any:
    """An INSERT for this session's database (PostgreSQL's or SQLite's: both say ON CONFLICT)."""
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(table)


def adding_upsert(
    session: Session, table: Any, keys: Sequence[str], counters: Sequence[str]
) -> Any:
    """INSERT ... ON CONFLICT (``keys``) DO UPDATE adding each of ``counters`` to the row's:
    how a summary takes a net change (run with a list of rows). A nullable counter holds NULL
    for zero, and is added to as zero."""
    statement = dialect_insert(session, table)

    # A constant in the statement, not a bound parameter: with three per counter, a row of
    # 57 counters carried 171 parameters besides its own, and building them was most of the
    # upsert's time.
    zero: Any = literal_column("0")

    def added(name: str) -> Any:
        column, change = table.c[name], statement.excluded[name]
        if not column.nullable:
            return column + change
        return func.nullif(func.coalesce(column, zero) + func.coalesce(change, zero), zero)

    return statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: added(name) for name in counters}
    )
