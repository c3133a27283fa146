"""The product's settings with :mod:`signed_in_floor`'s URLs: for the benchmark's server only."""

from polku.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.signed_in_floor"
