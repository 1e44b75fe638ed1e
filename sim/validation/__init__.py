"""Independent checks of the engine.

The exact Markov chain (exact) and the plain-Mesa reference (reference).
"""

from sim.validation.exact import chain_parameters, exact_escalation

__all__ = ["chain_parameters", "exact_escalation"]
