"""Every experiment that takes a scenario runs with ``scenario=ind_pak_2019``, or stops in one line.

The experiments name their actors by place (``states.0``, ``mediators.0``:
:mod:`sim.scenario.positions`), so the same file runs on the Pakistan - Afghanistan scenario (as
before: the outcome hashes guard it) and on the India - Pakistan one. Each is run tiny here.
"""

import pytest
import yaml

import sim
from sim.core.errors import ConfigError
from sim.scenario.positions import resolve_names, resolve_path

IND_PAK = "scenario=ind_pak_2019"
TINY = ["mc.replications=40", "mc.horizon=30", "mc.seed=1", "executor=serial"]
# A calibration of one generation of four particles, twelve records at most.
TINY_CALIBRATION = [
    "output=quiet",
    "calibration.population_size=4",
    "calibration.generations=1",
    "calibration.max_simulations=12",
]
# Sweeps name outputs at 90 and 365 days: the full horizon, very few replications.
SWEEP_TINY = ["mc.replications=3", "mc.horizon=365", "mc.seed=1", "executor=serial"]


@pytest.mark.parametrize("name", ["seed_baseline", "restraint", "projection"])
def test_a_monte_carlo_experiment_runs_on_ind_pak_2019(name, tmp_path):
    exp = sim.load_experiment(name, overrides=[IND_PAK, *TINY, f"output.root={tmp_path}"])
    assert exp.scenario.name == "ind_pak_2019"
    result = exp.simulate(progress=False)
    assert result.replications == 40
    assert {"strikes_india", "strikes_pakistan"} <= set(result.outcomes.columns)


def test_the_default_experiments_posterior_stays_with_its_own_scenario(caplog):
    # seed_baseline names pak_afg_2026's shipped posterior: another scenario runs its point
    # values, and says so; a posterior given on the command line is always checked.
    exp = sim.load_experiment("seed_baseline", overrides=[IND_PAK, *TINY])
    assert exp.posterior is None and exp.config.posterior is None
    assert "was made for scenario pak_afg_2026" in caplog.text
    assert sim.load_experiment("seed_baseline", overrides=TINY).posterior is not None
    with pytest.raises(ConfigError, match=r"afghanistan"):
        sim.load_experiment(
            "seed_baseline",
            overrides=[IND_PAK, *TINY, "posterior=seeds/posteriors/pak_afg_2026.parquet"],
        )


def test_restraint_applies_its_levers_to_the_first_state_and_mediator():
    for scenario, state, mediator in [
        ("pak_afg_2026", "pakistan", "qatar"),
        ("ind_pak_2019", "india", "usa"),
    ]:
        exp = sim.load_experiment("restraint", overrides=[f"scenario={scenario}", *TINY])
        rule = exp.scenario.states[state].retaliation
        assert (type(rule).__name__, rule.level, rule.p_act, rule.step) == (
            "Threshold",
            1.0,
            0.04,
            1,
        )
        lead = exp.scenario.mediators[mediator]
        assert (lead.leverage, lead.engage_rung, lead.attempt_rate) == (0.9, 3, 0.3)
        # The other actors keep the scenario's values, in the file's order.
        plain = sim.load_scenario(scenario)
        assert list(exp.scenario.mediators) == list(plain.mediators)
        assert lead.trust == plain.mediators[mediator].trust
        other = [s for s in plain.states if s != state][0]
        assert exp.scenario.states[other] == plain.states[other]
    # A command-line override of the same key wins over the experiment's value.
    exp = sim.load_experiment("restraint", overrides=["scenario.mediators.qatar.leverage=0.5"])
    assert (
        exp.scenario.mediators["qatar"].leverage,
        exp.scenario.mediators["qatar"].attempt_rate,
    ) == (
        0.5,
        0.3,
    )
    assert "positions" not in exp.config


@pytest.mark.parametrize(
    ("name", "extra", "parameters"),
    [
        (
            "mediator_leverage",
            [],
            ["mediators.usa.leverage", "states.india.retaliation.level"],
        ),
        ("retaliation_policies", [], ["states.india.retaliation"]),
        (
            "sensitivity",
            ["sweep.samples=2"],
            [
                "states.india.retaliation.p_act",
                "states.pakistan.retaliation.p_act",
                "mediators.usa.leverage",
                "mediators.usa.attempt_rate",
                "militants.jem.attribution",
                "states.india.compliance",
            ],
        ),
    ],
)
def test_a_sweep_runs_on_ind_pak_2019_with_its_own_actors(name, extra, parameters, tmp_path):
    from sim.sweeps.from_config import run_sweep_from_config

    overrides = [IND_PAK, *SWEEP_TINY, *extra, f"output.root={tmp_path}"]
    exp = sim.load_experiment(name, overrides=overrides)
    result = run_sweep_from_config(exp.config)
    assert result.ok, result.failures
    assert [p.path for p in result.sweep.parameters] == parameters
    if name == "retaliation_policies":
        assert "mean_strikes_india" in result.sweep.show


def test_the_backtest_scores_the_scenarios_own_episodes():
    from sim.backtest import run_backtest

    exp = sim.load_experiment("backtest", overrides=[IND_PAK, *TINY])
    table = run_backtest(exp.scenario, replications=20, seed=1).table
    assert set(table["episode_id"]) == {"IN-PK-2016-09-29"}


def test_robustness_runs_on_ind_pak_2019_over_its_own_priors(tmp_path):
    from sim.sweeps.robustness import run_robustness_from_config

    exp = sim.load_experiment(
        "robustness",
        overrides=[IND_PAK, *SWEEP_TINY, "robustness.futures.samples=2",
                   "robustness.resamples=20", f"output.root={tmp_path}"],
    )  # fmt: skip
    result = run_robustness_from_config(exp.config)
    assert set(result.table["policy"]) == {"graduated", "threshold", "proportional", "tit_for_tat"}
    futures = result.probabilities.drop_duplicates("future")
    priors = exp.scenario.priors
    # A future marked `prior` lies within ind_pak_2019's own prior; leverage keeps the
    # experiment's range.
    for key in ("militants.jem.attribution", "states.pakistan.retaliation.p_act", "decay"):
        assert futures[key].between(priors[key].low, priors[key].high).all(), key
    assert futures["mediators.usa.leverage"].between(0.2, 1.0).all()
    # pak_afg_2026 draws the same futures from its own priors.
    plain = sim.load_experiment("robustness", overrides=SWEEP_TINY)
    from sim.sweeps.robustness import robustness_from_config

    sweep = robustness_from_config(plain.config.robustness, plain.scenario)["futures"]
    ranges = {p.path: (p.low, p.high) for p in sweep.parameters}
    assert ranges["states.afghanistan.retaliation.p_act"] == (0.0, 1.0)
    assert ranges["militants.ttp.attribution"] == (0.5, 1.0)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "states.pakistan.retaliation.intercept",
            r"^robustness\.futures\.parameters\.states\.pakistan\.retaliation\.intercept: "
            r"scenario 'ind_pak_2019' has no states\.pakistan\.retaliation\.intercept .*"
            r"does not apply to it",
        ),
        (
            "militants.jem.casualty_alpha",
            r"^robustness\.futures\.parameters\.militants\.jem\.casualty_alpha: scenario "
            r"'ind_pak_2019' gives no prior for militants\.jem\.casualty_alpha .*give a range",
        ),
    ],
)
def test_a_future_from_a_prior_the_scenario_lacks_is_one_error_naming_it(path, message):
    from sim.sweeps.robustness import robustness_from_config

    node = {
        "policies": {"a": {"decay": 0.05}, "b": {"decay": 0.06}},
        "futures": {"design": "lhs", "samples": 2, "parameters": {path: "prior"}},
        "outcomes": [{"rung": 4, "within": 30, "threshold": 0.2}],
    }
    with pytest.raises(ConfigError, match=message) as err:
        robustness_from_config(node, sim.load_scenario("ind_pak_2019"))
    assert "\n" not in str(err.value)


def test_a_sweep_parameter_may_take_its_range_from_the_scenarios_prior(tmp_path):
    from sim.sweeps.from_config import prior_ranges

    node = {"parameters": {"states.india.memory_days": "prior", "decay": {"low": 0.0, "high": 0.1}}}
    ranged = prior_ranges(node, "ind_pak_2019", "sweep.parameters")
    assert ranged["parameters"] == {
        "states.india.memory_days": {"low": 11, "high": 21, "integer": True},
        "decay": {"low": 0.0, "high": 0.1},
    }


def test_a_position_beyond_the_scenario_is_one_error_naming_the_key(tmp_path):
    data = sim.load_scenario("ind_pak_2019").to_dict()
    del data["mediators"], data["priors"]
    lone = tmp_path / "no_mediators.yaml"
    lone.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"scenario\.mediators\.0: names the mediators at place 0"
    ):
        sim.load_experiment("restraint", overrides=[f"scenario={lone}"])
    with pytest.raises(ConfigError, match=r"retaliation\.state: names the states at place 2 .*"):
        sim.load_experiment("restraint", overrides=[IND_PAK, "retaliation.state=2"])
    with pytest.raises(ConfigError, match=r"sweep\.parameters\.mediators\.0\.leverage: .*"):
        sim.load_experiment("sensitivity", overrides=[f"scenario={lone}"])


def test_positions_resolve_in_key_paths_and_names():
    ids = {"states": ["india", "pakistan"], "mediators": ["usa"]}
    assert (
        resolve_path("states.1.retaliation.p_act", ids, "k") == "states.pakistan.retaliation.p_act"
    )
    assert resolve_path("decay", ids, "k") == "decay"
    assert resolve_path("states.india.inflicted.military.4", ids, "k").endswith("military.4")
    assert resolve_names("mean_strikes_{states.1}", ids, "k") == "mean_strikes_pakistan"
    with pytest.raises(ConfigError, match="lists 1 mediators"):
        resolve_path("mediators.1.leverage", ids, "k")


def test_a_users_scenario_without_a_ceasefire_rule_runs_in_an_experiment(tmp_path):
    # docs/scenarios.md: a scenario may leave the ceasefire rule out ({name: none}).
    path = tmp_path / "minimal.yaml"
    path.write_text(
        'name: minimal\nas_of: "2019-02-15"\nstates:\n'
        "  india: {name: India, retaliation: {name: graduated, p_act: 0.05}}\n"
        "  pakistan: {name: Pakistan, retaliation: {name: tit_for_tat, p_act: 0.5}}\n",
        encoding="utf-8",
    )
    exp = sim.load_experiment("seed_baseline", overrides=[f"scenario={path}", *TINY])
    assert type(exp.scenario.ceasefire).__name__ == "NoCeasefire"
    assert exp.simulate(progress=False).replications == 40
    grim = sim.load_experiment(
        "seed_baseline", overrides=[f"scenario={path}", *TINY, "ceasefire=grim_trigger"]
    )
    assert type(grim.scenario.ceasefire).__name__ == "GrimTrigger"


def test_a_tiny_calibration_runs_on_ind_pak_2019_from_its_own_priors(tmp_path):
    # calibrate_tiny names each state's chance of acting by place; ind_pak_2019's priors
    # (configs/scenario/ind_pak_2019.yaml) give their ranges, its episodes the record.
    from sim.app.calibration import run_calibration_experiment

    exp = sim.load_experiment(
        "calibrate_tiny",
        overrides=[
            IND_PAK,
            f"output.root={tmp_path}",
            *TINY_CALIBRATION,
        ],
    )
    assert list(exp.config.calibration.parameters) == [
        "states.india.retaliation.p_act",
        "states.pakistan.retaliation.p_act",
    ]
    result = run_calibration_experiment(exp)
    posterior = sim.load_posterior(result.results_folder / "posterior.parquet", exp.scenario)
    for key in ("states.india.retaliation.p_act", "states.pakistan.retaliation.p_act"):
        prior = exp.scenario.priors[key]
        draws = posterior.values[key]
        assert ((draws >= prior.low) & (draws <= prior.high)).all(), key


CEASEFIRE_WEIGHTS = [
    f"ceasefire.{name}"
    for name in ("intercept", "leverage_weight", "trust_weight", "cost_weight", "rung_weight")
]


def test_calibrate_defaults_to_the_scenarios_own_states_with_priors():
    # parameters: null calibrates each state's chance of acting, its ordered-logit intercept
    # and scale where the rule has them, and the ceasefire's weights: on the seed scenario the
    # shipped posterior's eleven, in their order (its stored run's identity names them).
    from sim.app.calibration import calibration_settings
    from sim.calibration import DEFAULT_PARAMETERS

    seed = calibration_settings(sim.load_experiment("calibrate", overrides=["executor=serial"]))
    assert seed.parameters == DEFAULT_PARAMETERS
    ind_pak = calibration_settings(sim.load_experiment("calibrate", overrides=[IND_PAK]))
    assert list(ind_pak.parameters) == [
        "states.india.retaliation.p_act",
        "states.pakistan.retaliation.p_act",
        *CEASEFIRE_WEIGHTS,
    ]
    # The checks (leave-one-out, SBC) read the same default.
    loo = calibration_settings(sim.load_experiment("calibrate_loo", overrides=[IND_PAK]))
    assert loo.parameters == ind_pak.parameters


def test_calibrate_runs_on_ind_pak_2019_with_its_default_parameters(tmp_path):
    from sim.app.calibration import run_calibration_experiment

    exp = sim.load_experiment(
        "calibrate",
        overrides=[
            IND_PAK,
            f"output.root={tmp_path}",
            *TINY_CALIBRATION,
            "calibration.engine=numpy",
        ],
    )
    result = run_calibration_experiment(exp)
    posterior = sim.load_posterior(result.results_folder / "posterior.parquet", exp.scenario)
    assert sorted(posterior.values) == sorted(
        ["states.india.retaliation.p_act", "states.pakistan.retaliation.p_act", *CEASEFIRE_WEIGHTS]
    )


def test_validate_markov_with_another_scenario_is_one_line_saying_where_it_applies():
    with pytest.raises(ConfigError) as err:
        sim.load_experiment("validate_markov", overrides=[IND_PAK, *TINY])
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("validation.exact: scenario 'ind_pak_2019' is not a constant")
    assert "scenario=markov_validation" in message


def test_a_command_line_override_may_name_an_actor_by_place(capsys):
    exp = sim.load_experiment(
        None,
        overrides=[IND_PAK, *TINY, "scenario.mediators.0.leverage=0.9",
                   "scenario.states.1.retaliation.p_act=0.3"],
    )  # fmt: skip
    assert exp.scenario.mediators["usa"].leverage == 0.9
    assert exp.scenario.states["pakistan"].retaliation.p_act == 0.3
    # Recorded (overrides.yaml, header, folder name) with the actor's id.
    assert "scenario.mediators.usa.leverage=0.9" in exp.overrides
    # On the command line, a place beats the experiment's value for the same actor ...
    exp = sim.load_experiment("restraint", overrides=["scenario.mediators.0.leverage=0.5"])
    assert (
        exp.scenario.mediators["qatar"].leverage,
        exp.scenario.mediators["qatar"].attempt_rate,
    ) == (0.5, 0.3)
    # ... and --check shows the changed value.
    from sim.app.cli import main

    main([IND_PAK, "scenario.mediators.1.leverage=0.2", "--check"])
    line = next(x for x in capsys.readouterr().out.splitlines() if "saudi_arabia.leverage" in x)
    assert line.split()[1:3] == ["0.2", "changed"]


def test_a_place_beyond_the_scenario_on_the_command_line_is_one_error():
    with pytest.raises(ConfigError) as err:
        sim.load_experiment(None, overrides=[IND_PAK, "scenario.mediators.3.leverage=0.9"])
    assert str(err.value) == (
        "scenario.mediators.3: names the mediators at place 3 (counting from 0), but scenario "
        "'ind_pak_2019' lists 3 mediators (usa, saudi_arabia, uae); give a place from 0 to 2, or "
        "the id (scenario.mediators.usa...)"
    )
    with pytest.raises(ConfigError, match=r"^scenario\.states\.0\.compliance: names an actor by "
                       r"place while scenario=ind_pak_2019,pak_afg_2026 sweeps"):  # fmt: skip
        from sim.app.config import place_overrides

        place_overrides(["scenario=ind_pak_2019,pak_afg_2026", "scenario.states.0.compliance=0.5"])


def test_a_place_in_a_multirun_over_values_keeps_the_values_and_flags():
    from sim.app.config import place_overrides

    given = ["-m", IND_PAK, "scenario.mediators.0.leverage=0.3,0.6", "~scenario.militants.2"]
    assert place_overrides(given) == [
        "-m",
        IND_PAK,
        "scenario.mediators.usa.leverage=0.3,0.6",
        "~scenario.militants.local",
    ]
    # Without a scenario choice, the experiment's own scenario (pak_afg_2026 by default).
    assert place_overrides(["scenario.states.1.compliance=0.5"]) == [
        "scenario.states.afghanistan.compliance=0.5"
    ]
