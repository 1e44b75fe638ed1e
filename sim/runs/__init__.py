"""Running the engine: Monte Carlo chunks, executors, checked experiments and their settings."""
