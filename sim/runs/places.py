"""Actors an experiment names by place (``states.0``, ``mediators.0``) turned into ids.

An experiment file written for any scenario names its actors by their place in the scenario
(:mod:`sim.scenario.positions`). When the config is checked
(:func:`sim.runs.experiment.experiment_from_config`), :func:`resolve_positions` applies the values
given under ``scenario.<section>.<place>`` to the actor listed there and turns
``retaliation.state: 0`` into an id; :func:`resolve_sweep_positions` does the same in the key
paths of a sweep or a robustness study. Everything downstream sees ids only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf, open_dict

from sim.scenario.positions import SECTIONS, actor_at, is_position, resolve_names, resolve_path

__all__ = ["resolve_positions", "resolve_sweep_positions"]


def resolve_positions(cfg: DictConfig, overrides: Sequence[str]) -> dict[str, list[str]]:
    """Apply the values an experiment gives actors named by place to the actor at that place.

    An experiment written for any scenario sets ``scenario.mediators.0.leverage``; reading the
    file moved those values to ``positions`` (:func:`sim.app.config._positions_apart`). Each goes
    onto the actor listed at that place (:mod:`sim.scenario.positions`) unless a command-line
    override set the same key, and ``retaliation.state: 0`` names the first state. Returns the
    ids of each section in the scenario's order.
    """
    scenario = cfg.get("scenario")
    ids: dict[str, list[str]] = {}
    if not isinstance(scenario, DictConfig):
        return ids
    name = str(scenario.get("name") or "")
    for section in SECTIONS:
        node = scenario.get(section)
        ids[section] = [str(k) for k in node] if isinstance(node, DictConfig) else []
    given = cfg.get("positions")
    if given is not None:
        # Keys set on the command line win; a group choice (scenario=NAME) is no such key.
        keys = {o.split("=", 1)[0].lstrip("+~") for o in overrides if "=" in o}
        overridden = {k for k in keys if k.startswith("scenario.")}
        for section, entries in OmegaConf.to_container(given, resolve=True).items():
            for key, values in entries.items():
                where = f"scenario.{section}.{key}"
                actor = actor_at(ids.get(section, []), section, int(key), where, name)
                for path, value in _leaves(values, f"scenario.{section}.{actor}"):
                    if not any(path == o or path.startswith(f"{o}.") for o in overridden):
                        OmegaConf.update(cfg, path, value, merge=True)
        with open_dict(cfg):
            cfg.positions = None
    retaliation = cfg.get("retaliation")
    if isinstance(retaliation, DictConfig) and ids["states"]:
        chosen = retaliation.get("state")
        where = "retaliation.state"
        if is_position(chosen):
            retaliation.state = actor_at(ids["states"], "states", int(chosen), where, name)
        elif isinstance(chosen, ListConfig):
            retaliation.state = [
                actor_at(ids["states"], "states", int(s), where, name) if is_position(s) else s
                for s in chosen
            ]
    return ids


def _leaves(node: Any, prefix: str) -> list[tuple[str, Any]]:
    """Key paths and values of a plain mapping's leaves (a rule's mapping is one leaf)."""
    if isinstance(node, dict) and not ({"name", "_target_"} & set(node)):
        return [pair for k, v in node.items() for pair in _leaves(v, f"{prefix}.{k}")]
    return [(prefix, node)]


def resolve_sweep_positions(data: dict[str, Any], ids: dict[str, list[str]]) -> None:
    """Actor positions in a sweep's or a robustness study's key paths replaced by ids.

    The key paths of ``sweep.parameters``, ``sweep.baseline``, ``calibration.parameters``,
    ``robustness.policies.*`` and ``robustness.futures.parameters``; and ``{states.0}`` in the
    names of ``sweep.show``, ``sweep.analyze`` and ``sweep.discover``
    (``mean_strikes_{states.0}``).
    """
    name = str((data.get("scenario") or {}).get("name") or "")

    def paths(node: Any, where: str) -> Any:
        if not isinstance(node, dict):
            return node
        return {resolve_path(str(k), ids, f"{where}.{k}", name): v for k, v in node.items()}

    sweep = data.get("sweep")
    if isinstance(sweep, dict):
        for key in ("parameters", "baseline"):
            if isinstance(sweep.get(key), dict):
                sweep[key] = paths(sweep[key], f"sweep.{key}")
        for key in ("show", "analyze"):
            if isinstance(sweep.get(key), list):
                sweep[key] = [resolve_names(str(v), ids, f"sweep.{key}", name) for v in sweep[key]]
        if isinstance(sweep.get("discover"), str):
            sweep["discover"] = resolve_names(sweep["discover"], ids, "sweep.discover", name)
    calibration = data.get("calibration")
    if isinstance(calibration, dict) and isinstance(calibration.get("parameters"), list):
        calibration["parameters"] = [
            resolve_path(str(v), ids, f"calibration.parameters.{i}", name)
            for i, v in enumerate(calibration["parameters"])
        ]
    robustness = data.get("robustness")
    if isinstance(robustness, dict):
        policies = robustness.get("policies")
        if isinstance(policies, dict):
            robustness["policies"] = {
                k: paths(v, f"robustness.policies.{k}") for k, v in policies.items()
            }
        futures = robustness.get("futures")
        if isinstance(futures, dict) and isinstance(futures.get("parameters"), dict):
            futures["parameters"] = paths(futures["parameters"], "robustness.futures.parameters")
