"""Calibration: fit the behavioural and usage defaults to the evidence of model brief 10.7,
reproducibly and with its uncertainty (``tokenmaxx calibrate``)."""
