"""Small portable SQL helpers for the two supported databases (PostgreSQL and SQLite)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Insert, Table, func, insert, inspect, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached

from casework.db import Base

M = TypeVar("M", bound=Base)


@functools.cache
def plain_insert(table: Table) -> Insert:
    """``INSERT INTO table``, built once: run it with the row as its parameters. Building
    ``insert(...).values(...)`` for every row cost more CPU than running it (the case
    builder writes several rows a case)."""
    return insert(table)


def insert_new(session: Session) -> None:
    """Write the session's new objects as ``session.flush()`` would, faster: one INSERT (or
    executemany) per table in foreign-key order, then the objects are kept in the session as
    persistent rows. The unit of work's bookkeeping per object was most of the CPU of
    opening a case (the case builder opens hundreds a second).

    Only for plain new rows whose foreign keys are set as ids; anything else (an object
    linked through a relationship, or other pending changes) is left to ``session.flush()``.
    """
    new = list(session.new)
    rows = [_plain_row(obj) for obj in new] if not (session.dirty or session.deleted) else []
    ranks = _table_ranks()
    if not new or not rows or any(row is None or row[0] not in ranks for row in rows):
        session.flush()
        return
    by_table: dict[Any, list[dict[str, Any]]] = {}
    for table, values in sorted(filter(None, rows), key=lambda row: ranks[row[0]]):
        by_table.setdefault(table, []).append(values)
    for obj in new:
        session.expunge(obj)
    for table, table_rows in by_table.items():
        if all(row.keys() == table_rows[0].keys() for row in table_rows):
            session.execute(plain_insert(table), table_rows)
        else:
            for one in table_rows:
                session.execute(plain_insert(table), one)
    for obj in new:
        make_transient_to_detached(obj)
        session.add(obj)


def _plain_row(obj: Any) -> tuple[Any, dict[str, Any]] | None:
    """The table and column values of a new object (its Python defaults filled in, as a
    flush would); None when it is linked through a relationship."""
    state = inspect(obj)
    mapper = state.mapper
    if any(rel.key in state.dict for rel in mapper.relationships):
        return None
    values = {}
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if prop.key not in state.dict and column.default is not None:
            default = column.default
            setattr(obj, prop.key, default.arg(None) if default.is_callable else default.arg)
        if prop.key in state.dict:
            values[column.key] = state.dict[prop.key]
    return mapper.local_table, values


@functools.cache
def _table_ranks() -> dict[Any, int]:
    """Each table's place in foreign-key order (sorting them anew each time cost more than
    the inserts)."""
    return {table: rank for rank, table in enumerate(Base.metadata.sorted_tables)}


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
