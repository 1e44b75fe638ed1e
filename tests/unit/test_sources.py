"""Sources live inside the repository: citations name the public source, never an outside file."""

import re
from pathlib import Path

import pytest

from sim.core.paths import CONFIG_DIR, REPO_ROOT

CITING = ["configs", "seeds", "docs", "experiments", "benchmarks", "README.md"]
OUTSIDE = re.compile(r"FACTS\.md|\bFACTS\b|\.\./shared|/work/")


def text_files() -> list[Path]:
    files = []
    for name in CITING:
        path = REPO_ROOT / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        files += [p for p in candidates if p.suffix in (".md", ".yaml", ".csv", ".py")]
    return files


def test_no_citation_points_outside_the_repository():
    bad = [
        f"{path.relative_to(REPO_ROOT)}:{n}: {line.strip()}"
        for path in text_files()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not bad, "citations must name the public source, not a file outside the repo:\n" + (
        "\n".join(bad)
    )


@pytest.mark.parametrize("name", ["pak_afg_2026", "ind_pak_2019"])
def test_every_source_key_of_a_shipped_scenario_is_listed_with_its_source(name):
    lines = (CONFIG_DIR / "scenario" / f"{name}.yaml").read_text(encoding="utf-8").splitlines()
    # The "# Sources" block: "#   [KEY]  outlet, date, address" (the address may follow on the
    # next comment line).
    listed = {m.group(1) for line in lines if (m := re.match(r"#\s+\[([^\]]+)\]\s", line))}
    assert listed, f"{name}.yaml has no Sources block"
    used = set()
    for line in lines:
        if "#" in line and not line.lstrip().startswith("#"):
            comment = line.split("#", 1)[1]
            used |= {key for group in re.findall(r"\[([A-Z][^\]]*)\]", comment) for key in
                     (k.strip() for k in group.split(";"))}  # fmt: skip
    assert used, name
    assert used <= listed, f"{name}.yaml cites keys missing from its Sources block: {used - listed}"
