"""Storage that loses nothing: one small Parquet part per finished run, written atomically.

Layout of ``results/<sweep>/``::

    metadata.json          spec, its hash, versions, status (complete or incomplete), sessions
                           (start/end, runs done and failed)
    spec.yaml              the sweep spec as validated; base_scenario.yaml the resolved base
                           (a market sweep: base_market.yaml, and the firms' scenario as base_scenario.yaml)
    design.csv             one row per point: the sampled values (before rounding)
    runs/run-000123-<id>.parquet     runs that finished together (a batched chunk, or one run; 123 first)
    timeseries/run-000123.parquet    a run's weekly series, when kept (written before its part)
    runs.parquet, runs.csv           the tidy table: one row per run, sorted by run index
    timeseries.parquet               all kept weekly series, with run_index

A run counts as done when a part holds its row; since parts appear by rename, a part is complete
or absent, never half-written. A part holds the runs that finished together: a batched chunk (up to
64 runs, see sim/sweep/batched.py) or one run. A Parquet file costs some milliseconds to write and
read back, more than a batched run, so a part per run would make storage the sweep's bottleneck.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from sim.dictionary import design_column, parquet_metadata, write_parquet
from sim.output import atomic_write, atomic_write_text
from sim.scenario.io import dump_yaml
from sim.sweep.spec import LoadedSpec, SweepError

PART_PATTERN = re.compile(r"^run-(\d+)(-[0-9a-f]+)?\.parquet$")
"""A part: `run-000123-<id>.parquet` (runs from 123 on), or `run-000123.parquet` (one run; also a
kept time series)."""

TABLE_FILES = ("runs.parquet", "runs.csv", "timeseries.parquet")
OWN_FILES = ("metadata.json", "spec.yaml", "base_scenario.yaml", "base_market.yaml", "design.csv")
STALE_PATTERN = re.compile(
    r"^\.(run-\d+(-[0-9a-f]+)?\.parquet|runs\.parquet|runs\.csv|timeseries\.parquet|metadata\.json|spec\.yaml"
    r"|base_scenario\.yaml|base_market\.yaml|design\.csv)\.[^/]*\.tmp$"
)
"""Temporary files of :func:`sim.output.atomic_write` (`.NAME.RANDOM.tmp`) for the files a sweep writes."""


IDENTITY = {"run_index": pa.int64(), "point": pa.int64(), "replicate": pa.int64(), "seed": pa.int64()}
ARROW_TYPES = {"float64": pa.float64(), "int64": pa.int64(), "string": pa.string(), "bool": pa.bool_()}


def table_schema(loaded: LoadedSpec, design: pd.DataFrame, metrics: dict[str, str] | None) -> pa.Schema:
    """One schema for every part and the table: identity, one column per varied key path
    (snake-cased), status and error, and every declared metric, with the data dictionary's units in
    the schema metadata."""
    fields = [pa.field(name, kind) for name, kind in IDENTITY.items()]
    mapping = {}
    for path in loaded.spec.varied:
        name = design_column(path)
        mapping[name] = path
        values = design[path] if path in design else pd.Series(dtype=float)
        integer = loaded.spec.design.kind != "list" and path in loaded.spec.parameters and loaded.spec.parameters[path].integer
        if integer:
            kind = pa.int64()
        elif pd.api.types.is_bool_dtype(values):
            kind = pa.bool_()
        elif pd.api.types.is_numeric_dtype(values):
            kind = pa.float64()
        else:
            kind = pa.string()
        fields.append(pa.field(name, kind))
    fields += [pa.field("status", pa.string()), pa.field("error", pa.string())]
    for name, dtype in (metrics or {}).items():
        if name not in {f.name for f in fields}:
            fields.append(pa.field(name, ARROW_TYPES[dtype]))
    names = [f.name for f in fields]
    return pa.schema(fields, metadata=parquet_metadata(names, mapping))


def _cell(value: Any, kind: pa.DataType) -> Any:
    """A record's value as the column's type (missing, NaN or unconvertible -> null)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    try:
        if pa.types.is_integer(kind):
            return int(value)
        if pa.types.is_floating(kind):
            return float(value)
        if pa.types.is_boolean(kind):
            return bool(value)
        return str(value)
    except (TypeError, ValueError):
        return None


class SweepStore:
    """The results folder of one sweep."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        self.timeseries_dir = self.root / "timeseries"
        self.metadata_path = self.root / "metadata.json"
        self.schema: pa.Schema | None = None  # set by prepare(); None: columns as the records come

    # --- lifecycle -----------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder for one sweep process at a time (released when the process dies)."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.check_own_folders()
        path = self.root / ".lock"
        try:  # never through a link: a `.lock` linked to a file elsewhere must not touch that file
            flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
            fd = os.open(path, flags, 0o666)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise SweepError(f"{path}: is a link; a sweep writes only its own files here: remove the link "
                                 "or choose another folder with --out") from None
            raise
        with os.fdopen(fd, "w") as handle:
            try:
                import fcntl
            except ImportError:  # pragma: no cover - Windows: no advisory lock
                yield
                return
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SweepError(f"{self.root}: another sweep process is writing here; wait for it or stop it") from None
            yield

    def prepare(
        self, loaded: LoadedSpec, design: pd.DataFrame, fresh: bool = False, metrics: dict[str, str] | None = None
    ) -> None:
        """Start or resume: refuse results made by a different spec unless `fresh` wipes them.
        `metrics` declares the evaluation's columns (one schema for every part, failed runs too)."""
        self.schema = table_schema(loaded, design, metrics) if metrics is not None else None
        self.check_own_folders()
        if fresh:
            self.clear()
        previous = self.read_metadata()
        if self.parts() or previous:
            old = (previous or {}).get("spec_hash")
            if old != loaded.digest:
                raise SweepError(
                    f"{self.root}: holds results of a different sweep specification "
                    f"(spec hash {old or 'unknown'}, now {loaded.digest}). "
                    "Re-run with --fresh to discard them, or choose another folder with --out."
                )
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.remove_stale()  # left by a process killed while writing
        atomic_write_text(self.root / "spec.yaml", yaml.safe_dump(loaded.spec.model_dump(mode="json"), sort_keys=False))
        if loaded.kind == "market":  # the market as resolved, and the scenario every firm starts from
            market = loaded.base.market.model_dump(mode="json", exclude_unset=True)
            atomic_write_text(self.root / "base_market.yaml", yaml.safe_dump(market, sort_keys=False))
            atomic_write_text(self.root / "base_scenario.yaml", dump_yaml(loaded.base.base))
        else:
            atomic_write_text(self.root / "base_scenario.yaml", dump_yaml(loaded.base))
        atomic_write(self.root / "design.csv", lambda p: design.to_csv(p))

    def check_own_folders(self) -> None:
        """Refuse `runs/` or `timeseries/` as a link or a file: parts are written only inside the folder."""
        for folder in (self.runs_dir, self.timeseries_dir):
            if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
                raise SweepError(f"{folder}: is a link or a file, not the folder a sweep writes its runs in; "
                                 "remove it or choose another folder with --out")

    def clear(self) -> None:
        """Remove the files a sweep writes (run parts, tables, metadata), never anything else: other
        files stay, and a folder without a sweep's metadata.json is refused."""
        if not self.root.is_dir():
            return
        others = {p.name for p in self.root.iterdir()} - {".lock", "runs", "timeseries"}
        if others and not self._has_sweep_metadata():
            raise SweepError(f"{self.root}: not a sweep's results folder (no metadata.json of a sweep); --fresh "
                             "removes only what a sweep wrote: choose a new folder with --out")
        for folder in (self.runs_dir, self.timeseries_dir):
            if folder.is_dir() and not folder.is_symlink():
                for entry in folder.iterdir():
                    if (PART_PATTERN.match(entry.name) or STALE_PATTERN.match(entry.name)) and entry.is_file():
                        entry.unlink(missing_ok=True)
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only if now empty
        for name in (*TABLE_FILES, *OWN_FILES):
            (self.root / name).unlink(missing_ok=True)
        self.remove_stale()

    def _has_sweep_metadata(self) -> bool:
        """Whether metadata.json is a sweep's (a regular file, JSON, with the spec's hash)."""
        if self.metadata_path.is_symlink() or not self.metadata_path.is_file():
            return False
        try:
            data = json.loads(self.metadata_path.read_bytes()[:10_000_000])
        except (ValueError, OSError):
            return False
        return isinstance(data, dict) and "spec_hash" in data

    def remove_stale(self) -> None:
        """Remove temporary files left by a process killed while writing (parts, series, tables)."""
        for folder in (self.root, self.runs_dir, self.timeseries_dir):
            if folder.is_dir():
                for entry in folder.iterdir():
                    if STALE_PATTERN.match(entry.name) and entry.is_file():
                        entry.unlink(missing_ok=True)

    # --- runs ----------------------------------------------------------------------------

    def parts(self) -> list[Path]:
        """Every part on disk, in name order (runs in order of their first run index)."""
        if not self.runs_dir.is_dir():
            return []
        return sorted(p for p in self.runs_dir.iterdir() if PART_PATTERN.match(p.name))

    def part_indices(self) -> set[int]:
        """Run indices held by the parts on disk."""
        found: set[int] = set()
        for part in self.parts():
            found.update(read_part(part, columns=["run_index"]).column("run_index").to_pylist())
        return found

    def finished(self, retry_failed: bool = False) -> set[int]:
        """Runs that need not run again. With `retry_failed`, failed runs' rows are first taken out of
        their parts (each part rewritten atomically), so their new records do not duplicate them."""
        if retry_failed:
            for part in self.parts():
                table = read_part(part)  # rewritten with its own schema
                ok = pc.fill_null(pc.equal(table["status"], "ok"), False)
                kept = table.filter(ok)
                if kept.num_rows == 0:
                    part.unlink()
                elif kept.num_rows < table.num_rows:
                    atomic_write(part, lambda p, kept=kept: pq.write_table(kept, p))
        return self.part_indices()

    def write_runs(self, records: list[dict[str, Any]]) -> None:
        """Write finished runs' records as one part (atomically), each kept time series first."""
        if not records:
            return
        records = [dict(r) for r in records]
        for record in records:
            index = int(record["run_index"])
            if self.schema is not None:
                extra = [k for k in record if k not in self.schema.names and k != "timeseries"]
                if extra:
                    raise SweepError(f"run {index}: the evaluation returned undeclared columns {extra[:5]}")
            timeseries = record.pop("timeseries", None)
            if timeseries is not None:
                series = timeseries.assign(run_index=index)
                atomic_write(self.timeseries_dir / f"run-{index:06d}.parquet",
                             lambda p, series=series: series.to_parquet(p, index=False))
        first = min(int(r["run_index"]) for r in records)
        path = self.runs_dir / f"run-{first:06d}-{uuid.uuid4().hex[:8]}.parquet"
        if self.schema is not None:
            table = pa.table({f.name: pa.array([_cell(r.get(f.name), f.type) for r in records], type=f.type)
                              for f in self.schema}, schema=self.schema)
            atomic_write(path, lambda p: pq.write_table(table, p))
        else:
            frame = pd.DataFrame(records)
            atomic_write(path, lambda p: frame.to_parquet(p, index=False))

    def read_parts(self, runs_total: int | None = None) -> pd.DataFrame:
        """Every finished run, one row each, sorted by run index; a part that is not a readable table
        of runs, a run held twice or (given `runs_total`) a run index outside the design is an error."""
        paths = self.parts()
        parts = [read_part(p).to_pandas() for p in paths]
        if not parts:
            return pd.DataFrame(columns=["run_index", "status"])
        check_run_indices(list(zip(paths, (p["run_index"] for p in parts))), runs_total)
        return _concat(parts).sort_values("run_index").reset_index(drop=True)

    def consolidate(self) -> pd.DataFrame:
        """Write the tidy table (runs.parquet, runs.csv) and the kept time series; return the table."""
        table = self.read_parts()
        if self.schema is not None:
            table = table.reindex(columns=self.schema.names)
            arrow = pa.Table.from_pandas(table, schema=self.schema, preserve_index=False)
            atomic_write(self.root / "runs.parquet", lambda p: pq.write_table(arrow, p))
        else:
            _write_parquet(self.root / "runs.parquet", table)
        atomic_write(self.root / "runs.csv", lambda p: table.to_csv(p, index=False))
        if self.timeseries_dir.is_dir():  # the series of finished runs (a killed write can leave one without its run)
            done = set(table["run_index"].astype(int)) if len(table) else set()
            series = [pd.read_parquet(p) for p in sorted(self.timeseries_dir.glob("run-*.parquet"))
                      if (m := PART_PATTERN.match(p.name)) and int(m.group(1)) in done]
            if series:
                frame = _concat(series)
                atomic_write(self.root / "timeseries.parquet", lambda p: write_parquet(frame, p))
        return pd.read_parquet(self.root / "runs.parquet")  # exactly what is on disk

    def load_table(self, runs_total: int | None = None) -> pd.DataFrame:
        """The tidy table: runs.parquet if the sweep finished, else whatever parts exist (each checked,
        see :meth:`read_parts`)."""
        path = self.root / "runs.parquet"
        if path.exists() or path.is_symlink():
            table = read_part(path)
            if not self._parts_newer_than(table):
                frame = table.to_pandas()
                check_run_indices([(path, frame["run_index"])], runs_total)
                return frame
        if not self.parts():
            raise SweepError(f"{self.root}: no sweep results here (no runs.parquet, no runs/ parts)")
        return self.read_parts(runs_total)

    def _parts_newer_than(self, table: pa.Table) -> bool:
        return self.runs_dir.is_dir() and len(self.part_indices()) != table.num_rows

    # --- metadata ------------------------------------------------------------------------

    def read_metadata(self) -> dict[str, Any] | None:
        if not self.metadata_path.is_file():
            return None
        try:
            return json.loads(self.metadata_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise SweepError(f"{self.metadata_path}: not valid JSON ({exc}); use --fresh to start again") from None

    def write_metadata(self, metadata: dict[str, Any]) -> None:
        atomic_write_text(self.metadata_path, json.dumps(metadata, indent=2, default=str) + "\n")


def read_part(path: Path, columns: list[str] | None = None) -> pa.Table:
    """A part (or runs.parquet) as an Arrow table: a regular file of this folder (not a link), a
    Parquet table with an integer `run_index` (no nulls) and a text `status`; otherwise a SweepError
    in one line."""
    def refuse(reason: str) -> SweepError:
        return SweepError(f"{path}: {reason}; it is not a table a sweep wrote (move it away, or run the sweep "
                          "again with --fresh)")

    if path.is_symlink():
        raise refuse("is a link")
    if not path.is_file():
        raise refuse("is not a regular file")
    try:
        table = pq.read_table(path, columns=columns)
    except (OSError, ValueError, KeyError, pa.ArrowException) as exc:  # ArrowInvalid is a ValueError
        raise refuse(f"cannot be read as Parquet ({first_line(exc)})") from None
    names = set(table.column_names)
    if "run_index" not in names or not pa.types.is_integer(table.schema.field("run_index").type):
        raise refuse("has no whole-number run_index column")
    if table.column("run_index").null_count:
        raise refuse("has runs without a run_index")
    if columns is None and ("status" not in names or not _is_text(table.schema.field("status").type)):
        raise refuse("has no text status column")
    return table


def first_line(exc: BaseException, limit: int = 120) -> str:
    """An exception's reason in one short line (its type when it has no message)."""
    text = str(exc).strip()
    return text.splitlines()[0][:limit] if text else type(exc).__name__


def _is_text(kind: pa.DataType) -> bool:
    """A column of text (as pandas and pyarrow write it: string, large string or string view)."""
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    is_view = getattr(pa.types, "is_string_view", lambda _: False)
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or is_view(kind)


def check_run_indices(held: list[tuple[Path, pd.Series]], runs_total: int | None) -> None:
    """Each run in at most one part, and (given `runs_total`) every run index within the design."""
    seen: dict[int, Path] = {}
    for path, indices in held:
        for index in indices.astype("int64").tolist():
            if runs_total is not None and not 0 <= index < runs_total:
                raise SweepError(f"{path}: holds run {index}, but the design has runs 0 to {runs_total - 1}; "
                                 "it is not a part of this sweep (move it away)")
            if index in seen:
                where = f"{path}: holds run {index} twice" if seen[index] == path else \
                    f"{path} and {seen[index].name} both hold run {index}"
                raise SweepError(f"{where}; a copied part? Keep one of them")
            seen[index] = path


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack parts; columns keep the order of the run record, `error` just after `status`."""
    frames = [f for f in frames if len(f)]
    table = pd.concat(frames, ignore_index=True, sort=False) if frames else pd.DataFrame()
    if "status" in table:
        error = table.pop("error") if "error" in table else pd.Series(None, index=table.index, dtype=object)
        table.insert(table.columns.get_loc("status") + 1, "error", error)
    return table


def _write_parquet(path: Path, table: pd.DataFrame) -> None:
    """Parquet, turning columns that mix words and numbers (e.g. list designs) into text."""
    try:
        atomic_write(path, lambda p: table.to_parquet(p, index=False))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        mixed = table.select_dtypes(include="object").columns
        fixed = table.astype({c: "string" for c in mixed})
        atomic_write(path, lambda p: fixed.to_parquet(p, index=False))
