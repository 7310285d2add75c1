"""Daily records of a run, in persons: what the result files and figures are made from."""

from __future__ import annotations

import numpy as np

from model.schema import STATUSES


class Ledger:
    def __init__(self, days: int, checkpoints: int, provinces: int, states: int) -> None:
        statuses = len(STATUSES)
        self.crossed = np.zeros((days, checkpoints, statuses), dtype=np.int64)
        self.deported = np.zeros((days, checkpoints, statuses), dtype=np.int64)
        self.queue = np.zeros((days, checkpoints), dtype=np.int64)
        self.arrests = np.zeros((days, provinces, statuses), dtype=np.int64)
        self.left_home = np.zeros((days, provinces, statuses), dtype=np.int64)
        self.states = np.zeros((days, states, statuses), dtype=np.int64)

    def record_queue(self, day: int, checkpoint: int, persons: int) -> None:
        self.queue[day, checkpoint] = persons

    def recent_shares(
        self, day: int, group_persons: np.ndarray, window_days: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Shares of each (province, status) group's people arrested and departed in the
        `window_days` before `day` (arrays provinces x statuses).

        The window is days `day - window_days` to `day - 1`, shorter at the start of the run.
        Each status sees its own group: card holders modelled beside the undocumented leave
        the undocumented's signals as they were.
        """
        window = slice(max(0, day - window_days), day)
        arrested = self.arrests[window].sum(axis=0) / group_persons
        departed = self.left_home[window].sum(axis=0) / group_persons
        return arrested, departed
