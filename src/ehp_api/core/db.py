"""Engine, session and column types shared by every domain."""

import re
import select
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from psycopg.pq import ConnStatus
from pydantic import AfterValidator, BeforeValidator
from sqlalchemy import DateTime, Engine, Table, event, inspect
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import CompileError, DisconnectionError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import String, TypeDecorator
from sqlmodel import Session, SQLModel, create_engine
from sqlmodel.sql.expression import Select

from ehp_api.core.config import Settings
from ehp_api.core.i18n import tr

# Set before any table class is declared, so that every constraint gets a stable name that
# migrations can refer to on both databases.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Ids are INTEGER columns: a larger number in a request is refused by validation, naming the
# field, instead of overflowing the driver (SQLite) or the column (PostgreSQL) as a 500.
MAX_ID = 2**31 - 1
RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="The record's id.")]


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored in UTC; SQLite's naive values come back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(tr("naive datetime given to a timezone-aware column"))
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class utc_isoformat(FunctionElement[str]):  # noqa: N801 (used as a SQL function)
    """The text `datetime.isoformat()` gives of a `UTCDateTime` column's value, made by the
    database: `2021-05-03T10:00:00+00:00`, `2021-05-03T10:00:00.000005+00:00`. A CSV export
    writes thousands of them; the driver's datetime, its conversion to UTC and its formatting
    in Python were a quarter of the export's time."""

    type = String()
    inherit_cache = True
    name = "utc_isoformat"


def _stamp_of(element: utc_isoformat, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(utc_isoformat, "postgresql")
def _utc_isoformat_postgresql(element: utc_isoformat, compiler: SQLCompiler, **kw: Any) -> str:
    # Microseconds are left out when there are none, as isoformat() leaves them out.
    stamp = f"to_char(({_stamp_of(element, compiler, **kw)}) AT TIME ZONE 'UTC', "
    return f"""replace({stamp}'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || '+00:00'"""


@compiles(utc_isoformat, "sqlite")
def _utc_isoformat_sqlite(element: utc_isoformat, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLAlchemy stores SQLite's timestamps in UTC as `2021-05-03 10:00:00.000005`.
    stamp = _stamp_of(element, compiler, **kw)
    return f"replace(replace({stamp}, ' ', 'T'), '.000000', '') || '+00:00'"


@compiles(utc_isoformat)
def _utc_isoformat_elsewhere(element: utc_isoformat, compiler: SQLCompiler, **kw: Any) -> str:
    raise CompileError(f"utc_isoformat() on {compiler.dialect.name}: PostgreSQL or SQLite only")


def enum_type(enum: type[StrEnum]) -> SAEnum:
    """A portable enum column: VARCHAR with a CHECK constraint, no PostgreSQL enum type."""
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", enum.__name__).lower()
    return SAEnum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=40,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def as_utc(value: datetime | None) -> datetime | None:
    """A caller's timestamp in UTC; one given without an offset is taken to be UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_8601(example: str) -> BeforeValidator:
    # Pydantic also reads a number as seconds since 1970: `?until=2021` would silently mean
    # 00:33:41 on 1 January 1970, and `-1.3e-45` or `.5` too (found by schema fuzzing). The
    # documented format is ISO 8601: a text that does not start with a day is refused.
    def refuse_numbers(value: Any) -> Any:
        if isinstance(value, int | float) or (
            isinstance(value, str) and not _ISO_DAY.match(value.strip())
        ):
            raise ValueError(
                tr(
                    "expected ISO 8601, e.g. {example}",
                    example=example,
                )
            )
        return value

    return BeforeValidator(refuse_numbers)


# What a caller may send as a date or a timestamp. Nothing the plan records is outside it, and
# near the ends of Python's calendar (0001-01-01, 9999-12-31) an offset or a day added overflows
# (a 500), or a record dated 9999 could never move on.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2100, 12, 31)


def _within_bounds(value: date) -> date:
    # A timestamp's own day, before any offset is applied: within the bounds, no conversion
    # between time zones can overflow.
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(
            tr(
                "must be between {earliest} and {latest}",
                earliest=EARLIEST_DAY.isoformat(),
                latest=LATEST_DAY.isoformat(),
            )
        )
    return value


IsoDateTime = Annotated[datetime, _iso_8601("2021-06-30T00:00:00Z"), AfterValidator(_within_bounds)]
"""A timestamp a caller sends: ISO 8601 only, its day between 1900-01-01 and 2100-12-31."""

IsoDate = Annotated[date, _iso_8601("2021-06-30"), AfterValidator(_within_bounds)]
"""A date a caller sends: ISO 8601 only, between 1900-01-01 and 2100-12-31."""


def utcnow() -> datetime:
    return datetime.now(UTC)


SQLITE_DEFERRED = "ehp_sqlite_deferred"
"""The execution option of an engine or connection whose SQLite transactions begin DEFERRED."""


def deferred(engine: Engine) -> Engine:
    """The same engine and pool, for transactions that read: on SQLite they begin DEFERRED and
    take no write lock (in WAL mode they never wait for a writer), where every other transaction
    begins IMMEDIATE. One that writes after all takes the lock then, and cannot wait for it: it is
    refused at once if another transaction holds it. Elsewhere the option changes nothing."""
    return engine.execution_options(**{SQLITE_DEFERRED: True})


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; take it over so that
    # transactions (and the tests' savepoints) behave as on PostgreSQL.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    # A transaction that writes takes the write lock at BEGIN, where the busy timeout applies. One
    # begun DEFERRED that reads and then writes cannot wait: SQLite answers SQLITE_BUSY at once
    # when another writer holds the lock or committed since the read (WAL mode), so under
    # concurrent writes most of them failed. Only reads (`deferred`) begin DEFERRED.
    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        reads = connection.get_execution_options().get(SQLITE_DEFERRED, False)
        connection.exec_driver_sql("BEGIN DEFERRED" if reads else "BEGIN IMMEDIATE")


def table_names(database_url: str) -> list[str]:
    """The tables of a database's default schema, read from its catalogue through a throwaway
    engine (no table mapped: it runs no query of the service's)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return inspect(connection).get_table_names()
    finally:
        engine.dispose()


def create_db_engine(settings: Settings) -> Engine:
    """An engine for the settings' database, tuned for the service's thread pool. Call it
    through `ehp_api.models.build_engine`, which maps every table first.

    `hide_parameters`: statement parameters may carry personal data; they never reach
    exception messages or logs.
    """
    if settings.is_sqlite:
        engine = create_engine(
            settings.database_url,
            hide_parameters=True,
            connect_args={"check_same_thread": False},
            pool_size=settings.worker_threads,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout,
        )
        _configure_sqlite(engine, settings.sqlite_busy_timeout_ms)
        return engine
    # A pool at least as large as the threads that can hold a session: otherwise requests queue
    # on the pool and stall instead of answering.
    engine = create_engine(
        settings.database_url,
        hide_parameters=True,
        # No server-side prepared statements: after five runs psycopg would switch a query to a
        # generic plan, which is much slower for the key lookups of a batch on a growing table.
        connect_args={"prepare_threshold": None},
        pool_size=settings.worker_threads,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
    )
    event.listen(engine, "checkout", _refuse_a_closed_connection)
    return engine


def _refuse_a_closed_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled connection the server has closed is replaced before a request uses it.

    A restarted or failed-over database, an administrator's `pg_terminate_backend` or the
    server's idle timeout close the connection from the server's side: its socket then has the
    server's last message and the end of the stream to read, where an idle connection has
    nothing. Looking costs a poll of the socket, not a round trip (`pool_pre_ping` sent a query
    before every request); SQLAlchemy replaces a connection refused here by a new one (up to
    three times). A connection lost without a word (a network cut) is seen by its first query,
    which answers 503 as any database fault does."""
    if _closed_by_the_server(dbapi_connection):
        raise DisconnectionError("the server closed this pooled connection")


def _closed_by_the_server(dbapi_connection: Any) -> bool:
    pgconn = dbapi_connection.pgconn
    if dbapi_connection.closed or pgconn.status != ConnStatus.OK:
        return True
    poller = select.poll()
    poller.register(pgconn.socket, select.POLLIN)
    return bool(poller.poll(0))  # anything to read on an idle connection: its end


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITES = "_ehp_writes"

_Endpoint = TypeVar("_Endpoint", bound=Callable[..., Any])


def writes(endpoint: _Endpoint) -> _Endpoint:
    """Marks a GET endpoint that writes (a read that is put on record): its transaction takes
    SQLite's write lock at its start, as a POST's does, instead of being refused at once when the
    write comes and another transaction holds the lock. Place it under the route decorator."""
    setattr(endpoint, _WRITES, True)
    return endpoint


def writes_when(*params: str) -> Callable[[_Endpoint], _Endpoint]:
    """Marks a GET endpoint whose transaction takes SQLite's write lock from its start when the
    query holds one of `params`: a list asked for a sync watermark (`core.changes.watermark`),
    which must not be taken while another transaction writes. Under the route decorator."""

    def mark(endpoint: _Endpoint) -> _Endpoint:
        setattr(endpoint, _WRITES, frozenset(params))
        return endpoint

    return mark


def request_writes(request: Request) -> bool:
    """Whether the request's transaction may write (or must hold SQLite's write lock): any
    method but GET, HEAD and OPTIONS, the GET endpoints marked with `writes`, and those marked
    `writes_when` asked with one of their parameters."""
    if request.method not in SAFE_METHODS:
        return True
    mark = getattr(getattr(request.scope.get("route"), "endpoint", None), _WRITES, False)
    if isinstance(mark, frozenset):
        return not mark.isdisjoint(request.query_params.keys())
    return bool(mark)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request, committed once after the handler so a failed commit is no 2xx.

    Reads never wait for SQLite's write lock: their transaction begins DEFERRED. Opening a
    session reads nothing (its connection is taken on its first query): that happens on the
    event loop; the commit and the close, which talk to the database, in the thread pool, in one
    turn. A session nothing used (an answer kept in memory, the check of a caller's credentials
    before the body, answered from the keys a worker keeps) has nothing to say to the database:
    it is closed on the event loop, without waiting for a thread."""
    state = request.app.state
    engine = state.engine if request_writes(request) else state.read_engine
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    except BaseException:
        await _end(session, Session.close)
        raise
    await _end(session, _commit_and_close)


async def _end(session: Session, end: Callable[[Session], None]) -> None:
    if session.get_transaction() is None:  # never begun: no connection, nothing pending
        session.close()
    else:
        await run_in_threadpool(end, session)


def _commit_and_close(session: Session) -> None:
    with session:
        session.commit()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


SessionFactory = Callable[[], AbstractContextManager[Session]]


async def get_session_factory(request: Request) -> SessionFactory:
    """Opens sessions that read, for work that outlives the request's session: a streamed body is
    produced after the handler has returned and its session has been closed."""
    engine = request.app.state.read_engine
    return lambda: Session(engine, expire_on_commit=False)


SessionFactoryDep = Annotated[SessionFactory, Depends(get_session_factory)]


async def get_write_session_factory(request: Request) -> SessionFactory:
    """Opens sessions that write in a transaction of their own, beside the request's (e.g. after
    its response): `with sessions() as session, session.begin(): ...`."""
    engine = request.app.state.engine
    return lambda: Session(engine, expire_on_commit=False)


WriteSessionFactoryDep = Annotated[SessionFactory, Depends(get_write_session_factory)]


def table_of(model: type[SQLModel]) -> Table:
    """The table a `table=True` class maps, which SQLAlchemy sets as `__table__`."""
    table: Table = model.__table__  # type: ignore[attr-defined]  # sqlmodel does not declare it
    return table


def select_row(*columns: Any) -> Select[*tuple[Any, ...]]:
    """`select()` of any number of columns, rows typed as tuples of `Any`.

    sqlmodel's `select` is typed for at most four columns; a query of more goes through here
    (the caller unpacks each row into named values)."""
    return Select(*columns)
