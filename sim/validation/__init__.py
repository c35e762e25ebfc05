"""Validation: the theory checks of model brief section 6 and the calibration facts of section 8.

``tokenmaxx validate`` runs :func:`sim.validation.checks.run_checks` and writes the report with
:func:`sim.validation.report.write_report`. Scenario set-ups live in
:mod:`sim.validation.scenarios` and are shared with the test suite.
"""
