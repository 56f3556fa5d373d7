"""Calibration of the speed model against published measurements: cases, fit, errors, bands."""
