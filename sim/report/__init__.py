"""Reports a policy designer can read: one self-contained HTML file plus the figures as PNG.

Never imported by the model; plots take data (DataFrames), not models.
"""

from sim.report.write import write_comparison_report, write_run_report

__all__ = ["write_comparison_report", "write_run_report"]
