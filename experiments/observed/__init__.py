"""What was reported: the calibration targets (and their reading from a run's records)."""
