"""Write a run's results to a folder, every file atomically (temporary file, then rename), and
the whole folder at once (temporary folder, then swapped in): a run killed midway leaves the
previous results whole, never a folder mixing two runs. Names are labels, never paths:
:func:`folder_name` turns one into a single safe folder name."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.dictionary import write_parquet
from sim.runner import RunResult, clean_for_json
from sim.scenario.io import ScenarioError, dump_yaml

if TYPE_CHECKING:
    from sim.ensemble import Ensemble


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call write(tmp) on a temporary file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; results are ordinary files
        os.replace(tmp, path)
    except OSError as exc:
        raise _naming(exc, path) from exc
    finally:
        tmp.unlink(missing_ok=True)


def _naming(exc: OSError, path: Path) -> OSError:
    """The error of writing `path`, naming it and the system's reason (pyarrow's errors carry the
    reason only in their message, and name no file)."""
    number = exc.errno
    if number is None and (found := re.search(r"\[errno (\d+)\]", str(exc), re.IGNORECASE)):
        number = int(found.group(1))
    if number is None:
        return exc
    return OSError(number, os.strerror(number), str(path))


MAX_FOLDER_NAME = 80
MARKER = ".tokenmaxx-results.json"
"""Written last into every folder :func:`publish_folder` makes: the kind of result and every file
written, so that a later command replaces the folder only when it proves to be that command's own."""
RESULT_KINDS = ("run", "market", "compare", "advise")
OLD_LAYOUTS = {
    "run": ({"metadata.json", "scenario.yaml"},
            {"summary.json", "timeseries.parquet", "timeseries.csv", "scenario.yaml", "metadata.json", "report.html",
             "worlds.csv"}),
    "market": ({"metadata.json", "market.yaml"},
               {"summary.json", "industry.parquet", "industry.csv", "firms.parquet", "events.json", "market.yaml",
                "metadata.json", "report.html"}),
    "compare": ({"summaries.csv"}, {"summaries.csv", "report.html"}),
}
"""Folders written before the marker: the files that give the kind away, and every file it wrote
(besides `figures/*.png`). Such a folder is replaced only when all its files are among these."""
MAX_MARKER_BYTES = 1_000_000


class OutputError(ScenarioError):
    """An output folder that cannot be used, with a message for the person who chose it."""


def folder_name(label: str, fallback: str = "results") -> str:
    """A scenario, sweep or market name as one folder name: letters, digits, `.`, `_` and `-` only,
    no leading dot, at most MAX_FOLDER_NAME characters (a long name keeps a hash of the rest).
    A name is a label: `../../x` or `/etc/x` can never make results land outside the results folder."""
    text = unicodedata.normalize("NFKD", str(label)).encode("ascii", "ignore").decode()
    slug = re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9._-]+", "-", text)).strip(".-_")
    if len(slug) > MAX_FOLDER_NAME:
        digest = hashlib.sha256(str(label).encode()).hexdigest()[:8]
        slug = slug[: MAX_FOLDER_NAME - 9].rstrip(".-_") + "-" + digest
    return slug or fallback


def check_out_dir(out_dir: Path, kind: str) -> None:
    """Refuse an output folder that is a file, the current folder (or holds it), or a folder this
    `kind` of command did not write (see :func:`own_files`): results replace only earlier results."""
    try:
        if out_dir.exists() and not out_dir.is_dir():
            raise OutputError(f"{out_dir}: is a file, not a folder; choose another --out")
        resolved, here = out_dir.resolve(), Path.cwd().resolve()
        if resolved == here or resolved in here.parents or not resolved.name:
            raise OutputError(f"{out_dir}: holds the current folder; choose a new folder for --out")
        if out_dir.is_dir() and any(out_dir.iterdir()):
            problem = foreign_content(out_dir, kind)
            if problem:
                raise OutputError(f"{out_dir}: {problem}; tokenmaxx {kind} replaces only a folder of its own "
                                  "earlier results: choose a new or empty folder for --out")
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot use this folder ({exc.strerror or exc})") from None


def foreign_content(folder: Path, kind: str) -> str | None:
    """Why `folder` is not `kind`'s own results (None when it is): its marker names another kind,
    or a file is there that the command did not write (a link counts as foreign). A folder without a
    marker (written before it existed) is recognised by OLD_LAYOUTS."""
    marker = folder / MARKER
    if marker.is_file() and not marker.is_symlink():
        try:
            recorded = json.loads(marker.read_bytes()[:MAX_MARKER_BYTES])
        except (ValueError, OSError):
            return f"its {MARKER} is not one tokenmaxx wrote"
        if not isinstance(recorded, dict) or not isinstance(recorded.get("files"), list):
            return f"its {MARKER} is not one tokenmaxx wrote"
        if recorded.get("kind") != kind:
            return f"holds the results of tokenmaxx {str(recorded.get('kind'))[:20]}, not of tokenmaxx {kind}"
        allowed = {str(f) for f in recorded["files"]} | {MARKER}
    else:
        if kind not in OLD_LAYOUTS:
            return "holds files tokenmaxx did not write"
        required, written = OLD_LAYOUTS[kind]
        names = {p.name for p in folder.iterdir()}
        if not required <= names:
            return f"is not the results folder of a tokenmaxx {kind} (no {' or '.join(sorted(required - names))})"
        allowed = written | {"figures/"} | {f"figures/{p.name}" for p in (folder / "figures").glob("*.png")}
    foreign = [name for name in sorted(own_files(folder)) if name not in allowed]
    if foreign:
        listed = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        return f"holds files tokenmaxx {kind} did not write ({listed})"
    return None


def own_files(folder: Path) -> list[str]:
    """Every entry under `folder` as a relative path (`figures/a.png`), a folder with a `/` after it;
    links are listed (as `name@`, which never matches a file written), never followed."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        base = Path(dirpath).relative_to(folder)
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            relative = (base / name).as_posix()
            if path.is_symlink():
                found.append(relative + "@")
            elif name in dirnames:
                found.append(relative + "/")
            else:
                found.append(relative)
    return found


def publish_folder(out_dir: Path, write: Callable[[Path], object], kind: str) -> None:
    """Call write(tmp) on a fresh temporary folder beside `out_dir`, then put it in place of
    `out_dir` (earlier results there are removed only once the new ones are complete). The folder
    gets a MARKER naming `kind` and its files. A failure to write (a full disk) is one OutputError
    naming `out_dir`, never the temporary folder; earlier results stay as they were."""
    check_out_dir(out_dir, kind)
    parent = out_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    _recover(out_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.{os.getpid()}.", suffix=".new", dir=parent))
    try:
        write(tmp)
        record = {"kind": kind, "files": sorted(own_files(tmp))}
        atomic_write_text(tmp / MARKER, json.dumps(record, indent=1) + "\n")
        os.chmod(tmp, 0o777 & ~_umask())
        if out_dir.exists():
            old = parent / f".{out_dir.name}.{os.getpid()}.old"
            os.replace(out_dir, old)
            os.replace(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out_dir)
    except OSError as exc:
        unchanged = "earlier results there are unchanged" if out_dir.exists() else "nothing was written"
        raise OutputError(f"{out_dir}: cannot write the results ({exc.strerror or exc}); {unchanged}") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _recover(out_dir: Path) -> None:
    """Tidy what a killed :func:`publish_folder` left beside `out_dir`: half-written `.new` folders
    go; an `.old` folder (killed between the two renames) is put back if `out_dir` is missing."""
    pattern = re.compile(rf"^\.{re.escape(out_dir.name)}\.(\d+)\.(?:[^.]*\.)?(new|old)$")
    for entry in out_dir.parent.iterdir():
        match = pattern.match(entry.name)
        if not match or entry.is_symlink() or not entry.is_dir() or _alive(int(match.group(1))):
            continue
        if match.group(2) == "old" and not out_dir.exists():
            os.replace(entry, out_dir)
        else:
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_run(result: RunResult, out_dir: Path, wall_time_s: float) -> list[Path]:
    """Write summary.json, timeseries.parquet/.csv, scenario.yaml and metadata.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "summary.json": lambda p: p.write_text(json.dumps(clean_for_json(result.summary), indent=2) + "\n"),
        "timeseries.parquet": lambda p: write_parquet(result.timeseries, p),
        "timeseries.csv": lambda p: result.timeseries.to_csv(p, index=False),
        "scenario.yaml": lambda p: p.write_text(dump_yaml(result.scenario)),
        "metadata.json": lambda p: p.write_text(json.dumps(metadata(result, wall_time_s), indent=2) + "\n"),
    }
    for name, write in files.items():
        atomic_write(out_dir / name, write)
    return [out_dir / name for name in files]


def write_worlds(ensemble: Ensemble, result: RunResult, out_dir: Path) -> list[Path]:
    """Write worlds.csv (one row per world: its draw, seed and drawn parameters, the scenario's
    summary values, the baseline's and the paired effects) and summary.json over worlds (every
    value's median, 90% interval and share of worlds below zero; the detailed world's own summary
    under ``one_world``), in place of the one world's."""
    from sim.ensemble import ensemble_summary

    summary = ensemble_summary(ensemble, result.summary)
    files = {
        "worlds.csv": lambda p: ensemble.table.to_csv(p, index=False),
        "summary.json": lambda p: p.write_text(json.dumps(clean_for_json(summary), indent=2) + "\n"),
    }
    for name, write in files.items():
        atomic_write(out_dir / name, write)
    return [out_dir / name for name in files]


def metadata(result: RunResult, wall_time_s: float) -> dict[str, Any]:
    """A run's metadata.json: versions, seed, wall time and :func:`provenance`."""
    return {**versions(), "seed": result.scenario.seed, "wall_time_s": round(wall_time_s, 4), **provenance()}


def versions() -> dict[str, Any]:
    """The package and the libraries whose versions change the numbers."""
    from importlib.metadata import version

    return {"package": "tokenmaxxing", "version": version("tokenmaxxing"), "mesa_version": version("mesa"),
            "numpy_version": version("numpy"), "python": platform.python_version()}


def provenance() -> dict[str, Any]:
    """Where results came from: the source commit and whether the tree had uncommitted changes
    (`git_dirty`, None outside a git checkout), when (UTC) and the command line that made them."""
    import shlex
    import sys
    from datetime import datetime, timezone

    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    argv = [*(["python", "-m", "sim"] if program == "__main__.py" else [program]), *sys.argv[1:]] if program else []
    return {"git_commit": git_commit(), "git_dirty": git_dirty(),
            "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command_line": shlex.join(argv) if argv else None}


def git_dirty() -> bool | None:
    """Whether the source tree has uncommitted changes to tracked files (None: not a git checkout)."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                             capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(out.stdout.strip()) if out.returncode == 0 else None


def git_commit() -> str | None:
    """The commit of the source tree this package runs from, when it is a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None
