"""A progress bar over the named steps of a flow, on stderr (off unless asked for), and a second
row under it for long work inside a step (`report`: e5 embedding a first night's texts)."""
from __future__ import annotations

import functools
import resource
import time
from collections.abc import Callable, Sequence

from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

#: the Steps whose bar is on screen, for `report`
_shown: "Steps | None" = None


def step(function: Callable | None = None, *, retries: int = 0):
    """A Prefect task for one step of a flow run through ``Steps.run``. Steps pass large in-memory
    data, so nothing is cached, and the result comes back ``quote()``d: Prefect otherwise links every
    item of a returned list to its task until the flow ends (a million floats: 3 s and 150 MB).
    ``Steps.run`` unquotes it."""
    def wrap(function: Callable) -> Task:
        @functools.wraps(function)
        def quoted(*args, **kwargs):
            return quote(function(*args, **kwargs))

        return task(quoted, cache_policy=NO_CACHE, retries=retries, retry_delay_seconds=2 if retries else 0)

    return wrap(function) if function is not None else wrap


def report(what: str, done: int, total: int) -> None:
    """Progress inside the running step ("embedding 2,048/4,846") on the shown bar's second row;
    nothing without one. The row goes when ``done`` reaches ``total``."""
    if _shown is not None:
        _shown.inner(what, done, total)


class Steps:
    """Also keeps each step's wall seconds and the process's peak memory after it (MB): where a night's
    time and memory go, in the run record."""

    def __init__(self, names: Sequence[str], enabled: bool = True):
        self.names, self.enabled, self._progress, self._inner = list(names), enabled, None, None
        self.seconds: dict[str, float] = {}
        self.peak_mb: dict[str, int] = {}

    def __enter__(self) -> "Steps":
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
                                      TimeElapsedColumn(), console=Console(stderr=True))
            self._progress.start()
            self._task = self._progress.add_task(self.names[0], total=len(self.names))
            global _shown
            _shown = self
        return self

    def inner(self, what: str, done: int, total: int) -> None:
        if self._inner is None:
            self._inner = self._progress.add_task(f"  {what}", total=total)
        self._progress.update(self._inner, completed=done, total=total)
        if done >= total:
            self._progress.remove_task(self._inner)
            self._inner = None

    def run(self, name: str, function: Callable, *args):
        if self._progress:
            self._progress.update(self._task, description=name)
        if isinstance(function, Task):  # Prefect walks every argument looking for futures: a minute per
            args = tuple(quote(a) for a in args)  # step at a million messages; quote() skips the walk
        start = time.perf_counter()
        result = function(*args)
        if isinstance(result, quote):  # a `step`'s result
            result = result.unquote()
        self.seconds[name] = round(time.perf_counter() - start, 2)
        self.peak_mb[name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # KiB on Linux
        if self._progress:
            self._progress.advance(self._task)
        return result

    def __exit__(self, *exc) -> None:
        global _shown
        if self._progress:
            self._progress.stop()
            _shown = None
