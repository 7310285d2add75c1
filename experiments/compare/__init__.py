"""`ifrp compare` and `ifrp validate`: run folders against each other and against observations."""
