"""Benchmarks: each writes its results file under benchmarks/results/."""
