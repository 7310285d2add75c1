"""What every command shares: replicates and their seeds, executors, the scenario library,
run folders (writing, reading, manifests), tables and the figures' common parts."""
