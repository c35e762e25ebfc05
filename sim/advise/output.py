"""The advise results folder: the study (search.journal, kept while the search runs so that it can
resume) and the results, each file written atomically; the folder's marker names every file, so a
later `advise` recognises the folder as its own and no other command takes it for theirs."""

from __future__ import annotations

import json
from pathlib import Path

from sim.output import MARKER, atomic_write_text, check_out_dir, own_files

KIND = "advise"
STUDY_FILES = ("search.journal", "search.journal.lock")


def prepare_folder(out: Path) -> None:
    """Refuse a folder another command wrote (or a file, or the current folder); create it and mark it
    as advise's before the study is written into it."""
    check_out_dir(out, KIND)
    out.mkdir(parents=True, exist_ok=True)
    mark(out)


def mark(out: Path) -> None:
    """Write the marker: the kind and every file now in the folder (and the study's files)."""
    files = sorted(set(own_files(out)) | set(STUDY_FILES) - {MARKER})
    atomic_write_text(out / MARKER, json.dumps({"kind": KIND, "files": files}, indent=1) + "\n")
