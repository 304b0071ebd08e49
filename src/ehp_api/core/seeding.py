"""Loading the reviewed seed files (`seed/*.yaml`) idempotently: a second run changes nothing."""

from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from sqlmodel import Session, SQLModel, select

from ehp_api.core.db import table_of
from ehp_api.core.i18n import N_, tr

_PACKAGE_DIR = Path(__file__).resolve().parents[1]

M = TypeVar("M", bound=SQLModel)
K = TypeVar("K", bound=Hashable)


def seed_dir() -> Path:
    """`seed/` at the top of the source tree, or in the working directory (the image)."""
    for candidate in (_PACKAGE_DIR.parents[1] / "seed", Path.cwd() / "seed"):
        if (candidate / "workplan.yaml").exists():
            return candidate
    raise FileNotFoundError("seed/ not found beside the package or in the source tree")


def read_yaml(directory: Path, name: str) -> Any:
    with (directory / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


OUTCOMES = {
    "created": N_("created {count}"),
    "updated": N_("updated {count}"),
    "unchanged": N_("unchanged {count}"),
    "deleted": N_("deleted {count}"),
}


class SeedReport:
    """Counts of created / updated / unchanged records per table, printed by the CLI."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = {}

    def add(self, table: str, outcome: str, n: int = 1) -> None:
        self.counts.setdefault(table, Counter())[outcome] += n

    @property
    def changed(self) -> bool:
        return any(c["created"] or c["updated"] or c["deleted"] for c in self.counts.values())

    def changes(self) -> dict[str, dict[str, object]]:
        """The counts as an audit diff: `{table: {"old": None, "new": {outcome: n}}}`."""
        return {
            table: {"old": None, "new": {k: v for k, v in c.items() if k != "unchanged"}}
            for table, c in self.counts.items()
            if any(k != "unchanged" for k in c)
        }

    def lines(self) -> list[str]:
        """One line per table, in the run's language (the tables keep their names)."""
        return [
            tr(
                "{table}: {counts}",
                table=table,
                counts=", ".join(tr(OUTCOMES[k], count=v) for k, v in sorted(counter.items())),
            )
            for table, counter in self.counts.items()
        ]


def upsert(
    session: Session,
    report: SeedReport,
    model: type[M],
    key: dict[str, Any],
    values: dict[str, Any],
) -> M:
    """Find the row by its natural key; create it, or update the fields that differ."""
    stmt = select(model)
    for name, value in key.items():
        stmt = stmt.where(getattr(model, name) == value)
    row = session.exec(stmt).first()
    table = table_of(model).name
    if row is None:
        row = model(**key, **values)
        session.add(row)
        session.flush()
        report.add(table, "created")
        return row
    changed = {name: v for name, v in values.items() if getattr(row, name) != v}
    for name, value in changed.items():
        setattr(row, name, value)
    report.add(table, "updated" if changed else "unchanged")
    if changed:
        session.flush()
    return row


def sync_links(
    session: Session,
    report: SeedReport,
    existing: Iterable[M],
    desired: dict[K, dict[str, Any]],
    key_of: Callable[[M], K],
    make: Callable[[K, dict[str, Any]], M],
) -> None:
    """Make a set of link rows exactly the desired one: add, update, delete."""
    current = {key_of(row): row for row in existing}
    for key, row in current.items():
        table = table_of(type(row)).name
        if key not in desired:
            session.delete(row)
            report.add(table, "deleted")
            continue
        changed = {n: v for n, v in desired[key].items() if getattr(row, n) != v}
        for name, value in changed.items():
            setattr(row, name, value)
        report.add(table, "updated" if changed else "unchanged")
    for key, values in desired.items():
        if key not in current:
            row = make(key, values)
            session.add(row)
            report.add(table_of(type(row)).name, "created")
    session.flush()
