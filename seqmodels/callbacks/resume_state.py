"""What a checkpoint must hold besides the weights for a resumed run to train exactly as the uninterrupted one.

The loop position is Lightning's (``fit_loop`` state) and the data position the training loader's
(:class:`~seqmodels.data.batching.resumable.ResumableLoader`). This callback adds the random number generators —
torch (CPU and every CUDA device), Python's ``random`` and NumPy's — which draw dropout masks, sampled
negatives and scheduled-sampling coins. They are captured when a checkpoint is written and put back at
``on_train_start`` of the resumed run: after the loaders and the sanity check have drawn what they draw, right
before the first resumed batch is fetched, which is where the uninterrupted run stood when it saved.
"""

from __future__ import annotations

import random
from typing import Any, Dict, Optional

import numpy as np
import pytorch_lightning as pl
import torch


class ResumeState(pl.Callback):
    """Saves the random generators' states with every checkpoint; restores them when a run resumes."""

    def __init__(self) -> None:
        self._to_restore: Optional[Dict[str, Any]] = None

    def state_dict(self) -> Dict[str, Any]:
        kind, keys, position, has_gauss, gauss = np.random.get_state()
        return {
            "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "python": random.getstate(),
            "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)), "position": position,
                      "has_gauss": has_gauss, "gauss": gauss},
        }

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        self._to_restore = state_dict

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self._to_restore is None:
            return
        state, self._to_restore = self._to_restore, None
        torch.set_rng_state(state["torch"])
        if torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(state["cuda"])
        random.setstate(_as_tuples(state["python"]))
        numpy_state = state["numpy"]
        np.random.set_state((numpy_state["kind"], numpy_state["keys"].numpy().astype(np.uint32),
                             numpy_state["position"], numpy_state["has_gauss"], numpy_state["gauss"]))


def _as_tuples(value: Any) -> Any:
    """``random.setstate`` wants tuples where a round trip through the checkpoint may give lists."""
    return tuple(_as_tuples(v) for v in value) if isinstance(value, (list, tuple)) else value
