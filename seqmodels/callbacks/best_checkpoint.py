"""``checkpoints/best-*.ckpt``: Lightning's ModelCheckpoint, with the best score kept across a resume.

A resumed run writes to a new run folder. Lightning's ModelCheckpoint then forgets the best score so far
("the dirpath has changed"), so the first validation of the resumed run became "best" however bad it was, and
the final test could score a worse model than the uninterrupted run would. This one reloads the score, and
the path of the best checkpoint, whichever folder it is in; it never deletes files outside its own folder
(an earlier run's best stays where it is).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytorch_lightning as pl
from pytorch_lightning.callbacks import ModelCheckpoint


class BestCheckpoint(ModelCheckpoint):
    """A ModelCheckpoint on the task's main metric whose best score survives a resume into a new folder."""

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        super().load_state_dict({**state_dict, "dirpath": self.dirpath})

    def _remove_checkpoint(self, trainer: pl.Trainer, filepath: str) -> None:
        if self.dirpath is not None and Path(filepath).parent == Path(self.dirpath):
            super()._remove_checkpoint(trainer, filepath)
