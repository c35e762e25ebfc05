"""`tokenmaxx audit`: estimate TokenMaxxing in an organisation's own usage export (issue 29).

- :mod:`sim.audit.usage`: per-employee-week observables and truth from the engine;
- :mod:`sim.audit.formats`: readers and writers of the usage formats (docs/usage-formats.md);
- :mod:`sim.audit.infer`: summary statistics, detector scores, rejection ABC on a reference table;
- :mod:`sim.audit.smc`: pyabc's ABC-SMC with batched simulations;
- :mod:`sim.audit.recovery`: coverage of the intervals on synthetic organisations;
- :mod:`sim.audit.run`, :mod:`sim.audit.report`: the command's results and report.

Nothing is imported here, so `import sim.audit` costs nothing.
"""
