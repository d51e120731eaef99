"""Benchmarks, run by scripts/bench (not by scripts/test): counts and costs, printed as tables."""
