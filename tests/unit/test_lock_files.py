"""The lock files pin every dependency of pyproject.toml at a version its specifier allows.

`make run` installs requirements/run.txt and `make test` requirements/dev.txt; a dependency added
to pyproject.toml without `make lock` would be missing from a fresh clone's environment.
"""

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    not (REPO / "requirements").is_dir(), reason="the lock files live in the checkout only"
)


def _pins(name: str) -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements" / name).read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            package, version = line.split("==")
            pins[canonicalize_name(package)] = version.strip()
    return pins


def _requirements(extras: list[str]) -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    found, todo, seen = list(map(Requirement, project["dependencies"])), list(extras), set()
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for text in project["optional-dependencies"][extra]:
            requirement = Requirement(text)
            if canonicalize_name(requirement.name) == canonicalize_name(project["name"]):
                todo.extend(requirement.extras)  # the project's own extras, e.g. dev = [sim[viz]]
            else:
                found.append(requirement)
    return found


@pytest.mark.parametrize(("lock", "extras"), [("run.txt", []), ("dev.txt", ["dev"])])
def test_every_dependency_is_pinned_within_its_specifier(lock, extras):
    pins = _pins(lock)
    for requirement in _requirements(extras):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements/{lock}: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements/{lock} pins {name}=={pins[name]} outside {requirement}: run `make lock`"
        )


def test_the_light_set_is_a_subset_of_the_development_set_at_the_same_versions():
    run, dev = _pins("run.txt"), _pins("dev.txt")
    assert {name: dev.get(name) for name in run} == run
