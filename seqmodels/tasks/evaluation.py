"""``evaluation_mode(module)``: run a block in eval mode (dropout off) and put the mode back after it."""

from __future__ import annotations

import contextlib
from typing import Iterator

from torch import nn


@contextlib.contextmanager
def evaluation_mode(module: nn.Module) -> Iterator[nn.Module]:
    """``module.eval()`` for the block, then ``module.train(mode)`` with the mode it had before, also when the
    block raises or a generator using it is closed early."""
    was_training = module.training
    module.eval()
    try:
        yield module
    finally:
        module.train(was_training)
