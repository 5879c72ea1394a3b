"""Progress bars of the bulk commands (``items import``, ``items export FILE``).

A bar is drawn only where someone watches it and nothing else is spoiled by it: on a terminal,
never with ``--json``, and only once the work reaches ``progress_from_rows`` rows (a small file
is done before a bar could be read). The bar is transient: it leaves no trace in the output.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import Progress, TaskID

from entrypoints.cli.state import CliState

#: ``show(description, done, total)``
Show = Callable[[str, int, int], None]


def _hidden(description: str, done: int, total: int) -> None:
    """No bar: the output is not a terminal, or is JSON."""


class _Bar:
    def __init__(self, progress: Progress, threshold: int) -> None:
        self.progress = progress
        self.threshold = threshold
        self.task: TaskID | None = None

    def show(self, description: str, done: int, total: int) -> None:
        if total < self.threshold:
            return
        if self.task is None:
            self.progress.start()
            self.task = self.progress.add_task(description, total=total)
        self.progress.update(self.task, description=description, completed=done, total=total)


@contextmanager
def progress_bar(state: CliState, *, enabled: bool = True) -> Iterator[Show]:
    """A ``show`` callback for the work inside the block; the bar goes when the block ends."""
    if not enabled or state.json_output or not state.console.is_terminal:
        yield _hidden
        return
    bar = _Bar(Progress(console=state.console, transient=True), state.progress_from_rows)
    try:
        yield bar.show
    finally:
        bar.progress.stop()
