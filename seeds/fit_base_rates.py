"""Fit the militant base rates of the scenario to ``seeds/militant_tempo.csv``.

Run ``python seeds/fit_base_rates.py``. It prints the attack tempo (attacks per day), the mean
non-militant deaths per attack with the security personnel's share of them, and the scale of the
discrete Lomax (Pareto II) casualty law ``K = floor(scale * (U ** (-1 / (alpha - 1)) - 1))`` that
gives that mean, for tail exponents alpha = 2.4 (Clauset, Young & Gleditsch 2007) and 2.5
(Bohorquez et al. 2009). It then checks the tail against the attacks of 10 or more deaths in
``seeds/pak_afg_events.csv``, beside a few lighter tails. ``seeds/README.md`` quotes the output.
"""

from __future__ import annotations

import calendar
import datetime

from scipy.optimize import brentq
from scipy.special import zeta
from scipy.stats import poisson

from sim.history.timeline import load_events, load_tempo

ALPHAS = (2.4, 2.5)
CONTRAST = (2.2, 3.0, 4.0)  # other tails, to show how weakly the timeline pins alpha down
CAP = 150  # the scenario's default `max_deaths_per_attack`
BIG = 10  # deaths that make an attack "major"
# The timeline lists militant attacks densely only from the October 2025 crisis on.
WINDOW = (datetime.date(2025, 10, 9), datetime.date(2026, 2, 22))
MILITANTS = ("ttp", "iskp", "jua", "militants")


def survival(k: float, alpha: float, scale: float) -> float:
    """P(K >= k) of the discrete Lomax law: ``(1 + k / scale) ** -(alpha - 1)`` for k >= 0."""
    return (1.0 + k / scale) ** -(alpha - 1.0)


def mean_deaths(alpha: float, scale: float, cap: int | None = None) -> float:
    """E[K] (or E[min(K, cap)]) as ``sum_{k>=1} P(K >= k)``, summed with the Hurwitz zeta."""
    c = alpha - 1.0
    total = zeta(c, scale + 1.0)
    if cap is not None:
        total -= zeta(c, scale + cap + 1.0)
    return scale**c * total


def fit_scale(alpha: float, target: float, cap: int | None = None) -> float:
    """Solve for the scale at which the mean deaths per attack equal `target`."""
    return brentq(lambda s: mean_deaths(alpha, s, cap) - target, 1e-6, 1e3, xtol=1e-12)


def main() -> None:
    """Print the fitted base rates."""
    tempo = load_tempo().set_index(["source", "year", "scope"])
    nation = tempo.loc[("PIPS", 2025, "pakistan")].to_dict()
    kp_attacks = int(tempo.loc[("PIPS", 2025, "khyber_pakhtunkhwa"), "attacks"])
    attacks, security, civilian = (
        nation[k] for k in ("attacks", "killed_security", "killed_civilian")
    )
    days = 366 if calendar.isleap(2025) else 365
    rate = attacks / days
    per_attack = (security + civilian) / attacks
    print("PIPS 2025")
    print(f"  attacks per day, nationwide      {attacks}/{days} = {rate:.3f}")
    print(f"  attacks per day, KP              {kp_attacks}/{days} = {kp_attacks / days:.3f}")
    print(
        f"  non-militant deaths per attack   ({security} + {civilian})/{attacks} = {per_attack:.3f}"
    )
    print(
        f"  security personnel's share       {security}/{security + civilian}"
        f" = {security / (security + civilian):.3f}"
    )
    print(
        f"  all deaths per attack            {nation['killed']}/{attacks}"
        f" = {nation['killed'] / attacks:.3f}"
    )

    events = load_events()
    major = events[
        events["date"].dt.date.between(*WINDOW)
        & (events["kind"] == "attack")
        & events["actor"].isin(MILITANTS)
        & (events["killed_best"] >= BIG)
    ]
    span = (WINDOW[1] - WINDOW[0]).days + 1
    dates = ", ".join(str(date.date()) for date in major["date"])
    print(
        f"\nTimeline {WINDOW[0]} to {WINDOW[1]} ({span} days): {len(major)} attacks with "
        f">= {BIG} deaths ({dates}), a lower bound"
    )

    print(f"\nDiscrete Lomax with mean {per_attack:.3f} deaths per attack")
    for alpha in ALPHAS:
        for cap in (None, CAP):
            scale = fit_scale(alpha, per_attack, cap)
            p_big = survival(BIG, alpha, scale)
            expected = rate * span * p_big
            print(
                f"  alpha {alpha}, cap {cap or 'none':>4}: scale {scale:.3f}; "
                f"P(K = 0) {1.0 - survival(1, alpha, scale):.3f}; P(K >= {BIG}) {p_big:.4f}; "
                f"expected in window {expected:.2f}; "
                f"P(at least {len(major)}) {poisson.sf(len(major) - 1, expected):.3f}"
            )
    for alpha in CONTRAST:
        scale = fit_scale(alpha, per_attack, CAP)
        expected = rate * span * survival(BIG, alpha, scale)
        print(
            f"  contrast: alpha {alpha}, cap {CAP}: scale {scale:.3f}; "
            f"expected in window {expected:.2f}"
        )

    ttp = tempo.loc[("Global Terrorism Index 2025", 2024, "pakistan_ttp")].to_dict()
    ttp_days = 366 if calendar.isleap(2024) else 365
    ttp_rate, ttp_mean = ttp["attacks"] / ttp_days, ttp["killed"] / ttp["attacks"]
    print("\nTTP only (Global Terrorism Index 2025, year 2024)")
    print(f"  attacks per day                  {ttp['attacks']}/{ttp_days} = {ttp_rate:.3f}")
    print(f"  deaths per attack                {ttp['killed']}/{ttp['attacks']} = {ttp_mean:.3f}")
    print(f"  alpha 2.5, cap {CAP}: scale {fit_scale(2.5, ttp_mean, CAP):.3f}")


if __name__ == "__main__":
    main()
