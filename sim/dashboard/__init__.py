"""The interactive teaching dashboard (a Mesa SolaraViz app), started by `tokenmaxx dashboard`.

Only :mod:`sim.dashboard.app` imports Solara and ``mesa.visualization``; the other modules are
plain Python (controls, the dashboard's model wrapper, figures, the server process) and this
package is never imported by :mod:`sim` itself.
"""
