"""The embedded default world: everything runs in one process on one machine, offline."""
