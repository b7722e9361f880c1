"""Publishing: catalog, workflow, access (the one decider), tokens."""
