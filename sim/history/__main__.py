"""``python -m sim.history``: the command lives in :mod:`sim.app.history` (the top layer)."""

from sim.app.history import main

if __name__ == "__main__":
    main()
