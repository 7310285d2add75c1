"""`ifrp calibrate`: screening, history matching, ABC-SMC and a best-fit point, with a report."""
