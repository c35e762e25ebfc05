"""The advise report: the Pareto front (table and chart), the recommendation and the rule that chose
it, its paired check against the current policy and no KPI, which levers matter; and the files
(CSV tables, the recommended scenario, summary.json), each written atomically."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from sim.advise.importance import objective_label
from sim.advise.levers import OBJECTIVES
from sim.advise.objectives import rule_text
from sim.advise.run import CURRENT, NO_KPI, Advice, _plain
from sim.ensemble import INTERVAL
from sim.metrics import display
from sim.output import atomic_write, atomic_write_text
from sim.report.ensemble import chance, compact_usd, interval_text
from sim.report.figures import COLOURS
from sim.report.html import figure_html, list_html, page, png_bytes, table_html
from sim.report.style import styled, subplots

RECOMMENDED_FILE = "recommended.yaml"
FRONT_ROWS = 25
"""Most Pareto policies the report's table shows (all are in pareto.csv)."""


def value_text(value: float, unit: str) -> str:
    return compact_usd(value) if unit == "usd" else display(value, unit)


def lever_text(values: dict[str, Any]) -> str:
    parts = []
    for key, value in values.items():
        value = _plain(value)
        parts.append(f"{key} = {'none' if value is None else f'{value:.3g}' if isinstance(value, float) else value}")
    return ", ".join(parts)


@styled
def front_figure(advice: Advice) -> Figure:
    """Every evaluated policy: expected net value against the dashboard's overstatement (or the second
    objective), the Pareto front, the current policy and the recommendation marked."""
    t = advice.table
    names = list(advice.levers.spec.objectives)
    x_name = "overstatement" if "overstatement" in t else names[-1]
    y_name = "mean_net_value" if "mean_net_value" in names else names[0]
    fig, ax = subplots(1, 1, figsize=(8, 4.6), layout="constrained")
    scale = {n: 1e3 if OBJECTIVES[n][1] == "usd" else 1.0 for n in (x_name, y_name)}
    x, y = t[x_name] / scale[x_name], t[y_name] / scale[y_name]
    ax.scatter(x[~t["pareto"]], y[~t["pareto"]], s=14, color="#bbbbbb", label="evaluated policy")
    ax.scatter(x[t["pareto"]], y[t["pareto"]], s=22, color=COLOURS["seats"], label="Pareto front (all objectives)")
    current = t["is_current"]
    if current.any():
        ax.scatter(x[current], y[current], s=90, marker="s", facecolor="none", edgecolor="black", label=CURRENT)
    rec = t["recommended"]
    ax.scatter(x[rec], y[rec], s=160, marker="*", color=COLOURS["true"], edgecolor="black", label="recommended")
    unit = {n: ("thousand USD over the run" if scale[n] > 1 else OBJECTIVES[n][1]) for n in (x_name, y_name)}
    ax.set(xlabel=f"{OBJECTIVES[x_name][0]}, {unit[x_name]}", ylabel=f"{OBJECTIVES[y_name][0]},\n{unit[y_name]}",
           title=f"{len(t)} policies, each in the same {advice.search_worlds} worlds")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.legend(fontsize=8, loc="best")
    return fig


@styled
def check_figure(advice: Advice) -> Figure:
    """The recommendation's paired advantage in net value, world by world, against each other policy."""
    fig, ax = subplots(1, 1, figsize=(8, 3.6), layout="constrained")
    c = advice.check
    series = {against: (c["recommended:net_value_usd"] - c[f"{against}:net_value_usd"]).to_numpy() / 1e3
              for against in (CURRENT, NO_KPI)}
    values = np.concatenate(list(series.values()))
    bins = np.histogram_bin_edges(values[np.isfinite(values)], bins=30)
    for (against, diff), colour in zip(series.items(), (COLOURS["seats"], COLOURS["reported"]), strict=True):
        ax.hist(diff[np.isfinite(diff)], bins=bins, alpha=0.6, color=colour, label=f"against {against}")
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set(xlabel="recommended minus the other policy: net value over the run, thousand USD",
           ylabel="worlds", title=f"The recommendation in {advice.check_worlds} fresh worlds")
    ax.legend(fontsize=8)
    return fig


@styled
def importance_figure(advice: Advice) -> Figure:
    """Each lever's feature score for each objective."""
    imp = advice.importance
    pivot = imp.pivot(index="lever", columns="objective", values="score").reindex(advice.levers.names)
    fig, ax = subplots(1, 1, figsize=(9, 0.45 * len(pivot) + 1.8), layout="constrained")
    y = np.arange(len(pivot))
    height = 0.8 / max(1, len(pivot.columns))
    palette = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"]
    for i, objective in enumerate(pivot.columns):
        ax.barh(y + i * height, pivot[objective].fillna(0), height=height, color=palette[i % len(palette)],
                label=objective_label(objective))
    ax.set_yticks(y + height * (len(pivot.columns) - 1) / 2, pivot.index)
    ax.invert_yaxis()
    ax.set(xlabel="feature score (share of what the levers explain; each objective's scores sum to 1)",
           title="Which levers move each objective")
    ax.legend(fontsize=7, loc="lower right")
    return fig


def findings(advice: Advice) -> list[str]:
    """The advice in plain words, every number from the tables and charts."""
    p = advice.paired.set_index(["against", "metric"])
    out = []
    changes = lever_text(differing(advice.recommended, advice.current))
    what = f"change {changes}; keep the rest of the current policy" if changes else "keep the current policy"
    out.append(f"Recommended: {what} (every lever in the table below). Chosen by "
               f"{rule_text(advice.levers.spec.recommend)}, among {len(advice.table)} policies the search evaluated "
               f"in the same {advice.search_worlds} worlds.")
    for against in (CURRENT, NO_KPI):
        net = p.loc[(against, "net_value_usd")]
        stats = net.to_dict()
        if stats["p_same"] == 1:
            out.append(f"Against {against}: the same net value in every fresh world (the recommendation is the same "
                       "policy in effect).")
            continue
        verdict = ("does better in almost every world" if net["p_better"] >= 0.95 else
                   "does worse in almost every world" if net["p_better"] <= 0.05 else
                   f"does better in {chance(net['p_better'])} of worlds: the evidence does not settle which is better")
        out.append(f"Against {against}, in {advice.check_worlds} fresh worlds (not those that chose it), the "
                   f"recommendation {verdict}: net value {interval_text(stats, 'usd', signed=True)} over the run "
                   f"(median [{INTERVAL:.0%} interval], paired by world).")
    over = p.loc[(CURRENT, "overstatement_usd")].to_dict()
    out.append(f"The dashboard's overstatement changes by {interval_text(over, 'usd', signed=True)} against the current "
               f"policy; hours spent gaming by {interval_text(p.loc[(CURRENT, 'gaming_hours')].to_dict(), 'hours', signed=True)}; "
               f"flags on honest employees by {interval_text(p.loc[(CURRENT, 'flags_on_honest')].to_dict(), 'count', signed=True)}.")
    if not advice.importance.empty:
        main = "p10_net_value" if advice.levers.spec.recommend.rule == "robust" else "mean_net_value"
        imp = advice.importance[advice.importance["objective"] == main].sort_values("score", ascending=False)
        if not imp.empty:
            top = imp.head(2)
            out.append(f"Among the evaluated policies, {objective_label(main)} depends most on "
                       + " and ".join(f"{r.lever} (score {r.score:.2f})" for r in top.itertuples())
                       + "; levers with low scores barely move it within their ranges.")
    out.append(reward_caveat(advice))
    out.append("Measurement costs (audit and claim-check hours, the detector, outcome measurement) are assumptions "
               "(ASSUMPTION in sim/advise/objectives.py, listed in docs/levers-reference.md).")
    return out


def differing(values: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The lever values that differ from the current policy's."""
    from sim.advise.search import key_of

    return {k: v for k, v in values.items() if key_of(_plain(v)) != key_of(_plain(current.get(k)))}


def reward_cash_usd(scenario: Any) -> float:
    """What the KPI reward would cost over the run if it were paid in cash at target: strength x wage per
    employee-week (the model treats it as recognition or its weight in a review, not a payment)."""
    return scenario.kpi.strength * scenario.economics.loaded_wage_usd_per_hour * scenario.organization.employees \
        * scenario.weeks


def reward_caveat(advice: Advice) -> str:
    """The KPI reward is not a cost in net value: what it would cost as cash, for the recommendation and now."""
    rec, now = reward_cash_usd(advice.recommended_scenario), reward_cash_usd(advice.base)
    return (f"KPI rewards are not counted in net value: the model treats them as recognition or their weight in a "
            f"review. Paid in cash at target, the recommended reward would cost {compact_usd(rec)} over the run "
            f"(the current one {compact_usd(now)}); where rewards are cash, weigh that difference "
            f"({compact_usd(rec - now)}) against the advantage above.")


def front_rows(advice: Advice) -> tuple[list[str], list[list[str]]]:
    """The Pareto front as table rows: each policy as what it changes in the current policy, then the objectives."""
    t = advice.table
    names = list(advice.levers.spec.objectives)
    front = t[t["pareto"]].sort_values(names[0], ascending=OBJECTIVES[names[0]][2] < 0).head(FRONT_ROWS)
    header = ["policy (what differs from the current policy)", *(OBJECTIVES[n][0] for n in names), "note"]
    rows = []
    for _, row in front.iterrows():
        note = "recommended" if row["recommended"] else CURRENT if row["is_current"] else ""
        changes = differing({k: row[k] for k in advice.levers.names}, advice.current)
        rows.append([lever_text(changes) or "(the current policy)"]
                    + [value_text(row[n], OBJECTIVES[n][1]) for n in names] + [note])
    return header, rows


def better_text(row: dict[str, Any]) -> str:
    """'better in 83% of worlds', or 'the same in every world' when nothing differs."""
    if row.get("p_same") == 1:
        return "the same in every world"
    return f"better in {chance(row['p_better'])} of worlds"


def check_rows(advice: Advice) -> list[list[str]]:
    return [[r["against"], r["label"], interval_text(r, r["unit"], signed=True), better_text(r)]
            for r in advice.paired.to_dict("records")]


def report_html(advice: Advice, figures: dict[str, tuple[bytes, str]]) -> str:
    base = advice.base
    header, rows = front_rows(advice)
    levers = advice.levers.spec
    lever_rows = [[path, ", ".join("none" if c is None else str(c) for c in lever.choices) if lever.choices is not None
                   else f"{lever.low:g} to {lever.high:g}" + (f" in steps of {lever.step:g}" if lever.step else "")
                   + (" (whole numbers)" if lever.integer else ""),
                   lever_text({path: advice.current[path]}).split(" = ", 1)[1],
                   lever_text({path: advice.recommended[path]}).split(" = ", 1)[1]]
                  for path, lever in levers.levers.items()]
    sections = [
        ("What to do", list_html(findings(advice), "findings")),
        (f"The recommendation against the current policy and no KPI, in {advice.check_worlds} fresh worlds",
         "<p>Each row: the recommendation minus the other policy, world by world (median [90% interval] over "
         "worlds) and the share of worlds in which the recommendation does better for the organisation.</p>"
         + table_html(["against", "over the run", "difference", "the recommendation is"], check_rows(advice))
         + figure_html("check", *figures["check"])),
        ("The levers", table_html(["lever", "searched over", CURRENT, "recommended"], lever_rows)),
        ("The Pareto front", f"<p>Policies no other evaluated policy beats on every objective ({int(advice.table['pareto'].sum())} "
         f"of {len(advice.table)}; the first {FRONT_ROWS} shown, all in pareto.csv). Values are over the search's "
         f"{advice.search_worlds} worlds, totals over the run.</p>" + table_html(header, rows)
         + figure_html("front", *figures["front"])),
    ]
    if "importance" in figures:
        sections.append(("Which levers matter", "<p>Extra-trees feature scores (as EMA Workbench's feature scoring) "
                         "over the evaluated policies: what share of each objective's variation a forest of randomised "
                         "trees attributes to each lever.</p>" + figure_html("importance", *figures["importance"])))
    sections.append(("Method", list_html(method(advice), "working")))
    lead = (f"Which policy to adopt for {base.name} ({base.organization.employees:,} employees, {base.weeks} weeks), "
            "robust to what the evidence cannot pin down. "
            "Run the recommendation with: tokenmaxx run " + RECOMMENDED_FILE)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    meta = (f"tokenmaxxing {version('tokenmaxxing')}; {advice.runs:,} runs; worlds from {advice.posterior_source}; "
            f"generated {stamp}.")
    return page(f"Policy advice: {base.name}", lead, sections, meta)


def method(advice: Advice) -> list[str]:
    spec = advice.levers.spec
    return [
        f"Search: optuna's NSGA-II sampler over {len(spec.levers)} levers ({advice.levers.origin}), a generation "
        f"at a time; every candidate ran in the same {advice.search_worlds} plausible worlds (posterior draws x seeds, "
        "common random numbers), so candidates are compared world by world.",
        "Objectives traded off: " + "; ".join(f"{OBJECTIVES[n][0]} ({'max' if OBJECTIVES[n][2] > 0 else 'min'})"
                                              for n in spec.objectives) + ".",
        "Net value = true value - AI spend - measurement cost, over the run. The 10th percentile is over the "
        "search's worlds; regret is, in each world, the best evaluated policy's net value minus this one's.",
        f"Recommendation rule: {rule_text(spec.recommend)}.",
        f"Check: the recommendation, the current policy (the scenario as given) and no KPI (KPI strength 0, "
        f"same seats) ran in {advice.check_worlds} other worlds (another seed), so the advantage is not flattered "
        "by having picked the best of many candidates on the search's worlds.",
        "Files: candidates.csv (every policy evaluated), pareto.csv, importance.csv, check_worlds.csv (each check "
        f"world's values), paired.csv, {RECOMMENDED_FILE} (the recommendation as a scenario), summary.json, and "
        "search.journal (the optuna study: the same command resumes it).",
    ]


def summary(advice: Advice) -> dict[str, Any]:
    p = advice.paired.set_index(["against", "metric"])
    return {
        "scenario": advice.base.name, "levers": advice.levers.origin, "rule": rule_text(advice.levers.spec.recommend),
        "recommended": {k: _plain(v) for k, v in advice.recommended.items()},
        "current": {k: _plain(v) for k, v in advice.current.items()},
        "search_worlds": advice.search_worlds, "check_worlds": advice.check_worlds,
        "candidates": len(advice.table), "pareto": int(advice.table["pareto"].sum()), "runs": advice.runs,
        "wall_time_s": round(advice.wall_time_s, 2), "posterior": advice.posterior_source,
        "paired": {against: {metric: {k: _json(v) for k, v in p.loc[(against, metric)].items() if k not in ("label",)}
                             for metric in p.loc[against].index} for against in (CURRENT, NO_KPI)},
    }


def _json(value: Any) -> Any:
    value = _plain(value)
    return None if isinstance(value, float) and not np.isfinite(value) else value


def write_advice(advice: Advice, out: Path) -> list[Path]:
    """Write every result file into `out` (each atomically) and return their paths."""
    from sim.advise.output import mark

    t = advice.table
    figures_made = {"front": (front_figure(advice), "Every evaluated policy; the Pareto front, the current policy "
                              "and the recommendation marked."),
                    "check": (check_figure(advice), "The recommendation's advantage in net value, each fresh world "
                              "paired with itself.")}
    if not advice.importance.empty:
        figures_made["importance"] = (importance_figure(advice), "Feature scores of the levers for each objective.")
    figures = {name: (png_bytes(fig), caption) for name, (fig, caption) in figures_made.items()}
    files = {
        "candidates.csv": lambda p: t.to_csv(p, index=False),
        "pareto.csv": lambda p: t[t["pareto"]].to_csv(p, index=False),
        "importance.csv": lambda p: advice.importance.to_csv(p, index=False),
        "check_worlds.csv": lambda p: advice.check.to_csv(p, index=False),
        "paired.csv": lambda p: advice.paired.to_csv(p, index=False),
        RECOMMENDED_FILE: lambda p: p.write_text(recommended_yaml(advice)),
        "summary.json": lambda p: p.write_text(json.dumps(summary(advice), indent=2) + "\n"),
    }
    written = []
    for name, write in files.items():
        atomic_write(out / name, write)
        written.append(out / name)
    for name, (png, _) in figures.items():
        atomic_write(out / "figures" / f"{name}.png", lambda p, data=png: p.write_bytes(data))
        written.append(out / "figures" / f"{name}.png")
    atomic_write_text(out / "report.html", report_html(advice, figures))
    written.append(out / "report.html")
    mark(out)
    return written


def recommended_yaml(advice: Advice) -> str:
    """The recommendation as a scenario file: the base scenario's own values and the recommended levers
    (what it leaves to the defaults stays so: `tokenmaxx run` draws those from the posterior)."""
    import yaml

    data = advice.recommended_scenario.model_dump(mode="json", exclude_unset=True)
    head = (f"# Recommended by tokenmaxx advise for {advice.base.name}: {rule_text(advice.levers.spec.recommend)}.\n"
            f"# Run it with: tokenmaxx run {RECOMMENDED_FILE}\n")
    return head + yaml.safe_dump(data, sort_keys=False)


__all__ = ["write_advice", "findings", "format_advice"]


def format_advice(advice: Advice) -> str:
    """The command line's summary: the recommendation, the rule, its paired advantage with its interval."""
    p = advice.paired.set_index(["against", "metric"])
    lines = [f"scenario: {advice.base.name} ({advice.base.organization.employees:,} employees, {advice.base.weeks} weeks); "
             f"levers: {advice.levers.origin}",
             f"searched {len(advice.table)} policies in the same {advice.search_worlds} plausible worlds "
             f"({int(advice.table['pareto'].sum())} on the Pareto front)",
             f"recommended: {lever_text(advice.recommended)}",
             f"  changes from the current policy: {lever_text(differing(advice.recommended, advice.current)) or 'none'}",
             f"  chosen by {rule_text(advice.levers.spec.recommend)}",
             f"checked in {advice.check_worlds} fresh worlds, paired by world (median [{INTERVAL:.0%} interval]; "
             "share of worlds in which the recommendation does better):"]
    rows = [(f"net value vs {against}", interval_text(p.loc[(against, 'net_value_usd')].to_dict(), "usd", signed=True),
             better_text(p.loc[(against, "net_value_usd")].to_dict()))
            for against in (CURRENT, NO_KPI)]
    rows += [(f"{label} vs {CURRENT}", interval_text(p.loc[(CURRENT, key)].to_dict(), unit, signed=True),
              better_text(p.loc[(CURRENT, key)].to_dict()))
             for key, label, unit in (("overstatement_usd", "dashboard overstatement", "usd"),
                                      ("gaming_hours", "hours spent gaming", "hours"),
                                      ("flags_on_honest", "flags on honest employees", "count"))]
    width = max(len(r[0]) for r in rows)
    lines += [f"  {label:<{width}}  {text}; {better}" for label, text, better in rows]
    lines.append(reward_caveat(advice))
    return "\n".join(lines)
