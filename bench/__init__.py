"""Benchmarks of the official-table exports (`python -m bench`, `make bench`)."""
