"""Entry points: the command line and the notebook functions that compose configs.

The only layer that imports Hydra; it also writes an experiment's results folder with figures.
"""
