"""Benchmarks (`make bench`): the bars of DESIGN.md §5, measured, never asserted in tests."""
