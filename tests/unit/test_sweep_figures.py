"""A finished sweep writes the figures that fit its design into its folder."""

import matplotlib.image
import numpy as np
import pytest

from sim.plots.sweep_figures import save_sweep_figures
from sim.sweeps.runner import Sweep, run_sweep

MC = {"replications": 200, "horizon": 30, "seed": 5}
P_ACT = "states.pakistan.retaliation.p_act"
LEVERAGE = "mediators.qatar.leverage"


def _names(paths):
    return [p.name for p in paths]


def _is_png(path):
    image = matplotlib.image.imread(path)
    return image.ndim == 3 and min(image.shape[:2]) > 100


def test_a_grid_of_two_parameters_gets_one_heatmap_per_rung_on_one_colour_scale(
    tmp_path, seed_scenario
):
    sweep = Sweep.from_config(
        {"parameters": {P_ACT: [0.02, 0.2], LEVERAGE: [0.2, 0.8]}, "horizons": [30]}
    )
    result = run_sweep(sweep, seed_scenario, tmp_path / "s", **MC)
    written = save_sweep_figures(result)
    assert _names(written) == [f"heatmap_p_rung{k}_30d.png" for k in (4, 5)]
    assert all(p.parent == tmp_path / "s" / "figures" and _is_png(p) for p in written)


def test_a_baseline_gets_the_paired_differences_of_every_other_point(tmp_path, seed_scenario):
    sweep = Sweep.from_config(
        {
            "parameters": {
                "states.pakistan.retaliation": [{"name": "none"}, {"name": "graduated"}]
            },
            "baseline": {"states.pakistan.retaliation": "graduated"},
            "horizons": [30],
        }
    )
    result = run_sweep(sweep, seed_scenario, tmp_path / "s", **MC)
    written = save_sweep_figures(result, tmp_path / "figs")
    assert _names(written) == [f"policies_p_rung{k}_30d.png" for k in (4, 5)]
    assert all(_is_png(p) for p in written)


def test_one_numeric_parameter_gets_its_response_curve(tmp_path, seed_scenario):
    sweep = Sweep.from_config({"parameters": {P_ACT: [0.02, 0.1, 0.2]}, "horizons": [30]})
    result = run_sweep(sweep, seed_scenario, tmp_path / "s", **MC)
    written = save_sweep_figures(result)
    assert _names(written) == [f"response_p_rung{k}_30d.png" for k in (4, 5)]


@pytest.mark.parametrize("figures", [True, False])
def test_the_command_writes_them_unless_figures_are_off(tmp_path, figures, capsys):
    from sim.app.cli import main

    main(
        [
            "experiment=retaliation_policies",
            "mc.replications=100",
            "mc.horizon=30",
            "sweep.horizons=[30]",
            f"output.figures={str(figures).lower()}",
            f"output.root={tmp_path}",
            f"hydra.run.dir={tmp_path}/run",
        ]
    )
    folder = tmp_path / "retaliation_policies" / "sweep" / "figures"
    made = sorted(p.name for p in folder.glob("*.png")) if folder.is_dir() else []
    assert made == (["policies_p_rung4_30d.png", "policies_p_rung5_30d.png"] if figures else [])
    assert np.all([_is_png(folder / name) for name in made])
