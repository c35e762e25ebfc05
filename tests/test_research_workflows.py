"""What a researcher's own scripts and functions run into (issue 27): a sweep in an unguarded script
is one clear error before anything runs; a resume refuses runs made by another evaluation function
unless asked; an evaluation that breaks the contract stops on the first run; the text says how
many runs failed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sim.sweep import SweepError, run_sweep
from sim.sweep.api import evaluation_identity
from sim.sweep.tasks import simulate

ROOT = Path(__file__).resolve().parents[1]
SPEC = {"name": "workflow", "base": str(ROOT / "scenarios" / "default.yaml"),
        "fixed": {"organization.employees": 20, "weeks": 3},
        "parameters": {"audit.rate": {"values": [0.0, 0.1, 0.2]}}, "design": {"kind": "grid"}, "replicates": 2}
SWEEP = ('outcome = run_sweep(spec, executor="processes", workers=2, out="results/workflow", progress=False)\n'
         "print(outcome)\n")


def _script(tmp_path: Path, guarded: bool) -> subprocess.CompletedProcess:
    """The sweep saved as a script, with or without the `__main__` guard, run with python."""
    body = 'if __name__ == "__main__":\n' + textwrap.indent(SWEEP, "    ") if guarded else SWEEP
    (tmp_path / "sweep.py").write_text(f"from sim.sweep import run_sweep\n\nspec = {SPEC!r}\n{body}")
    return subprocess.run([sys.executable, "sweep.py"], cwd=tmp_path, capture_output=True, text=True, check=False,
                          timeout=300)


def test_an_unguarded_script_is_one_clear_error_and_the_guarded_one_runs(tmp_path) -> None:
    unguarded = _script(tmp_path, guarded=False)
    assert unguarded.returncode == 1
    last = unguarded.stderr.strip().splitlines()[-1]
    assert last.startswith("sim.sweep.spec.SweepError: the worker processes started this script's sweep again")
    assert 'if __name__ == "__main__":' in last
    assert "killed their worker" not in unguarded.stderr and "another sweep process" not in unguarded.stderr
    import pandas as pd

    assert len(pd.read_parquet(tmp_path / "results" / "workflow" / "runs.parquet")) == 0  # no failed rows left
    guarded = _script(tmp_path, guarded=True)
    assert guarded.returncode == 0, guarded.stderr
    assert "6 of 6 runs done, 0 failed" in guarded.stdout


def other_model(scenario, seed):
    """A stand-in for a researcher's own evaluation."""
    summary, timeseries = simulate(scenario, seed)
    return {"gaming": summary["gaming_share_mean"]}, None


other_model.columns = {"gaming": "float64"}


def test_a_resume_with_another_evaluation_function_is_refused_unless_asked(tmp_path) -> None:
    out = tmp_path / "out"
    first = run_sweep(SPEC, executor="sequential", out=out, progress=False)
    assert (first.table["status"] == "ok").all()
    with pytest.raises(SweepError, match=r"made by the evaluation function sim\.sweep\.tasks\.simulate .* now "
                                         r"test_research_workflows\.other_model .*fresh=True"):
        run_sweep(SPEC, executor="sequential", out=out, progress=False, evaluate=other_model)
    again = run_sweep(SPEC, executor="sequential", out=out, progress=False)  # the same function resumes
    assert again.ran_now == 0 and len(again.table) == 6
    fresh = run_sweep(SPEC, executor="sequential", out=out, progress=False, evaluate=other_model, fresh=True)
    assert fresh.ran_now == 6 and "gaming" in fresh.table.columns
    assert evaluation_identity(other_model) != evaluation_identity(simulate)


def returns_a_dict(scenario, seed):
    """Breaks the contract: a dict, not (summary, timeseries)."""
    return {"gaming": 0.1, "roi": 0.2}


def test_an_evaluation_that_breaks_the_contract_stops_on_the_first_run(tmp_path) -> None:
    with pytest.raises(SweepError, match=r"^the evaluation function returned a dict; it must return \(summary, "
                                         r"timeseries\).*stopped at the first run \(run 0\), nothing written$"):
        run_sweep(SPEC, executor="sequential", out=tmp_path / "out", progress=False, evaluate=returns_a_dict)
    import pandas as pd

    assert len(pd.read_parquet(tmp_path / "out" / "runs.parquet")) == 0  # no rows of failed runs


def fails_above_10_percent(scenario, seed):
    if scenario.audit.rate > 0.1:
        raise ValueError("too high")
    return simulate(scenario, seed)


fails_above_10_percent.columns = simulate.columns


def test_the_text_says_how_many_runs_failed(tmp_path) -> None:
    outcome = run_sweep(SPEC, executor="sequential", out=tmp_path / "out", progress=False,
                        evaluate=fails_above_10_percent)
    assert repr(outcome).endswith("6 of 6 runs done, 2 failed; .table, .out_dir)")


def test_citation_file_is_valid_cff_with_the_package_version() -> None:
    import tomllib

    import yaml

    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert citation["cff-version"] == "1.2.0" and citation["type"] == "software"
    assert citation["version"] == project["version"] and citation["license"] == project["license"]
    assert citation["title"].startswith("tokenmaxxing") and citation["message"]
    assert all("name" in author or "family-names" in author for author in citation["authors"])


class InterruptOn:
    """An evaluation that is interrupted (as by Ctrl-C) on its n-th call."""

    columns = simulate.columns

    def __init__(self, n: int) -> None:
        self.n, self.calls = n, 0

    def __call__(self, scenario, seed):
        self.calls += 1
        if self.calls == self.n:
            raise KeyboardInterrupt
        return simulate(scenario, seed)


@pytest.mark.parametrize(("n", "message"), [
    (1, "interrupted before any run finished: none of 6 runs is on disk; the same command starts again"),
    (3, "interrupted: 2 of 6 runs are on disk; run the same command again to resume"),
])
def test_an_interrupted_sweep_says_what_is_on_disk(tmp_path, n, message) -> None:
    from sim.cli import interrupted

    with pytest.raises(KeyboardInterrupt) as info:
        run_sweep(SPEC, executor="sequential", out=tmp_path / "out", progress=False, evaluate=InterruptOn(n))
    assert interrupted(info.value) == message


def test_each_sweep_session_records_its_command_line_and_source_state(tmp_path) -> None:
    import json

    run_sweep(SPEC, executor="sequential", out=tmp_path / "out", progress=False)
    [session] = json.loads((tmp_path / "out" / "metadata.json").read_text())["sessions"]
    assert {"command_line", "git_commit", "git_dirty"} <= set(session) and session["command_line"]


def test_the_readmes_python_runs_as_written(tmp_path, monkeypatch) -> None:
    """Every Python block of the README, in order, in a folder holding only the scenarios."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", readme, re.S | re.M)
    assert blocks
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__main__"}
    for i, code in enumerate(blocks):
        exec(compile(code, f"README.md python block {i + 1}", "exec"), namespace)  # noqa: S102 - the doc's own code
    model = namespace["model"]
    assert model.policy.kpi.regime == "action_linked" and model.management.target == 30.0
    assert [c.describe() for c in model.policy_changes] == ["kpi.regime tokens -> action_linked"]
