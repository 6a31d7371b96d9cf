"""optimlab: real torch.optim trajectories on 2-D loss surfaces, as a library and a web app."""

__version__ = "0.1.0"
