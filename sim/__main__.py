"""`python -m sim` is the `tokenmaxx` command."""

import sys

from sim.cli import main

sys.exit(main())
