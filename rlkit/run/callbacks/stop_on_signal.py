"""Ctrl-C and SIGTERM stop a run cleanly, at the end of the env step under way."""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING, Any

from rlkit.run.callbacks.base import Callback

if TYPE_CHECKING:
    from rlkit.run.context import RunContext


class TrainingStopped(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped a run; ``signum`` says which (the CLI exits with 128 + it)."""

    def __init__(self, signum: int) -> None:
        """Remember the signal."""
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class StopOnSignal(Callback):
    """While training, Ctrl-C (SIGINT) and SIGTERM only ask the run to stop: it stops at the end
    of the env step under way, so the checkpoint the run then writes holds a whole step and
    resuming from it is exact. A second signal stops at once (say, in a long evaluation).

    Signal handlers belong to the main thread; elsewhere (a run in a worker thread) this does
    nothing and the signals act as usual.
    """

    def __init__(self) -> None:
        """No stop asked for yet."""
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}
        self._run: RunContext | None = None

    def on_training_start(self, run: RunContext) -> None:
        """Install the handlers."""
        self._run = run
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._ask)

    def _ask(self, signum: int, frame: Any) -> None:
        # Outside the env steps (the final checkpoint and evaluation) there is no step to finish.
        if self.signum is not None or self._run is None or not self._run.collecting:
            raise TrainingStopped(signum)
        self.signum = signum

    def on_step(self, run: RunContext) -> bool:
        """Raise ``TrainingStopped`` if a signal came since training started."""
        if self.signum is not None:
            raise TrainingStopped(self.signum)
        return True

    def on_training_end(self, run: RunContext) -> None:
        """Put the previous handlers back."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()
