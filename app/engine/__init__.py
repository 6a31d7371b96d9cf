"""The engine: surfaces, the optimizer/scheduler catalog, runs and sweeps — pure torch, no web."""
