"""Executors: the same chain run in one process (local) or on Ray Data (ray)."""
