"""Load a market file: validate it, resolve the organisation every firm starts from, and check each
policy against the scenario schema, so that every mistake is a :class:`MarketError` naming the
file, the key path and what is allowed, before a single week runs."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.market.schema import Market, Policy
from sim.scenario.io import (
    ScenarioError,
    apply_changes,
    describe_error,
    error_message,
    file_kind_hint,
    load_scenario,
    parse_override,
    read_referenced,
    read_scenario_chain,
    set_path,
    short_text,
)
from sim.scenario.schema import Scenario


class MarketError(ScenarioError):
    """A market file that cannot be run, with a message meant for the person who wrote it."""


@dataclass(frozen=True)
class LoadedMarket:
    """A validated market and the scenario of each policy (the firms' shared starting point with the
    policy's keys set); `policy_keys` are the union of keys any policy sets, so switching policy
    also restores keys the new policy leaves at the base value."""

    market: Market
    base: Scenario
    scenarios: dict[str, Scenario]
    policy_keys: tuple[str, ...]
    origin: str

    def changes_for(self, policy: str) -> dict[str, Any]:
        """Key paths that turn any firm's policy into `policy` (values from the policy or the base)."""
        return {path: _value_at(self.scenarios[policy], path) for path in self.policy_keys}


def load_market(source: str | Path | dict[str, Any] | Market, overrides: list[str] | None = None,
                base_dir: Path | None = None) -> LoadedMarket:
    """Read, validate and check a market (YAML path, dict or Market) with `key.path=value` overrides."""
    if isinstance(source, Market):
        data, origin, root = source.model_dump(exclude_unset=True), "<market>", base_dir or Path.cwd()
    elif isinstance(source, dict):
        data, origin, root = copy.deepcopy(source), "<dict>", base_dir or Path.cwd()
    else:
        path = Path(source)
        files: list[Path] = []
        try:  # `extends: other_market.yaml` works as in scenarios
            data, chain = read_scenario_chain(path, "market file", files)
        except ScenarioError as exc:
            raise MarketError(str(exc).replace("scenario file", "market file")) from None
        data.setdefault("name", path.stem)
        # `organisation:` is relative to the file of the chain that names it
        setter = next((file for file, (_, own) in zip(files, chain) if "organisation" in own), path)
        origin, root = str(path), base_dir or setter.parent
    for item in overrides or []:
        keys, value = parse_override(item)
        set_path(data, keys, value, origin=f"--set {short_text(item)}")
    market = validate_market(data, origin)
    return resolve(market, origin, root)


def validate_market(data: dict[str, Any], origin: str) -> Market:
    try:
        return Market.model_validate(data)
    except ValidationError as exc:
        lines = [describe_error(err, Market) for err in exc.errors()]
        raise MarketError(error_message(f"{origin}: invalid market{file_kind_hint(data, "market")}", lines)) from None


def apply_market_changes(loaded: LoadedMarket, changes: dict[str, Any], origin: str) -> LoadedMarket:
    """The market with key-path changes (a sweep point) applied and checked again. Besides the market's
    own keys (`investors.weight_reported`), a path may reach a policy by name or position
    (`policies.tokens.share`, `policies.0.set.kpi.strength`) and a key every firm sets
    (`organisation_set.organization.employees`)."""
    data = loaded.market.model_dump(exclude_unset=True)
    for path, value in changes.items():
        set_market_path(data, path.replace("__", ".").split("."), value, origin)
    root = Path(loaded.origin).parent if loaded.origin not in ("<dict>", "<market>") else Path.cwd()
    market = validate_market(data, origin)
    try:
        return resolve(market, loaded.origin, root, organisation=loaded.base)
    except MarketError as exc:  # the change is the mistake (a sweep's `fixed:` or point), not the market file
        message = str(exc)
        if message.startswith(loaded.origin):
            message = origin + message[len(loaded.origin):]
        raise MarketError(message) from None


def set_market_path(data: dict[str, Any], parts: list[str], value: Any, origin: str) -> None:
    """Set one key path in a market's data; the scenario key paths inside `organisation_set` and a
    policy's `set` stay whole (`organization.employees`)."""
    if parts[0] == "organisation_set" and len(parts) > 1:
        data.setdefault("organisation_set", {})[".".join(parts[1:])] = value
        return
    if parts[0] == "policies" and len(parts) > 2:
        policies = data.get("policies", [])
        names = [p.get("name") for p in policies]
        key = parts[1]
        index = names.index(key) if key in names else int(key) if key.isdigit() else None
        if index is None or index >= len(policies):
            raise MarketError(f"{origin}: policies.{key}: no such policy; the market's policies are "
                              f"{', '.join(map(str, names))} (or 0 to {len(policies) - 1} by position)")
        policy = policies[index]
        if parts[2] == "set" and len(parts) > 3:
            policy.setdefault("set", {})[".".join(parts[3:])] = value
        else:
            set_path(policy, parts[2:], value, origin)
        return
    set_path(data, parts, value, origin)


def resolve(market: Market, origin: str, root: Path, organisation: Scenario | None = None) -> LoadedMarket:
    """The firms' starting scenario and each policy's scenario, every one validated."""
    if organisation is None:
        try:
            path = read_referenced(origin, "organisation", market.organisation, root, referrer="market file")
        except ScenarioError as exc:  # already names the market file and the key
            raise MarketError(str(exc)) from None
        try:
            organisation = load_scenario(path)
        except ScenarioError as exc:
            raise MarketError(f"{origin}: organisation: {exc}") from None
    try:
        base = apply_changes(organisation, {**market.organisation_set, "weeks": market.weeks},
                             origin=f"{origin}: organisation_set")
    except ScenarioError as exc:
        raise MarketError(str(exc)) from None
    _check_memory(market, base, origin)
    _check_scandal_scrutiny(market, base, origin)
    scenarios = {p.name: _policy_scenario(base, p, i, origin) for i, p in enumerate(market.policies)}
    keys = tuple(dict.fromkeys(path for p in market.policies for path in p.set))
    return LoadedMarket(market, base, scenarios, keys, origin)


def _check_memory(market: Market, base: Scenario, origin: str) -> None:
    """Every firm is an organisation in memory at once: the market must fit."""
    from sim.scenario import resources

    org = base.organization
    need = market.firms * (resources.estimate_bytes(org.employees, org.cross_team_ties, base.weeks)
                           - resources.BASE_BYTES) + resources.BASE_BYTES
    have = resources.available_bytes()
    if have is not None and need > have:
        raise MarketError(
            f"{origin}: firms: {market.firms} firms of {org.employees:,} employees need about "
            f"{resources.gib(need)} of memory, but this machine has {resources.gib(have)} available; "
            "use fewer firms or employees (firms, organisation_set.organization.employees)"
        )


def _check_scandal_scrutiny(market: Market, base: Scenario, origin: str) -> None:
    """A scandal's effect on other firms' audit hazard needs firms whose finance has a hazard."""
    audit = base.management.roi_audit
    if market.correction.scandal_scrutiny > 0 and (audit.every_weeks is None or audit.scrutiny is None):
        raise MarketError(
            f"{origin}: correction.scandal_scrutiny: {market.correction.scandal_scrutiny:g} raises the firms' audit "
            "hazard, but the organisation's finance has none; allowed: 0, or an organisation (or organisation_set) "
            "with management.roi_audit.every_weeks and management.roi_audit.scrutiny set")


def _policy_scenario(base: Scenario, policy: Policy, index: int, origin: str) -> Scenario:
    try:
        return apply_changes(base, dict(policy.set), origin=f"{origin}: policies.{index}.set ({policy.name})")
    except ScenarioError as exc:
        raise MarketError(str(exc)) from None


def _value_at(scenario: Scenario, path: str) -> Any:
    node: Any = scenario
    for part in path.split("."):
        node = getattr(node, part)
    return node.model_dump(mode="json") if hasattr(node, "model_dump") else node
