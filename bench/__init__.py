"""Benchmarks: run each as a script, `python bench/<name>.py`."""
