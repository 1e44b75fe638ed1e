"""A point's scenario (its levers set by key path) and its row of the sweep's table."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from sim.analysis import predictive, stats
from sim.core.errors import ConfigError, did_you_mean
from sim.core.keypath import get_path, set_path
from sim.rules import build_rule
from sim.scenario.loading import scenario_from_dict
from sim.scenario.schema import Scenario
from sim.sweeps.parameters import MC_KEYS, _plain

__all__ = ["outcome_columns", "point_scenario"]

_RULE_SLOTS = ("retaliation", "ceasefire")


# --- setting keys in a scenario ----------------------------------------------------------------


def _set(data: dict, path: str, value: Any) -> None:
    set_path(data, path, _plain(value))


def _check_path(data: dict, path: str) -> None:
    """Refuse a key path that does not exist, before any point runs (a typo fails once).

    A rule's parameter may be missing from its node (a default): it must then be a field of
    the rule's class; a user's rule that is not a dataclass lists no fields, and is left to
    :func:`~sim.rules.build_rule` at each point.
    """
    parts = path.split(".")
    parent = get_path(data, parts[:-1])
    if (
        isinstance(parent, Mapping)
        and parts[-1] not in parent
        and len(parts) >= 2
        and parts[-2] in _RULE_SLOTS
    ):
        where = "scenario." + ".".join(parts[:-1])
        rule = build_rule(parent, "ceasefire" if parts[-2] == "ceasefire" else "retaliation", where)
        if not dataclasses.is_dataclass(rule):
            return
        fields = [f.name for f in dataclasses.fields(rule)]
        if parts[-1] not in fields:
            raise ConfigError(
                f"{where}.{parts[-1]}",
                f"unknown parameter of {type(rule).__name__}; {did_you_mean(parts[-1], fields)}",
            )
        return
    get_path(data, parts)


def _base_data(scenario: Scenario, fixed: Mapping[str, Any]) -> tuple[dict, dict]:
    data = scenario.to_dict()
    mc: dict[str, Any] = {}
    for path, value in fixed.items():
        if path.startswith("mc."):
            if path[3:] not in MC_KEYS:
                raise ConfigError(
                    f"sweep.fixed.{path}", f"only mc.{', mc.'.join(MC_KEYS)} may be set per sweep"
                )
            mc[path[3:]] = value
        else:
            _set(data, path, value)
    return data, mc


def point_scenario(
    scenario: Scenario, settings: Mapping[str, Any], fixed: Mapping[str, Any] | None = None
) -> tuple[Scenario, dict[str, Any]]:
    """The scenario of a point: `fixed`, then `settings`, set on ``scenario.to_dict()``.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    settings : mapping
        Key path -> value (see :class:`Parameter`); ``mc.<key>`` entries are returned apart.
    fixed : mapping, optional
        Key path -> value set first.

    Returns
    -------
    Scenario
        Checked by :func:`~sim.scenario.scenario_from_dict`.
    dict
        Monte Carlo settings of the point (``replications``, ``horizon``) that were given.

    Raises
    ------
    ConfigError
        Naming the key path, e.g. ``scenario.states.pakistan.retaliation.p_act: ...``.

    Examples
    --------
    >>> import sim
    >>> s, mc = point_scenario(sim.load_scenario(), {"mediators.qatar.leverage": 0.2})
    >>> s.mediators["qatar"].leverage
    0.2
    """
    data, mc = _base_data(scenario, fixed or {})
    for path, value in settings.items():
        path = path.removeprefix("scenario.")
        if path.startswith("mc."):
            mc[path[3:]] = value
        else:
            _set(data, path, value)
    return scenario_from_dict(data, path="scenario"), mc


# --- one point's row ---------------------------------------------------------------------------


def outcome_columns(
    outcomes: pd.DataFrame, rungs: Sequence[int] = (4, 5), horizons: Sequence[int] = (30, 90, 365)
) -> dict[str, Any]:
    """The tidy table's outcome columns for one outcome table.

    Parameters
    ----------
    outcomes : DataFrame
        One row per replication (``docs/outcomes.md``), ``attrs["horizon"]`` set.
    rungs, horizons : sequence of int
        Rungs k and days t of P(max rung >= k within t days); days beyond the horizon are
        left out.

    Returns
    -------
    dict
        ``p_rung{k}_{t}d`` with ``_low`` and ``_high`` (95 % Wilson interval; for a run over a
        posterior also ``_pp_low`` and ``_pp_high``, the posterior-predictive interval of
        :mod:`sim.analysis.predictive`), ``p_war`` with
        its interval (war by the horizon), ``mean_<column>`` for every count column of the
        outcomes (deaths, attacks, strikes, clashes, ceasefires made and broken, days under
        ceasefire, battle deaths, max rung), ``replications`` and ``horizon``.
    """
    horizon = int(outcomes.attrs.get("horizon", 0))
    row: dict[str, Any] = {}
    for k in rungs:
        for t in horizons:
            if horizon and t > horizon:
                continue
            est = stats.escalation_probability(outcomes, k, t)
            row[f"p_rung{k}_{t}d"] = est.estimate
            row[f"p_rung{k}_{t}d_low"] = est.low
            row[f"p_rung{k}_{t}d_high"] = est.high
            if predictive.DRAW in outcomes.columns:
                pp = predictive.predictive_probability(outcomes, k, t)
                row[f"p_rung{k}_{t}d_pp_low"] = pp.low
                row[f"p_rung{k}_{t}d_pp_high"] = pp.high
    war = stats.binomial_interval(int(outcomes["war"].sum()), len(outcomes))
    row.update(p_war=war.estimate, p_war_low=war.low, p_war_high=war.high)
    for col in outcomes.columns:
        if (
            col in ("replication", predictive.DRAW)
            or col.startswith("day_")
            or outcomes[col].dtype == bool
        ):
            continue
        row[f"mean_{col}"] = float(outcomes[col].mean())
    row.update(replications=len(outcomes), horizon=horizon)
    return row


_PAIRED_SUFFIXES = ("", "_low", "_high", "_width_ratio", "_baseline_only", "_point_only")
_PREDICTIVE_SUFFIXES = ("_pp_low", "_pp_high")


def _paired_columns(
    base: pd.DataFrame, outcomes: pd.DataFrame, rungs: Sequence[int], horizons: Sequence[int]
) -> dict[str, float]:
    """``diff_rung{k}_{t}d`` (point - baseline), its paired interval, ratio, discordant counts."""
    row: dict[str, float] = {}
    horizon = int(outcomes.attrs.get("horizon", 0))
    same_runs = base.attrs.get("horizon") == outcomes.attrs.get("horizon") and len(base) == len(
        outcomes
    )
    for k in rungs:
        for t in horizons:
            if horizon and t > horizon:
                continue
            key = f"diff_rung{k}_{t}d"
            over_draws = predictive.DRAW in outcomes.columns
            if not same_runs:
                suffixes = _PAIRED_SUFFIXES + (_PREDICTIVE_SUFFIXES if over_draws else ())
                row.update({f"{key}{suffix}": math.nan for suffix in suffixes})
                continue
            if over_draws:
                pp = predictive.predictive_difference(base, outcomes, k, t)
                row.update({f"{key}_pp_low": pp.low, f"{key}_pp_high": pp.high})
            cmp = stats.paired_difference(base, outcomes, k, t)
            row.update(
                {
                    key: cmp.difference,
                    f"{key}_low": cmp.low,
                    f"{key}_high": cmp.high,
                    f"{key}_width_ratio": cmp.width_ratio,
                    f"{key}_baseline_only": cmp.a_only,
                    f"{key}_point_only": cmp.b_only,
                }
            )
    return row
