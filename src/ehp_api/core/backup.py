"""Backups of the whole database, and their restore into an empty one (`ehp-api backup`,
`ehp-api restore`; the procedure is in docs/operations.md, Backups).

SQLite: the online backup API of `sqlite3`, page by page under a read transaction, so the service
goes on writing (WAL) while it copies. PostgreSQL: `pg_dump` in its custom format (compressed,
restored with `pg_restore` in one transaction). A backup is written beside its path and renamed
into place once it is complete and checked, so a stopped run never leaves a file that looks
like a backup. The encryption key is not in it (it is a setting, not data): a restore needs it
apart.
"""

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from ehp_api.core import db
from ehp_api.core.i18n import tr

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or a restore that cannot be done; the message says why (never a password)."""


@dataclass(frozen=True)
class Written:
    path: Path
    size: int
    format: str  # "sqlite" or "pg_dump-custom"


def backup(database_url: str, path: Path, *, replace: bool = False) -> Written:
    """Copy the whole database at `database_url` into the file `path`."""
    if path.exists() and not replace:
        raise BackupError(tr("{path} exists; name a new file, or --force to replace it", path=path))
    partial = path.with_name(path.name + ".partial")
    url = make_url(database_url)
    try:
        if _is_sqlite(url):
            _sqlite_backup(_sqlite_file(url, must_exist=True), partial)
            kind = "sqlite"
        else:
            _run([_tool("pg_dump"), "--format=custom", f"--file={partial}", *_libpq(url)], url)
            # Read back whole (every table's data decompressed), into nowhere.
            _run([_tool("pg_restore"), f"--file={os.devnull}", str(partial)], url)
            kind = "pg_dump-custom"
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return Written(path, path.stat().st_size, kind)


def restore(database_url: str, path: Path, *, force: bool = False) -> None:
    """Load the backup `path` into the database at `database_url`, which must hold no table
    unless `force` (then what the backup holds replaces what is there)."""
    if not path.is_file():
        raise BackupError(tr("{path} is not a file", path=path))
    url = make_url(database_url)
    with path.open("rb") as handle:
        magic = handle.read(len(SQLITE_MAGIC))
    wanted = SQLITE_MAGIC if _is_sqlite(url) else PG_DUMP_MAGIC
    if not magic.startswith(wanted):
        if _is_sqlite(url):
            raise BackupError(
                tr(
                    "{path} is not a SQLite database file, the kind of backup this database takes",
                    path=path,
                )
            )
        raise BackupError(
            tr(
                "{path} is not a pg_dump custom-format file, the kind of backup this database "
                "takes",
                path=path,
            )
        )
    tables = table_names(database_url)
    if tables and not force:
        raise BackupError(
            tr(
                "the target database is not empty ({count} tables); restore into a new, empty "
                "database, or --force to replace what it holds",
                count=len(tables),
            )
        )
    if _is_sqlite(url):
        _sqlite_restore(path, _sqlite_file(url, must_exist=False))
        return
    clean = ["--clean", "--if-exists"] if tables else []
    _run(
        [
            _tool("pg_restore"),
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            *clean,
            *_libpq(url),
            str(path),
        ],
        url,
    )


def table_names(database_url: str) -> list[str]:
    """The tables of the database's default schema (none: an empty database)."""
    url = make_url(database_url)
    if _is_sqlite(url) and not _sqlite_file(url, must_exist=False).exists():
        return []
    return db.table_names(database_url)


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _sqlite_file(url: URL, *, must_exist: bool) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError(tr("an in-memory SQLite database has nothing to back up or restore into"))
    file = Path(url.database)
    if must_exist and not file.is_file():
        raise BackupError(tr("the SQLite database {file} does not exist", file=file))
    return file


def _sqlite_backup(database: Path, target: Path) -> None:
    # `mode=rw`: a missing database is an error, not a new empty file.
    source = sqlite3.connect(f"{database.resolve().as_uri()}?mode=rw", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        _check_sqlite(copy, target)
    finally:
        copy.close()
        source.close()


def _sqlite_restore(backup_file: Path, database: Path) -> None:
    source = sqlite3.connect(f"{backup_file.resolve().as_uri()}?mode=ro", uri=True)
    try:
        _check_sqlite(source, backup_file)
        target = sqlite3.connect(database)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()


def _check_sqlite(connection: sqlite3.Connection, path: Path) -> None:
    try:
        verdict = connection.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(
            tr("{path} is not a readable SQLite database: {error}", path=path, error=error)
        ) from None
    if verdict != ("ok",):
        raise BackupError(
            tr("{path} fails SQLite's integrity check: {verdict}", path=path, verdict=verdict[0])
        )


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            tr(
                "{name} is not on the PATH: install PostgreSQL's client tools (the same major "
                "version as the server, or newer)",
                name=name,
            )
        )
    return found


def _libpq(url: URL) -> list[str]:
    """The connection as libpq's arguments; the password goes by the environment (`_run`),
    never on a command line that `ps` shows."""
    address = url.set(drivername="postgresql", password=None)
    return ["--no-password", f"--dbname={address.render_as_string(hide_password=False)}"]


def _run(command: list[str], url: URL) -> None:
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    # The command is ours: a PostgreSQL tool, with the settings' URL as one argument.
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        tool = Path(command[0]).name
        raise BackupError(
            tr(
                "{tool} failed ({code}): {stderr}",
                tool=tool,
                code=done.returncode,
                stderr=done.stderr.strip(),
            )
        )
