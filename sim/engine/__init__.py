"""The day: :class:`~sim.engine.model.EscalationModel`, its agents and what it records."""
