"""Benchmarks (`make bench`): the product's speed targets, measured, never asserted in tests."""
