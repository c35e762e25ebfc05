"""`python -m sim.dashboard --host HOST --port PORT ...`: the dashboard's server process (started by
:func:`sim.dashboard.server.start`; the arguments are those of `solara run` after the app)."""

import sys

from sim.dashboard.server import run_guarded

if __name__ == "__main__":
    run_guarded(sys.argv[1:])
