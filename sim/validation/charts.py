"""One chart per check group. Each function takes the group's chart data and returns a Figure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from sim.report.style import styled, subplots

FIGSIZE = (6.4, 4.0)
SIMULATED = dict(marker="o", linestyle="none", markersize=5)


@styled
def holmstrom_milgrom(data: dict[str, Any]) -> Figure:
    fig, ax = subplots(figsize=FIGSIZE)
    ax.plot(data["strength"], data["g_analytic"], color="tab:blue", label="genuine g, analytic")
    ax.plot(data["strength"], data["p_analytic"], color="tab:red", label="performative p, analytic")
    ax.plot(data["strength"], data["g_sim"], color="tab:blue", label="g, simulated", **SIMULATED)
    ax.plot(data["strength"], data["p_sim"], color="tab:red", label="p, simulated", **SIMULATED)
    ax.axvline(data["vanishing"], color="grey", linestyle=":", label="m2/delta - m1")
    ax.set(xlabel="reward per performative hour alpha_1", ylabel="hours per week",
           title="Multitask: simulated vs analytic best response")
    ax.legend(fontsize=8)
    return fig


@styled
def becker(data: dict[str, Any]) -> Figure:
    fig, ax = subplots(figsize=FIGSIZE)
    ax.plot(data["fine_grid"], data["p_analytic"], color="black", label="p* analytic")
    ax.plot(data["expected_fine"], data["p_sim"], color="tab:red", label="simulated (q, F) pairs", **SIMULATED)
    ax.set(xlabel="expected fine q*F", ylabel="performative hours per week",
           title="Deterrence: p* depends on q and F only through q*F")
    ax.legend(fontsize=8)
    return fig


@styled
def granovetter(data: dict[str, Any]) -> Figure:
    fig, ax = subplots(figsize=FIGSIZE)
    ax.step(data["week"], data["total"], where="post", label="thresholds 0, 1, ..., N-1")
    ax.step(data["week"], data["stopped"], where="post", label="second-lowest threshold + 1")
    ax.set(xlabel="week", ylabel="employees gaming", ylim=(0, data["employees"] + 0.5),
           title="Threshold cascade: total, or stopped at one")
    ax.legend(fontsize=8)
    return fig


@styled
def replicator(data: dict[str, Any]) -> Figure:
    fig, ax = subplots(figsize=FIGSIZE)
    ax.plot(data["week"], data["simulated"], color="tab:red", label="imitation (simulated)")
    ax.plot(data["week"], data["logistic"], color="black", linestyle="--", label="replicator (logistic)")
    ax.set(xlabel="week", ylabel="share of employees gaming", ylim=(0, 1),
           title="Imitation vs the replicator equation")
    ax.legend(fontsize=8)
    return fig


@styled
def goodhart(data: dict[str, Any]) -> Figure:
    fig, (left, right) = subplots(1, 2, figsize=(9.6, 4.0))
    for ax, regime, label in ((left, "tokens", "tokens (gameable)"), (right, "outcome", "error_reduction (outcome)")):
        reported = data[f"{regime}_reported"]
        ax.plot(data["strength"], reported / max(abs(reported).max(), 1e-300), color="tab:orange",
                linestyle="--", label="reported KPI (share of max)")
        true = data[f"{regime}_true"]
        ax.plot(data["strength"], true / max(abs(true).max(), 1e-300), color="tab:green",
                label="true productivity (share of max |.|)")
        ax.axhline(0, color="grey", linewidth=0.5)
        ax.set(xlabel="KPI strength alpha", title=label)
    left.set_ylabel("normalised total")
    left.legend(fontsize=8)
    fig.suptitle("Goodhart: what the dashboard shows vs what is true")
    fig.tight_layout()
    return fig


@styled
def detector(data: dict[str, Any]) -> Figure:
    fig, ax = subplots(figsize=(4.8, 4.4))
    ax.plot(data["fpr"], data["tpr"], color="black", label=f"ROC, d' = {data['separation']:.2f}")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":")
    ax.plot(data["balanced_fpr"], data["balanced_tpr"], "o", color="tab:blue", label="balanced point")
    ax.plot(data["default_fpr"], data["default_tpr"], "s", color="tab:red", label="default operating point")
    ax.set(xlabel="false-positive rate per genuine hour", ylabel="true-positive rate per performative hour",
           title="Anomaly detector ROC")
    ax.legend(fontsize=8, loc="lower right")
    return fig


@styled
def prices(data: dict[str, Any]) -> Figure:
    fig, ax = subplots(figsize=(4.8, 3.6))
    ax.bar(data["labels"], data["usd_per_mtok"], color=["tab:blue", "tab:orange", "tab:grey"])
    ax.set(ylabel="USD per million tokens", title="Default prices")
    return fig


@styled
def energy(data: dict[str, Any]) -> Figure:
    fig, (left, right) = subplots(1, 2, figsize=(9.6, 3.6))
    low, high = data["range_j"]
    left.axhspan(low, high, color="tab:green", alpha=0.2, label="measured range")
    left.bar(["default (blended)", "implied by seed claim"], [data["per_token_j"], data["implied_j"]],
             color=["tab:blue", "tab:red"])
    left.set(ylabel="J per token", title="Energy per token")
    left.legend(fontsize=8)
    right.bar(data["labels"], data["tonnes"], color=["tab:red", "tab:blue"])
    right.set(ylabel="t CO2 per year", title="10M tokens/day")
    fig.tight_layout()
    return fig


@styled
def self_reported_savings(data: dict[str, Any]) -> Figure:
    fig, ax = subplots(figsize=(4.8, 3.6))
    low, high = data["range"]
    ax.axhspan(low, high, color="tab:green", alpha=0.15, label="accepted range")
    ax.axhline(data["evidence"], color="tab:green", linestyle="--", label="Humlum & Vestergaard: 1.1 h")
    ax.bar(["claimed", "true"], [data["claimed"], data["true"]], color=["tab:orange", "tab:blue"])
    ax.set(ylabel="hours saved per employee-week", title="No KPI: hours saved, claimed and true")
    ax.legend(fontsize=8)
    return fig


@styled
def perception_gap(data: dict[str, Any]) -> Figure:
    fig, ax = subplots(figsize=(6.4, 3.6))
    labels = ["experts: measured", "experts: believed (model)", "experts: believed (METR)",
              "workforce: true", "workforce: believed"]
    values = [data["measured"], data["believed_model"], data["believed_metr"], data["workforce_true"],
              data["workforce_believed"]]
    ax.barh(labels, values, color=["tab:blue", "tab:orange", "tab:green", "tab:blue", "tab:orange"])
    ax.axvline(0, color="black", linewidth=0.7)
    ax.invert_yaxis()
    ax.set(xlabel="hours saved per AI hour", title="What employees believe AI saves them")
    return fig


@styled
def salesforce_actions(data: dict[str, Any]) -> Figure:
    fig, ax = subplots(figsize=(6.4, 2.6))
    parts = [("followed by an action", data["action"], "tab:green"),
             ("genuine, no action", data["genuine_no_action"], "tab:blue"),
             ("scripted", data["scripted"], "tab:purple"),
             ("manual performative", data["performative"], "tab:red")]
    left = 0.0
    for label, share, colour in parts:
        ax.barh([0], [share], left=left, color=colour, label=f"{label} ({share:.0%})")
        left += share
    ax.axvline(data["evidence"], color="black", linestyle="--", label="Salesforce: 30% with an action")
    ax.set(xlim=(0, 1), yticks=[], xlabel="share of queries", title="Einstein GPT interactions (salesforce.yaml)")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=2)
    return fig


@styled
def no_gaming_without_incentive(data: dict[str, Any]) -> Figure:
    fig, ax = subplots(figsize=(6.4, 3.4))
    ax.bar(data["regimes"], data["gaming"], color="tab:red")
    ax.axhline(data["limit"], color="black", linestyle="--", label="limit: 1% of employee-weeks")
    ax.set(ylabel="share of employee-weeks gaming", title="kpi.strength = 0: gaming per regime")
    ax.tick_params(axis="x", rotation=30)
    ax.legend(fontsize=8)
    return fig


@styled
def organic_roi(data: dict[str, Any]) -> Figure:
    fig, ax = subplots(figsize=(4.8, 3.6))
    low, high = data["range"]
    ax.axhspan(100 * low, 100 * high, color="tab:green", alpha=0.15, label="accepted: 0% to 300%")
    ax.bar(["true ROI", "as a claimed-hours\ndashboard reports it"], [100 * data["true"], 100 * data["claimed_hours"]],
           color=["tab:blue", "tab:orange"])
    ax.set(ylabel="ROI, % of AI spend", title="Organic use: return on AI")
    ax.legend(fontsize=8)
    return fig


@styled
def valuation(data: dict[str, Any]) -> Figure:
    fig, ax = subplots(figsize=FIGSIZE)
    ax.plot(data["strength"], data["tokens"], marker="o", color="tab:red", label="tokens KPI")
    ax.plot(data["strength"], data["outcome"], marker="s", color="tab:green", label="error_reduction KPI")
    ax.axhline(1.0, color="grey", linestyle=":")
    ax.set(xlabel="kpi.strength (hours of pay at target)", ylabel="reported value / true value",
           title="Value overstatement follows what the dashboard counts")
    ax.legend(fontsize=8)
    return fig


@styled
def adoption_inflation(data: dict[str, Any]) -> Figure:
    fig, ax = subplots(figsize=(4.8, 3.4))
    low, high = data["range"]
    ax.axhspan(100 * (low - 1), 100 * (high - 1), color="tab:green", alpha=0.15, label="seed: 20-40%")
    ax.bar(["default.yaml (tokens KPI)"], [100 * (data["inflation"] - 1)], color="tab:red")
    ax.set(ylabel="reported KPI above genuine use, %", title="Adoption inflated by the KPI")
    ax.legend(fontsize=8)
    return fig


@styled
def over_claiming(data: dict[str, Any]) -> Figure:
    fig, ax = subplots(figsize=FIGSIZE)
    for i, (key, simulated) in enumerate(data["simulated"].items()):
        colour = matplotlib.colormaps["tab10"](i)
        q, f = key
        ax.plot(data["strength"], data["analytic"][key], color=colour, label=f"analytic, q_c = {q:g}, F = {f:g}")
        ax.plot(data["strength"], simulated, color=colour, **SIMULATED)
    ax.set(xlabel="kpi.strength (hours of pay at target)", ylabel="over-claimed hours per week",
           title="Over-claiming: simulated (dots) vs closed form")
    ax.legend(fontsize=7)
    return fig


@styled
def script_threshold(data: dict[str, Any]) -> Figure:
    fig, ax = subplots(figsize=FIGSIZE)
    ax.step(data["strength"], data["share"], where="post", color="tab:red", label="share running a script")
    ax.axvline(data["threshold"], color="black", linestyle=":", label="alpha* = T (iota h_s + c u^2/2) / K_s")
    ax.set(xlabel="kpi.strength", ylabel="share of employees", ylim=(-0.05, 1.05), title="Scripts: all at once, at alpha*")
    ax.legend(fontsize=8)
    return fig


@styled
def bounded_stakes(data: dict[str, Any]) -> Figure:
    fig, (left, right) = subplots(1, 2, figsize=(9.6, 3.6), layout="constrained")
    for label, series in data["series"].items():
        style = "-" if label.startswith("capped") else "--"
        for ax, name in ((left, "performative_hours"), (right, "performative_tokens")):
            values = series[name]
            ax.plot(data["upkeep"], [100 * v / values[0] for v in values], style, marker="o",
                    label=f"{label} ({values[0]:,.0f} at 1 h)" if name == "performative_hours" else label)
    left.set(xlabel="script upkeep (h a week)", ylabel="% of the hours at 1 h upkeep",
             title="Manual performative hours as scripts get cheaper")
    right.set(xlabel="script upkeep (h a week)", ylabel="% of the tokens at 1 h upkeep", title="Wasted tokens")
    for ax in (left, right):
        ax.axhline(100, color="grey", linewidth=0.8)
        ax.invert_xaxis()
        ax.legend(fontsize=8)
    return fig


@styled
def experience_gradient(data: dict[str, Any]) -> Figure:
    fig, ax = subplots(figsize=FIGSIZE, layout="constrained")
    gains = np.asarray(data["gains"]) * 100
    x = np.arange(len(data["bands"]))
    for seed_gains in gains:
        ax.plot(x, seed_gains, color="tab:blue", alpha=0.35, marker=".", linewidth=0.8)
    ax.plot(x, gains.mean(axis=0), color="tab:blue", marker="o", linewidth=2, label="mean over seeds (lines: one seed each)")
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xticks(x, data["bands"])
    ax.set(xlabel="experience (0 = novice, 1 = most experienced)", ylabel="true hours saved, % of work hours",
           title="Who gains from AI, no KPI")
    ax.legend(fontsize=8)
    return fig


@styled
def seed_metric_table(data: dict[str, Any]) -> Figure:
    fig, ax = subplots(figsize=(7.2, 3.8))
    table, seed = data["table"], data["seed"]
    regimes = list(table)
    values = [100 * (table[r]["kpi_inflation"] - 1) for r in regimes]
    colours = {"High": "tab:red", "Medium": "tab:orange", "Low": "tab:green"}
    ax.bar(regimes, values, color=[colours.get(seed.get(r, ""), "tab:grey") for r in regimes])
    low, high = data["limits"]
    ax.axhline(100 * (low - 1), color="black", linestyle=":", linewidth=0.8)
    ax.axhline(100 * (high - 1), color="black", linestyle="--", linewidth=0.8)
    ax.set(ylabel="reported KPI above genuine use, %", title=f"KPI inflation at strength {data['strength']:g} "
           "(bar colour: the seed's rating; lines: Medium and High)")
    ax.tick_params(axis="x", rotation=25)
    return fig


@styled
def hysteresis(data: dict[str, Any]) -> Figure:
    fig, ax = subplots(figsize=FIGSIZE)
    for i, series in enumerate(data["low"]):
        ax.plot(range(1, len(series) + 1), series, color="tab:blue", alpha=0.7, label="5% start gaming" if i == 0 else None)
    for i, series in enumerate(data["high"]):
        ax.plot(range(1, len(series) + 1), series, color="tab:red", alpha=0.7, label="95% start gaming" if i == 0 else None)
    low, high = data["bands"]
    ax.axhspan(0, low, color="tab:blue", alpha=0.08)
    ax.axhspan(high, 1, color="tab:red", alpha=0.08)
    ax.set(xlabel="week", ylabel="share of employees gaming", ylim=(0, 1.02),
           title="Same people, same KPI: two end states (5 seeds each)")
    ax.legend(fontsize=8)
    return fig


@styled
def bifurcation(data: dict[str, Any]) -> Figure:
    fig, axes = subplots(1, len(data["erosions"]), figsize=(3.4 * len(data["erosions"]), 3.4), sharey=True,
                         layout="constrained")
    for ax, erosion in zip(axes, data["erosions"]):
        low, high = data["end"][f"{erosion}|0.05"], data["end"][f"{erosion}|0.95"]
        ax.fill_between(data["strengths"], low, high, color="tab:purple", alpha=0.15, label="history decides")
        ax.plot(data["strengths"], low, marker="o", color="tab:blue", label="5% start gaming")
        ax.plot(data["strengths"], high, marker="s", ls="--", color="tab:red", label="95% start gaming")
        ax.set(xlabel="kpi.strength", title=f"norm erosion {erosion:g}", ylim=(-0.02, 1.02))
    axes[0].set_ylabel("share gaming at the end")
    axes[0].legend(fontsize=7)
    return fig


@styled
def persistence(data: dict[str, Any]) -> Figure:
    fig, ax = subplots(figsize=FIGSIZE)
    for i, series in enumerate(data["eroded"]):
        ax.plot(data["week"], series, color="tab:red", alpha=0.7, label="stigma erodes" if i == 0 else None)
    for i, series in enumerate(data["fixed"]):
        ax.plot(data["week"], series, color="tab:grey", alpha=0.7, ls="--", label="fixed stigma" if i == 0 else None)
    for i, series in enumerate(data.get("normed", [])):
        ax.plot(data["week"], series, color="tab:purple", alpha=0.7, ls="-.",
                label="fixed stigma, a descriptive norm" if i == 0 else None)
    ax.axvline(data["switch"], color="black", linestyle=":", label="KPI withdrawn")
    ax.set(xlabel="week", ylabel="share of employees gaming", ylim=(0, 1.02),
           title="Gaming after the KPI is withdrawn (5 seeds each)")
    ax.legend(fontsize=8)
    return fig


@styled
def bubble(data: dict[str, Any]) -> Figure:
    fig, (top, bottom) = subplots(2, 1, figsize=(6.4, 5.6), sharex=True)
    for i, ts in enumerate(data["runs"]):
        top.plot(ts["week"], 100 * ts["roi_reported"], color="tab:orange", alpha=0.7, label="ROI reported" if i == 0 else None)
        top.plot(ts["week"], 100 * ts["roi_true"], color="tab:green", alpha=0.7, ls="--", label="ROI true" if i == 0 else None)
        bottom.plot(ts["week"], ts["budget_index"], color="tab:purple", alpha=0.7, label="budget index" if i == 0 else None)
    for week in data["audit_weeks"]:
        if week == week:
            top.axvline(week, color="black", linestyle=":", linewidth=0.8)
            bottom.axvline(week, color="black", linestyle=":", linewidth=0.8)
    top.axhline(0, color="black", linewidth=0.5)
    top.set(ylabel="ROI, % of AI spend", title="The false-success loop and the audit that ends it (5 seeds)")
    bottom.set(xlabel="week", ylabel="budget (start = 1)")
    top.legend(fontsize=8)
    return fig


@styled
def belief_bubble(data: dict[str, Any]) -> Figure:
    fig = bubble(data)
    fig.axes[0].set_title("The bubble from beliefs: first audits are an output (5 seeds, dotted)")
    return fig


@styled
def learning(data: dict[str, Any]) -> Figure:
    fig, ax = subplots(figsize=FIGSIZE)
    weeks = range(1, len(data["learned"]) + 1)
    ax.plot(weeks, data["learned"], color="tab:blue", label="learning_rate 0.05")
    ax.plot(weeks, data["fixed"], color="tab:grey", ls="--", label="no learning")
    ax.axhline(1.0, color="black", linewidth=0.5)
    ax.set(xlabel="week", ylabel="claimed / true hours saved (honest employees)",
           title="Perception gaps close with experience")
    ax.legend(fontsize=8)
    return fig


@styled
def audit_recovery(data: dict[str, Any]) -> Figure:
    rows = data["rows"]
    names = [k[: -len("_true")] for k in rows if k.endswith("_true")]
    fig, axes = subplots(1, len(names), figsize=(10, 3.4), layout="constrained")
    for ax, name in zip(np.atleast_1d(axes), names, strict=True):
        truth, median = np.asarray(rows[f"{name}_true"]), np.asarray(rows[f"{name}_median"])
        low, high = np.asarray(rows[f"{name}_low"]), np.asarray(rows[f"{name}_high"])
        inside = (low <= truth + 1e-12) & (truth <= high + 1e-12)
        ax.errorbar(truth, median, yerr=[median - low, high - median], fmt="none", ecolor="#bbbbbb", lw=0.8)
        ax.plot(truth[inside], median[inside], "o", ms=3, color="tab:blue", label="truth inside the 90% interval")
        ax.plot(truth[~inside], median[~inside], "o", ms=3, color="tab:red", label="outside")
        top = float(max(truth.max(), high.max(), 0.01))
        ax.plot([0, top], [0, top], color="grey", linestyle=":")
        ax.set(xlabel=f"true {name.replace('_', ' ')}", ylabel="audit's median and 90% interval")
    np.atleast_1d(axes)[0].legend(fontsize=7, loc="upper left")
    fig.suptitle("tokenmaxx audit on synthetic organisations with known truth (leave one out)")
    return fig


@styled
def market_claims(data: dict[str, Any]) -> Figure:
    fig, ax = subplots(figsize=FIGSIZE)
    for (_, corrected), path in data["trajectories"].groupby(["seed", "corrected"]):
        ax.plot(path["week"], 100 * path["inflating_share"], color="tab:orange" if corrected else "tab:grey",
                ls="-" if corrected else "--", alpha=0.7, linewidth=0.9)
    for week in data["correction_weeks"]:
        if week == week:
            ax.axvline(week, color="black", linestyle=":", linewidth=0.7)
    ax.plot([], [], color="tab:orange", label="as given (dotted: its correction)")
    ax.plot([], [], color="tab:grey", ls="--", label="same seed, no correction")
    ax.set(xlabel="week", ylabel="firms on inflating policies (%)", ylim=(0, 100),
           title=f"The market's correction over {data['seeds']} seeds")
    ax.legend(fontsize=8)
    return fig


CHARTS: dict[str, Callable[[dict[str, Any]], Figure]] = {
    "holmstrom_milgrom": holmstrom_milgrom,
    "becker": becker,
    "granovetter": granovetter,
    "replicator": replicator,
    "goodhart": goodhart,
    "over_claiming": over_claiming,
    "script_threshold": script_threshold,
    "bounded_stakes": bounded_stakes,
    "experience_gradient": experience_gradient,
    "detector": detector,
    "prices": prices,
    "energy": energy,
    "self_reported_savings": self_reported_savings,
    "perception_gap": perception_gap,
    "salesforce_actions": salesforce_actions,
    "no_gaming_without_incentive": no_gaming_without_incentive,
    "organic_roi": organic_roi,
    "valuation": valuation,
    "adoption_inflation": adoption_inflation,
    "seed_metric_table": seed_metric_table,
    "hysteresis": hysteresis,
    "persistence": persistence,
    "bifurcation": bifurcation,
    "bubble": bubble,
    "belief_bubble": belief_bubble,
    "learning": learning,
    "audit_recovery": audit_recovery,
    "market_claims": market_claims,
}
