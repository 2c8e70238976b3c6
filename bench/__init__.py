"""Benchmarks and the estate generator they run on (not shipped in the wheel)."""
