"""`ifrp run`: replicates of a scenario (or several, compared), their figures, posterior draws."""
