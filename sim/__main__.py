"""``python -m sim``: run an experiment (see :mod:`sim.app.cli`)."""

from sim.app.cli import main

if __name__ == "__main__":
    main()
