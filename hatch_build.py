"""Build hook: put the top-level data folders into the wheel as package data (``sim/data/``).

The folders listed under ``package-data`` in ``pyproject.toml`` stay where they are edited, at
the repository's top level. A wheel carries a copy of each; an editable install does not need
one, since the package reads the checkout's folders directly (``sim/core/paths.py``).
"""

from __future__ import annotations

from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class PackageDataHook(BuildHookInterface):
    """Map each ``package-data`` folder to its place in the wheel (standard builds only)."""

    PLUGIN_NAME = "package-data"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Add the folders to the wheel's forced inclusions, unless the build is editable."""
        if version == "standard":
            build_data["force_include"].update(self.config["package-data"])
