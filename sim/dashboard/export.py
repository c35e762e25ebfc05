"""The current run as a CSV file: every week of every organisation on the page, with the policy in
force and the policy changes, under the same column names as ``tokenmaxx run``'s timeseries.csv."""

from __future__ import annotations

import pandas as pd

from sim.dashboard.model import DashboardModel

LEAD_COLUMNS = ("organisation", "week", "kpi_regime", "kpi_scheme", "kpi_strength", "audit_rate", "detection",
                "policy_change")


def run_frame(model: DashboardModel) -> pd.DataFrame:
    """One row per organisation and week run (ratios as in data files: ROI 0.35 = 35%)."""
    frames = []
    for organisation in model.organisations:
        frame = pd.DataFrame.from_records(organisation.records)
        if frame.empty:
            continue
        frame["week"] = frame["week"].astype(int)
        frame.insert(0, "organisation", organisation.name)
        regime, scheme, strength, audit, detection = _policy_by_week(organisation, len(frame))
        frame["kpi_regime"], frame["kpi_scheme"], frame["audit_rate"], frame["detection"] = regime, scheme, audit, detection
        frame["kpi_strength"] = strength
        notes = {}
        for change in organisation.policy_changes:
            notes.setdefault(change.week, []).append(f"{change.origin}: {change.describe()}")
        frame["policy_change"] = frame["week"].map(lambda w: "; ".join(notes.get(w, [])))
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=list(LEAD_COLUMNS))
    out = pd.concat(frames, ignore_index=True)
    rest = [c for c in out.columns if c not in LEAD_COLUMNS]
    return out[list(LEAD_COLUMNS) + rest]


def _policy_by_week(organisation, weeks: int) -> tuple[list, list, list, list, list]:
    """The policy in force each week, replayed from the start policy and the recorded changes."""
    start = organisation.config
    current = {"kpi.regime": start.kpi.regime, "kpi.scheme": start.kpi.scheme, "kpi.strength": start.kpi.strength,
               "audit.rate": start.audit.rate, "detection.enabled": start.detection.enabled}
    by_week = {}
    for change in organisation.policy_changes:
        by_week.setdefault(change.week, []).append(change.changes)
    columns: list[list] = [[], [], [], [], []]
    for week in range(1, weeks + 1):
        for changes in by_week.get(week, []):
            current.update({k: v for k, v in changes.items() if k in current})
        for column, key in zip(columns, current, strict=True):
            column.append(current[key])
    return tuple(columns)  # type: ignore[return-value]


def run_csv(model: DashboardModel) -> str:
    """The CSV text of :func:`run_frame`."""
    return run_frame(model).to_csv(index=False)


def file_name(model: DashboardModel) -> str:
    return f"tokenmaxx-{model.config.name}-week-{model.week}.csv"
