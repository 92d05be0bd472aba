"""Too few or too many runs on a run chart, from the exact run-count distribution.

A run is one or more consecutive points on the same side of the median; points on the median
are left out. With ``n1`` points on one side and ``n2`` on the other, in random order, the
number of runs R has the distribution of Swed and Eisenhart (1943):

    P(R = 2k)     = 2 C(n1-1, k-1) C(n2-1, k-1) / C(n1+n2, n1)
    P(R = 2k + 1) = [C(n1-1, k) C(n2-1, k-1) + C(n1-1, k-1) C(n2-1, k)] / C(n1+n2, n1)

The run-chart table (Perla, Provost and Murray 2011, after Swed and Eisenhart) is indexed by
the number of useful observations N alone, so it takes the even split n1 = N // 2,
n2 = N - n1, and a 5% risk shared between the two tails: fewer runs than ``lower`` is too few
when P(R < lower) <= 2.5% < P(R <= lower); more than ``upper`` is too many likewise. Exact
integer arithmetic up to ``EXACT_UP_TO`` useful observations; above that, where the integers
grow to thousands of digits, the same sums in floating point from log-gamma (the two agree
wherever both are tried: see the tests). Each N is worked out once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import exp, floor, lgamma, sqrt

ALPHA = Fraction(1, 20)  # both tails together
MIN_USEFUL = 10  # the published table starts at 10 useful observations
EXACT_UP_TO = 1000


@dataclass(frozen=True)
class RunsLimits:
    """For ``useful`` points off the median: fewer than ``lower`` runs is too few, more than
    ``upper`` too many."""

    useful: int
    lower: int
    upper: int


def _binomials(m: int) -> list[int]:
    """C(m, 0..m), by the multiplicative recurrence."""
    row = [1]
    for k in range(m):
        row.append(row[-1] * (m - k) // (k + 1))
    return row


def run_counts(n1: int, n2: int) -> dict[int, int]:
    """How many of the C(n1+n2, n1) arrangements have each number of runs (n1, n2 >= 1)."""
    a, b = _binomials(n1 - 1), _binomials(n2 - 1)

    def c(row: list[int], k: int) -> int:
        return row[k] if 0 <= k < len(row) else 0

    counts = {}
    for r in range(2, n1 + n2 + 1):
        k = r // 2
        if r % 2 == 0:
            ways = 2 * c(a, k - 1) * c(b, k - 1)
        else:
            ways = c(a, k) * c(b, k - 1) + c(a, k - 1) * c(b, k)
        if ways:
            counts[r] = ways
    return counts


def run_distribution(n1: int, n2: int) -> dict[int, Fraction]:
    """P(R = r) for every possible number of runs r."""
    counts = run_counts(n1, n2)
    total = sum(counts.values())
    return {r: Fraction(ways, total) for r, ways in counts.items()}


def expected_runs(n1: int, n2: int) -> Fraction:
    return 1 + Fraction(2 * n1 * n2, n1 + n2)


@lru_cache(maxsize=256)
def runs_limits(useful: int) -> RunsLimits | None:
    """The limits for ``useful`` points off the median; None below ``MIN_USEFUL``."""
    if useful < MIN_USEFUL:
        return None
    return (exact_limits if useful <= EXACT_UP_TO else float_limits)(useful)


def exact_limits(useful: int) -> RunsLimits:
    counts = sorted(run_counts(useful // 2, useful - useful // 2).items())
    total, tail = sum(ways for _, ways in counts), ALPHA / 2

    def first_over(ordered: list[tuple[int, int]]) -> int:
        running = 0
        for r, ways in ordered:
            running += ways
            if running * tail.denominator > tail.numerator * total:
                return r
        raise AssertionError("a distribution sums to one")  # pragma: no cover

    return RunsLimits(useful, first_over(counts), first_over(counts[::-1]))


def float_limits(useful: int) -> RunsLimits:
    """The same limits from log-gamma in floating point, for long series."""
    n1, n2 = useful // 2, useful - useful // 2

    def log_c(m: int, k: int) -> float | None:
        return lgamma(m + 1) - lgamma(k + 1) - lgamma(m - k + 1) if 0 <= k <= m else None

    log_total = lgamma(useful + 1) - lgamma(n1 + 1) - lgamma(n2 + 1)

    def p(r: int) -> float:
        k = r // 2
        pairs = [(k - 1, k - 1), (k - 1, k - 1)] if r % 2 == 0 else [(k, k - 1), (k - 1, k)]
        logs = [(log_c(n1 - 1, i), log_c(n2 - 1, j)) for i, j in pairs]
        return sum(exp(a + b - log_total) for a, b in logs if a is not None and b is not None)

    def first_over(ordered: range) -> int:
        running = 0.0
        for r in ordered:
            running += p(r)
            if running > float(ALPHA) / 2:
                return r
        raise AssertionError("a distribution sums to one")  # pragma: no cover

    # Runs more than 12 standard deviations from the mean have probabilities below 1e-30:
    # the sums start there.
    mean = 1 + 2 * n1 * n2 / useful
    sd = sqrt(2 * n1 * n2 * (2 * n1 * n2 - useful) / (useful * useful * (useful - 1)))
    lo, hi = max(2, floor(mean - 12 * sd)), min(useful, floor(mean + 12 * sd) + 1)
    return RunsLimits(useful, first_over(range(lo, hi + 1)), first_over(range(hi, lo - 1, -1)))


def count_runs(sides: Sequence[int]) -> int:
    """Runs in a sequence of sides (+1 above, -1 below, 0 on the median, which is skipped)."""
    useful = [s for s in sides if s]
    return sum(1 for i, s in enumerate(useful) if i == 0 or s != useful[i - 1])
