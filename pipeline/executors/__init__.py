"""Executors: the same chain run in one process (local) or as Ray tasks (ray)."""
