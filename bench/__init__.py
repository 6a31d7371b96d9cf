"""Benchmarks: `python -m bench` times the engine against plain PyTorch loops, in process; `python -m
bench.load` runs the load check against a real server on loopback, bounded in count and time."""
