"""A terminal progress bar for a long job: ``polku import run`` polls its run and hands the states to :func:`watch`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from polku.jobs.progress import ProgressState, eta_seconds, format_duration

__all__ = ["ProgressState", "watch"]


def watch(poll: Callable[[], ProgressState], *, stream: TextIO, interval: float = 1.0,
          sleep: Callable[[float], None] = time.sleep) -> ProgressState:
    """Print a bar (rows done / total, phase, time left) to ``stream`` until ``poll()`` says finished; return that state."""
    state = poll()
    with tqdm(total=state.total, unit=" riviä", file=stream, dynamic_ncols=False, ncols=100,
              bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt}{postfix}", mininterval=0) as bar:
        while True:
            bar.total = state.total
            bar.n = state.done
            bar.set_description_str(state.phase or "", refresh=False)
            left = None
            if state.started_at is not None:
                left = eta_seconds(state.done, state.total, state.started_at, timezone.now())
            bar.set_postfix_str(_("arviolta %(left)s jäljellä") % {"left": format_duration(left)} if left else "", refresh=False)
            bar.refresh()
            if state.finished:
                return state
            sleep(interval)
            state = poll()
