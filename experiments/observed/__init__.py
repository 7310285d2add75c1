"""What was reported: the observations of the drive, and the observation model that reads them
off a run."""
