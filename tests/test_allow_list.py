"""Support is an allow-list: every field of the scenario schema is read by the engine (changing it
changes what a run gives, in a setting where it applies), or is a label. A new field that the
engine ignores fails here, instead of quietly making runs disagree with what the file says."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import numpy as np
import pytest

from sim.runner import clean_for_json, run
from sim.scenario.io import ScenarioError, load_scenario
from sim.scenario.schema import Scenario

SIZE = {"organization": {"employees": 40, "team_size": 8}, "weeks": 10}

LABELS = {"name": "a label: names the results folder", "description": "a label: shown in reports"}
"""Fields that by design change no number of a run."""

CONTEXTS: dict[str, dict[str, Any]] = {
    # the setting in which a field applies (longest matching prefix of its key path)
    "behavior.imitation_rate": {"behavior": {"rule": "imitation", "initial_performative_share": 0.4}},
    "behavior.selection_intensity": {"behavior": {"rule": "imitation", "initial_performative_share": 0.4}},
    "behavior.threshold": {"behavior": {"rule": "threshold", "initial_performative_share": 0.3}, "kpi": {"strength": 2}},
    "behavior.misreport_cost": {"kpi": {"regime": "time_saved", "strength": 2}},
    "behavior.outcome_manipulation": {"kpi": {"regime": "error_reduction", "strength": 4}},
    "behavior.norm_erosion": {"behavior": {"initial_performative_share": 0.4}, "kpi": {"strength": 1.5}},
    "behavior.initial_performative_share": {"kpi": {"strength": 2}, "behavior": {"inertia": 0.2}},
    "behavior.descriptive_norm": {"behavior": {"initial_performative_share": 0.4}, "kpi": {"strength": 1.5}},
    "behavior.flag_memory": {"audit": {"rate": 0.5}, "kpi": {"strength": 1.5}},
    "behavior.max_ai_hours_per_week": {"kpi": {"strength": 3}},
    "usage.genuine.done_rate": {"kpi": {"regime": "completions"}},
    "usage.performative.done_rate": {"kpi": {"regime": "completions", "strength": 2}},
    "usage.genuine.repeat_share": {"detection": {"enabled": True}},
    "usage.performative.repeat_share": {"detection": {"enabled": True}, "kpi": {"strength": 2}},
    "usage.script": {"kpi": {"strength": 3}, "usage": {"script": {"equivalent_hours": 0.5}}},
    "usage.script.done_rate": {"kpi": {"regime": "completions", "strength": 3}, "usage": {"script": {"equivalent_hours": 0.5}}},
    "usage.script.repeat_share": {"kpi": {"strength": 3}, "detection": {"enabled": True},
                                  "usage": {"script": {"equivalent_hours": 0.5}}},
    "kpi.active_threshold_queries": {"kpi": {"regime": "active_user"}},
    "kpi.reward_cap": {"kpi": {"strength": 3}},
    "management.roi_audit.scrutiny": {"management": {"roi_audit": {"every_weeks": 2, "hurdle_roi": 50}}},
    "management.roi_audit.base_rate": {"management": {"roi_audit": {"every_weeks": 2, "scrutiny": 0.0, "hurdle_roi": 50}}},
    **{f"behavior.ai_{name}": {"behavior": {"experience": {"dist": "beta", "a": 2.0, "b": 2.0}}}
       for name in ("knowledge_gain", "review_overhead")},
    "kpi.measurement_noise": {"kpi": {"regime": "error_reduction"}},
    "kpi.rank_top_share": {"kpi": {"scheme": "rank", "strength": 2}},
    "kpi.rank_margin": {"kpi": {"scheme": "rank", "strength": 2}},
    "kpi.weights": {"kpi": {"regime": "composite", "weights": {"tokens": 0.5, "error_reduction": 0.5}}},
    "audit": {"audit": {"rate": 0.3}, "kpi": {"strength": 2}},
    "audit.claim_check_tpr": {"kpi": {"regime": "time_saved", "strength": 2}, "audit": {"claim_check_rate": 0.5}},
    "audit.claim_check_rate": {"kpi": {"regime": "time_saved", "strength": 2}},
    "detection": {"detection": {"enabled": True}, "kpi": {"strength": 2}},
    "detection.enabled": {"kpi": {"strength": 2}},
    "management.target_ratchet": {"management": {"target_ratchet": {"enabled": True, "attainment_share": 0.01}},
                                  "kpi": {"strength": 2, "target": 20000}},
    "management.budget": {"management": {"budget": {"enabled": True, "review_every_weeks": 2,
                                                    "seats_follow_budget": True, "initial_seat_share": 0.5,
                                                    "allowance_usd_per_seat_month": 5}}},
    "management.budget.max_change": {"management": {"budget": {"enabled": True, "review_every_weeks": 2,
                                                               "growth_per_unit_roi": 5}}},
    "behavior.integrity_cost": {"kpi": {"strength": 2}},
    "management.roi_audit": {"management": {"roi_audit": {"every_weeks": 2, "hurdle_roi": 50,
                                                          "switch_regime": "error_reduction"}}},
    "security": {"kpi": {"strength": 3}},
}

OTHER_VALUE: dict[str, Any] = {
    "organization.network": "complete",
    "behavior.rule": "imitation",
    "kpi.regime": "queries",
    "kpi.scheme": "quota",
    "kpi.target": 20000.0,
    "kpi.reward_cap": 1.0,
    "management.roi_audit.scrutiny": 0.0,
    "management.roi_audit.belief_weight": 0.8,
    "management.roi_audit.base_rate": 50.0,
    "behavior.experience": {"dist": "beta", "a": 2.0, "b": 2.0},
    "kpi.weights": {"tokens": 0.2, "error_reduction": 0.8},
    "pricing.usd_per_action": 0.01,
    "economics.wasted_hour_share": 1.0,
    "management.valuation": "claimed_hours",
    "management.roi_audit.every_weeks": 3,
    "management.roi_audit.switch_regime": "action_linked",
    "management.interventions": [{"week": 4, "set": {"kpi.regime": "action_linked", "kpi.target": 30}}],
    "detection.enabled": True,
    "management.target_ratchet.attainment_share": 1.0,
    **{f"security.exposures_per_million_{kind}_queries": 1e5 for kind in ("genuine", "performative", "scripted")},
}


def _leaves(node: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out = []
    for key, value in node.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and key != "weights":
            out += _leaves(value, path + ".")
        else:
            out.append((path, value))
    return out


FIELDS = _leaves(Scenario().model_dump())


def _nested(path: str, value: Any) -> dict[str, Any]:
    node: dict[str, Any] = {}
    cursor = node
    parts = path.split(".")
    for part in parts[:-1]:
        cursor = cursor.setdefault(part, {})
    cursor[parts[-1]] = value
    return node


def _merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for key, value in b.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) and key != "weights" else value
    return out


def _context(path: str) -> dict[str, Any]:
    matches = [p for p in CONTEXTS if path == p or path.startswith(p + ".") or path.startswith(p + "_")]
    return CONTEXTS[max(matches, key=len)] if matches else {}


def _other_values(path: str, value: Any, base: Scenario) -> list[dict[str, Any]]:
    """Changes of the field (as nested dicts) to try, most telling first; a part of a trait's
    distribution is changed within the whole distribution."""
    parent, _, leaf = path.rpartition(".")
    node = base.model_dump()
    for part in parent.split(".") if parent else []:
        node = node[part]
    if isinstance(node, dict) and "dist" in node and leaf != "dist":
        return [_nested(parent, {**{k: v for k, v in node.items() if v is not None}, **change})
                for change in (_flat(c, path) for c in _changes(path, value, node))]
    return _changes(path, value, node)


def _flat(change: dict[str, Any], path: str) -> dict[str, Any]:
    """The innermost dict of a nested change (the leaf's parent)."""
    for part in path.split(".")[:-1]:
        change = change[part]
    return change


def _changes(path: str, value: Any, node: Any) -> list[dict[str, Any]]:
    parent, _, leaf = path.rpartition(".")
    if path in OTHER_VALUE:
        return [_nested(path, OTHER_VALUE[path])]
    if leaf == "dist":  # the family of a trait's distribution: the trait as one number instead
        return [_nested(parent, 0.9)]
    if leaf in ("min", "max"):  # clip at the distribution's centre
        centre = node["mean"] if "mean" in node else 0.5 * (node["low"] + node["high"])
        return [_nested(path, centre)]
    if isinstance(value, bool):
        return [_nested(path, not value)]
    if isinstance(value, (int, float)):
        if isinstance(value, int) and not isinstance(value, bool):
            return [_nested(path, value + 3), _nested(path, max(value - 3, 1))]
        return [_nested(path, value * 1.6 + 0.05), _nested(path, value * 0.5), _nested(path, min(value + 0.2, 1.0))]
    raise AssertionError(f"{path}: no other value to try for {value!r}; add one to OTHER_VALUE")


@cache
def _outcome(source_json: str) -> str:
    result = run(json.loads(source_json))
    columns = {c: np.asarray(result.timeseries[c]).tolist() for c in result.timeseries.columns}
    summary = {k: v for k, v in clean_for_json(result.summary).items() if k not in ("name",)}
    return json.dumps([summary, columns], sort_keys=True, default=str)


@pytest.mark.parametrize("path", [p for p, _ in FIELDS])
def test_every_scenario_field_changes_a_run_or_is_a_label(path: str) -> None:
    if path in LABELS:
        pytest.skip(LABELS[path])
    context = _merge(SIZE, _context(path))
    base = load_scenario(context)
    value = dict(_leaves(base.model_dump()))[path]
    before = _outcome(json.dumps(context))
    tried = []
    for change in _other_values(path, value, base):
        source = _merge(context, change)
        try:
            load_scenario(source)
        except ScenarioError as error:
            tried.append(f"{change} refused: {str(error)[:80]}")
            continue
        if _outcome(json.dumps(source)) != before:
            return
        tried.append(f"{change}: same run")
    pytest.fail(f"{path}: the engine does not read it (in context {_context(path)}): " + "; ".join(tried))


def test_labels_change_no_number():
    context = dict(SIZE)
    assert _outcome(json.dumps({**context, "description": "other words"})) == _outcome(json.dumps(context))
