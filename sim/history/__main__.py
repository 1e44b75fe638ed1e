"""``python -m sim.history``: replay the timeline (see :func:`sim.history.replayer.main`)."""

from sim.history.replayer import main

if __name__ == "__main__":
    main()
