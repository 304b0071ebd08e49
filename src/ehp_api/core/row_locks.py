"""Concurrent changes: every state change reads the row it changes under a lock.

Two requests that change the same record (a partner's PATCH and the secretariat's validate, two
steps of a complaint, a period's lock and a batch writing into it) must not both act on what they
read before the other wrote: each would check its guard ("is it still submitted?") against a
state that no longer holds, and the last to commit would leave a state nobody chose. So a state
change reads its row with `SELECT ... FOR UPDATE` (PostgreSQL), which waits for the other
transaction to end and then returns the row as it committed it; the guard is checked after that.
A write into a period takes the period's row `FOR SHARE` (writes into one period do not wait for
each other), and the period's lock takes it `FOR UPDATE`, so the two are serialized.

SQLite renders no `FOR UPDATE`: there a transaction that writes begins IMMEDIATE (see
`ehp_api.core.db`), holding the database's one write lock from its first statement, so state changes
are already serialized and these helpers change nothing.
"""

from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlmodel import Session, SQLModel, select
from sqlmodel.sql.expression import SelectOfScalar

Model = TypeVar("Model", bound=SQLModel)


def for_update(stmt: SelectOfScalar[Model], model: type[SQLModel]) -> SelectOfScalar[Model]:
    """`stmt` locking the rows of `model` it returns until the transaction ends. An object already
    in the session is refreshed from the locked row, so the guard sees the committed state."""
    return stmt.with_for_update(of=model).execution_options(populate_existing=True)


def lock_for_update(session: Session, model: type[Model], key: Any) -> Model | None:
    """The row of `model` with primary key `key`, locked and fresh; None if there is none."""
    [primary_key] = inspect(model).primary_key
    return session.exec(for_update(select(model).where(primary_key == key), model)).first()


def rows(model: type[Model], **equal: Any) -> SelectOfScalar[Model]:
    """The rows of `model` whose columns hold the values named (every row when none is): what a
    write locks with `lock_rows`, e.g. `rows(Organisation, code="HCR")`."""
    return select(model).filter_by(**equal)


def lock_rows(session: Session, stmt: SelectOfScalar[Model]) -> list[Model]:
    """The rows `stmt` selects, locked and fresh, of the one model it selects, taken in the order
    of their primary key. Without an order each waiting writer takes them in the order of its
    scan, and a row changed by the writer before it has moved: two waiting writers of the whole
    deadline table took the same rows in opposite orders and PostgreSQL broke the deadlock with
    an error (503) instead of the 412 the later writer was owed."""
    [selected] = stmt.column_descriptions
    model = selected["entity"]
    ordered = stmt.order_by(*inspect(model).primary_key)
    return list(session.exec(for_update(ordered, model)).all())
