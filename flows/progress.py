"""A progress bar over the named steps of a flow, on stderr (off unless asked for)."""
from __future__ import annotations

import resource
import time
from collections.abc import Callable, Sequence

from prefect import Task
from prefect.utilities.annotations import quote


class Steps:
    """Also keeps each step's wall seconds and the process's peak memory after it (MB): where a night's
    time and memory go, in the run record."""

    def __init__(self, names: Sequence[str], enabled: bool = True):
        self.names, self.enabled, self._progress = list(names), enabled, None
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
        return self

    def run(self, name: str, function: Callable, *args):
        if self._progress:
            self._progress.update(self._task, description=name)
        if isinstance(function, Task):  # Prefect walks every argument looking for futures: a minute per
            args = tuple(quote(a) for a in args)  # step at a million messages; quote() skips the walk
        start = time.perf_counter()
        result = function(*args)
        self.seconds[name] = round(time.perf_counter() - start, 2)
        self.peak_mb[name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # KiB on Linux
        if self._progress:
            self._progress.advance(self._task)
        return result

    def __exit__(self, *exc) -> None:
        if self._progress:
            self._progress.stop()
