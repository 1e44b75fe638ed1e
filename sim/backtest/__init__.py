"""The back-test: how the model would have forecast past episodes, scored against naive baselines.

:mod:`~sim.backtest.forecast` replays the record up to each episode's trigger and simulates its
outcome window; :mod:`~sim.backtest.scores` scores the forecasts and the baselines and computes
skill with bootstrap intervals; :mod:`~sim.backtest.runner` runs a whole library and writes the
results folder. ``docs/backtest.md`` explains the method and records today's scores.
"""

from sim.backtest.forecast import EpisodeForecast, episode_start, forecast_episode, trigger_rows
from sim.backtest.runner import BacktestResult, BacktestSettings, run_backtest
from sim.backtest.scores import (
    BINARY,
    CATEGORICAL,
    FORECASTERS,
    SkillResult,
    forecast_table,
    score_table,
    skill,
    skill_table,
)

__all__ = [
    "BINARY",
    "BacktestResult",
    "BacktestSettings",
    "CATEGORICAL",
    "FORECASTERS",
    "EpisodeForecast",
    "SkillResult",
    "episode_start",
    "forecast_episode",
    "forecast_table",
    "run_backtest",
    "score_table",
    "skill",
    "skill_table",
    "trigger_rows",
]
