"""``callbacks=ema``: Lightning's EMAWeightAveraging with its decay checked before training starts.

After every training step θ_ema = decay · θ_ema + (1 − decay) · θ. Lightning accepts decay = 1, where θ_ema never
moves from its first copy of θ, so validation, the checkpoints and the final model would silently be that copy;
and a decay that is not a number fails inside its comparison. Both are one-line errors here.
"""

from __future__ import annotations

from typing import Any

from pytorch_lightning.callbacks import EMAWeightAveraging


class ExponentialWeightAverage(EMAWeightAveraging):
    """EMAWeightAveraging whose ``decay`` must be a number in [0, 1); the other arguments are Lightning's."""

    def __init__(self, decay: float = 0.999, **kwargs: Any) -> None:
        if isinstance(decay, bool) or not isinstance(decay, (int, float)) or not 0.0 <= decay < 1.0:
            raise ValueError(f"decay must be a number in [0, 1) (the average spans about 1 / (1 − decay) steps; "
                             f"1 would never move), got {decay!r}")
        super().__init__(decay=float(decay), **kwargs)
