"""How one organisation behaves: the Mesa model and its mechanisms, one per module.

Mechanisms (decision rules, KPI regimes, enforcement, economics) never import the model; the
model calls them by name from the scenario.
"""
