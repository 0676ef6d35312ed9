"""Callbacks: everything around the hot loop, one file each, and the interface for your own.

from rlkit.run.callbacks import Callback

class PrintEpisodes(Callback):
    def on_record(self, run, record):
        if record.kind == "episode":
            print(record.step, record.values["episode_return"])

rlkit.train("dqn", "cartpole", callbacks=[PrintEpisodes()])
"""

from rlkit.run.callbacks.base import RECORD_KINDS, Callback, CallbackList, Record
from rlkit.run.callbacks.stop_at_return import StopAtReturn

__all__ = ["RECORD_KINDS", "Callback", "CallbackList", "Record", "StopAtReturn"]
