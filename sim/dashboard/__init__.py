"""The interactive teaching dashboard (Solara, with Mesa's model controller), started by
`tokenmaxx dashboard`.

Only :mod:`sim.dashboard.app` imports Solara and ``mesa.visualization``; the other modules are
plain Python (controls, the two organisations and live policy changes, chart options, the
explanation of one employee's choice, the CSV export, the server process, which imports Solara's
server only in the process it starts, to guard it) and this package is never imported by :mod:`sim`
itself.
"""
