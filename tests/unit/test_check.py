"""``python -m sim ... --check``: the scenario as it will run, each parameter's origin and basis."""

import pytest

from sim.app.check import report, scenario_parameters, split_check_flag
from sim.app.cli import main
from sim.core.errors import ConfigError
from sim.scenario.loading import scenario_path


def _by_key(args):
    return {p.key: p for p in scenario_parameters(args)[2]}


@pytest.mark.parametrize("name", ["pak_afg_2026", "ind_pak_2019"])
def test_every_parameter_of_a_shipped_scenario_comes_from_its_file_with_a_basis(name):
    params = _by_key([f"scenario={name}"])
    assert {p.origin for p in params.values()} == {"file"}
    assert all(p.basis for p in params.values())
    assert report([f"scenario={name}"]).endswith("0 parameter(s) without a basis.")


def test_values_and_bases_are_those_of_the_file_line():
    params = _by_key([])
    decay = params["decay"]
    text = scenario_path("pak_afg_2026").read_text()
    line = next(line for line in text.splitlines() if line.startswith("decay:"))
    assert decay.value == float(line.split(":")[1].split("#")[0])
    assert decay.basis == line.split("#", 1)[1].strip()
    # an inline mapping: each entry takes the basis of the mapping's line
    assert params["states.pakistan.grievance.afghanistan"].basis.startswith("replayed from")


def test_a_command_line_override_is_marked_changed_and_warned_about():
    params = _by_key(["scenario.decay=0.2", "scenario.states.pakistan.resolve=0.9"])
    assert (params["decay"].value, params["decay"].origin) == (0.2, "changed")
    assert params["states.pakistan.resolve"].origin == "changed"
    assert params["states.afghanistan.resolve"].origin == "file"  # the other state is untouched
    assert params["decay"].warning.startswith("changed by the experiment or the command line")


def test_an_experiment_that_replaces_a_rule_marks_every_field_of_the_new_rule():
    params = _by_key(["experiment=restraint"])
    pakistan = {k: p for k, p in params.items() if k.startswith("states.pakistan.retaliation.")}
    assert params["states.pakistan.retaliation.name"].value == "threshold"
    # p_act keeps the file's number but belongs to another rule now: changed, not file
    assert {p.origin for p in pakistan.values()} == {"changed"}
    assert params["states.afghanistan.retaliation.name"].origin == "file"


def test_a_field_left_out_of_the_file_is_a_default_with_a_warning(tmp_path):
    text = scenario_path("pak_afg_2026").read_text()
    lines = [line for line in text.splitlines() if not line.startswith("war_deaths:")]
    lines = [line.split("#")[0] if line.startswith("decay:") else line for line in lines]
    mine = tmp_path / "mine.yaml"
    mine.write_text("\n".join(lines))
    params = _by_key([f"scenario={mine}"])
    assert (params["war_deaths"].origin, params["war_deaths"].value) == ("default", 1000)
    assert params["war_deaths"].warning.startswith("filled by the schema's default")
    assert (params["decay"].origin, params["decay"].basis) == ("file", "")
    assert params["decay"].warning.startswith("set in the file without a basis comment")
    out = report([f"scenario={mine}"])
    assert "2 parameter(s) without a basis:" in out
    assert "warning: war_deaths: filled by the schema's default" in out


def test_a_bad_value_is_the_run_s_own_error():
    with pytest.raises(ConfigError, match=r"scenario\.as_of: must be a date written YYYY-MM-DD"):
        scenario_parameters(["scenario.as_of=soon"])


def test_the_flag_is_taken_out_of_the_arguments():
    assert split_check_flag(["scenario=x", "--check", "a=1"]) == (True, ["scenario=x", "a=1"])
    assert split_check_flag(["scenario=x"]) == (False, ["scenario=x"])


def test_the_command_prints_the_check_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    main(["scenario=ind_pak_2019", "--check"])
    out = capsys.readouterr().out
    assert out.startswith("scenario ind_pak_2019 (as of 2019-02-15) from ")
    assert list(tmp_path.iterdir()) == []


def test_the_command_reports_a_bad_value_on_one_line_with_exit_2(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["scenario.as_of=soon", "--check"])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "error: scenario.as_of: must be a date written YYYY-MM-DD, "
        "e.g. as_of: \"2026-02-22\"; got 'soon'"
    ]
