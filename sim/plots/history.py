"""The replay of a timeline, drawn: the ladder and the starting state over the record."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

from sim.history.replayer import ReplayResult

__all__ = ["plot_replay"]

_LEGEND = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "fontsize": 8, "frameon": False}
_KIND_STYLE = {
    "attack": ("tab:red", "v"),
    "strike": ("tab:blue", "^"),
    "clash": ("tab:purple", "D"),
    "ceasefire": ("tab:green", "o"),
    "agreement": ("tab:green", "s"),
    "talks": ("tab:olive", "s"),
    "closure": ("tab:gray", "x"),
    "statement": ("tab:gray", "+"),
}


def plot_replay(
    result: ReplayResult, uncertain: ReplayResult | None = None, since: str | None = "auto"
) -> Figure:
    """Plot the replayed pressure, grievance, militant strength and rung, events marked.

    Parameters
    ----------
    result : ReplayResult
        The replay drawn as lines (its 5-95 % band too if it has several draws).
    uncertain : ReplayResult, optional
        A replay with drawn deaths whose 5-95 % band is shaded behind the lines.
    since : str, optional
        First date shown (ISO); None shows the whole replay; ``"auto"`` the whole replay when it
        spans at most four years, otherwise its last 26 months (a long timeline's early years
        would squeeze the days that set the starting state).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 9), layout="constrained")
    axes = fig.subplots(4, 1, sharex=True, height_ratios=(3, 3, 2, 2))
    paths = result.paths
    band = uncertain if uncertain is not None else (result if result.low is not None else None)
    panels = (
        ("pressure_", "domestic pressure"),
        ("grievance_", "grievance (of → toward)"),
        ("strength_", "militant strength"),
    )
    for ax, (prefix, title) in zip(axes, panels, strict=False):
        for column in [c for c in paths.columns if c.startswith(prefix)]:
            label = column.removeprefix(prefix).replace("_", " → ")
            (line,) = ax.plot(paths["date"], paths[column], label=label, lw=1.4)
            if band is not None and band.low is not None:
                ax.fill_between(
                    band.low["date"],
                    band.low[column],
                    band.high[column],
                    color=line.get_color(),
                    alpha=0.2,
                    lw=0,
                )
        ax.set_ylabel(title)
        ax.legend(**_LEGEND)
    ax = axes[3]
    for column in [c for c in paths.columns if c.startswith("rung_")]:
        pair = column.removeprefix("rung_")
        ax.step(
            paths["date"],
            paths[column],
            where="post",
            color="black",
            lw=1.2,
            label=f"expected rung {pair.replace('_', '–')}",
        )
        cease = paths[f"ceasefire_{pair}"].to_numpy()
        ax.fill_between(
            paths["date"],
            0,
            5,
            where=cease,
            step="post",
            color="tab:green",
            alpha=0.15,
            lw=0,
            label="ceasefire in force",
        )
    ax.set_ylim(0, 5.6)
    ax.set_yticks(range(6))
    ax.set_ylabel("rung")
    events = result.applied[result.applied["role"] != "none"]
    seen: set[str] = set()
    for row in events.itertuples(index=False):
        color, marker = _KIND_STYLE.get(row.kind, ("black", "."))
        for ax in axes:
            ax.axvline(row.date, color=color, alpha=0.25, lw=0.8)
        label = row.kind if row.kind not in seen else None
        seen.add(row.kind)
        size = 20 + 4 * (0 if pd.isna(row.killed_best) else int(row.killed_best))
        axes[3].scatter(row.date, 5.2, s=size, color=color, marker=marker, label=label, zorder=3)
    axes[3].legend(**_LEGEND)
    first, last = paths["date"].iloc[0], paths["date"].iloc[-1]
    if since == "auto":
        long = last - first > pd.Timedelta(days=4 * 365)
        start = last - pd.DateOffset(months=26) if long else first
    else:
        start = pd.Timestamp(since) if since is not None else first
    axes[3].set_xlim(
        max(start, paths["date"].iloc[0] - pd.Timedelta(days=14)),
        paths["date"].iloc[-1] + pd.Timedelta(days=7),
    )
    kind = (
        f"best figures; band: 5–95 % of {band.draws} draws within the sources' range"
        if band is not None
        else "best figures"
    )
    scenario = result.info.get("scenario")
    named = f"Scenario {scenario}: state" if scenario else "State"
    fig.suptitle(
        f"{named} replayed from the event timeline up to {result.as_of} ({kind})\n"
        "marker size: deaths (best figure); lines: events",
        fontsize=10,
    )
    return fig
