"""`ifrp sweep` and `ifrp sensitivity`: sweep files, designs, chunked resumable execution,
tables, figures and Sobol' indices."""
