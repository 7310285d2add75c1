"""Speed and memory measurements of the model on the current machine (`make bench`)."""
