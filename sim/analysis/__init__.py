"""Estimates from outcomes.

Intervals and survival (stats), Sobol and Morris indices (sensitivity), PRIM boxes (discovery).
"""
