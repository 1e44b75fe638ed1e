"""The interactive page: compare two policies on a scenario, and watch one simulated path.

Start it from the repository root (Solara's telemetry switched off)::

    SOLARA_TELEMETRY_MIXPANEL_ENABLE=False .venv/bin/solara run sim.viz.page

and open http://localhost:8765 (``docs/page.md`` says what it shows). The modules:

- :mod:`sim.viz.levers`: a policy (one state's retaliation rule, mediators' leverage, militant
  tempo) read from and applied to any scenario;
- :mod:`sim.viz.compare`: both policies run on common random numbers with :func:`sim.simulate`;
- :mod:`sim.viz.path`: the single-path viewer's model and captions;
- :mod:`sim.viz.widgets` and :mod:`sim.viz.page`: the Solara components (the only importers of
  Solara in the package).

Importing this package imports no Solara: the first three modules work without the ``viz`` extra.
"""
