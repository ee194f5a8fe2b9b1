"""Vanishing and exploding gradients made visible: ‖∂L/∂a<t>‖ for every step t of a recurrent layer.

Back-propagation through time sends the loss's gradient back along the recurrence,

    ∂L/∂a<t> = ∂L<t>/∂a<t>  +  (∂a<t+1>/∂a<t>)ᵀ ∂L/∂a<t+1>          (the TOTAL derivative)

so the gradient reaching an early step is a product of T - t Jacobians; for the basic RNN
∂a<t+1>/∂a<t> = diag(g'(z<t+1>)) W_aa. When their norms stay below 1 the gradient vanishes
(early steps learn nothing), above 1 it explodes. :func:`record_states` measures it:

    with record_states(model) as record:          # every Recurrent inside model
        loss = criterion(model(x), y)
        loss.backward()
        norms = record.gradient_norms()           # {"layer0": (T,), "layer0_reverse": (T,), ...}

For one forward pass each Recurrent keeps its per-step states a[l]<t> (every layer l and
direction) as tensors inside the autograd graph, with ``retain_grad()``, so after ``backward()``
their ``.grad`` is the total derivative above. Only the ``reference`` backend runs the cell step
by step in Python, so the context runs every Recurrent on it (same parameters, same math: the
loss and every parameter gradient are those of the usual backend up to rounding) and puts the
backend asked for back on exit. For the LSTM a<t> is the hidden state, not the memory c<t>.

Ragged batches: past a sequence's length the step's a<t> is discarded (the state is carried),
so its gradient there is exactly 0; :meth:`StateRecord.gradient_norms` averages each step over
the sequences that have a real token at that step only (NaN where none has).
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import torch
from torch import Tensor, nn

from seqmodels.nn.recurrent import Recurrent

__all__ = ["StateRecord", "record_states"]


class StateRecord:
    """The per-step states of every Recurrent in a module, for one forward pass.

    Use it through :func:`record_states` (``with``), or :meth:`start` / :meth:`stop` where entering and
    leaving happen in different places (a Lightning callback's hooks). Only the first forward pass of each
    Recurrent while recording is kept; later ones run on the reference backend but are not recorded.
    """

    def __init__(self, module: nn.Module) -> None:
        found = [(name, m) for name, m in module.named_modules() if isinstance(m, Recurrent)]
        self._recurrents: List[Tuple[str, Recurrent]] = found
        # several Recurrents (an encoder and a decoder): keys "encoder/layer0", ...; one: "layer0"
        self._prefixes = {name: (f"{name or 'recurrent'}/" if len(found) > 1 else "") for name, _ in found}
        self._saved: List[Tuple[Recurrent, str, object]] = []
        self._states: Dict[str, Tuple[List[Tensor], Optional[Tensor]]] = {}
        self._done: set = set()

    @property
    def recurrent_names(self) -> List[str]:
        """The module names of the Recurrent layers found ("" for the module itself)."""
        return [name for name, _ in self._recurrents]

    @property
    def active(self) -> bool:
        return bool(self._saved)

    def start(self) -> "StateRecord":
        """Put every Recurrent on the reference backend with a recording hook; forget earlier records."""
        if self.active:
            raise RuntimeError("StateRecord.start: already recording")
        self.clear()
        try:
            for name, recurrent in self._recurrents:
                self._saved.append((recurrent, recurrent.backend, recurrent.__dict__.get("_state_recorder")))
                recurrent.backend = "reference"
                recurrent._state_recorder = self._recorder(name)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Give every Recurrent its backend and hook back; the recorded states (and their .grad) stay readable."""
        while self._saved:
            recurrent, backend, recorder = self._saved.pop()
            recurrent.backend = backend
            if recorder is None:
                recurrent.__dict__.pop("_state_recorder", None)
            else:
                recurrent._state_recorder = recorder  # type: ignore[assignment]

    def clear(self) -> None:
        """Drop the recorded states (they hold the autograd graph's tensors)."""
        self._states = {}
        self._done = set()

    def __enter__(self) -> "StateRecord":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _recorder(self, name: str):
        prefix = self._prefixes[name]

        def record(layer: int, direction: int, steps: List[Tensor], mask: Optional[Tensor]) -> None:
            key = f"{prefix}layer{layer}" + ("_reverse" if direction else "")
            if key in self._states:  # a second forward pass of this Recurrent: keep the first one only
                self._done.add(name)
            if name in self._done:
                return
            if steps:
                self._states[key] = (steps, mask)

        return record

    def states(self) -> Dict[str, List[Tensor]]:
        """The recorded a<t> by layer, in time order: T tensors (B, H) each, inside the autograd graph."""
        return {key: list(steps) for key, (steps, _) in self._states.items()}

    def gradient_norms(self, reduction: str = "mean") -> Dict[str, Tensor]:
        """‖∂L/∂a[l]<t>‖ per layer (call it after ``loss.backward()``), as float32 CPU tensors.

        For each sequence b the Euclidean norm over the H units, n_b<t> = ‖∂L/∂a<t>_b‖₂, then

        - ``reduction="mean"`` (default): (T,), the mean of n_b<t> over the sequences b whose step t is
          real (all of them without padding); NaN at a step where no sequence has a real token;
        - ``reduction="none"``: (T, B), n_b<t>, NaN at padded positions.

        Keys are ``layer{l}`` and ``layer{l}_reverse`` (l from 0), prefixed with the Recurrent's module
        name (``encoder/layer0``) when the module holds several. A state the loss does not depend on
        has no .grad and counts as 0. Raises RuntimeError if nothing was recorded (no Recurrent ran
        with gradients enabled inside the context).
        """
        if reduction not in ("mean", "none"):
            raise ValueError(f"gradient_norms: reduction must be 'mean' or 'none', got {reduction!r}")
        if not self._states:
            raise RuntimeError("gradient_norms: no states were recorded; run a forward pass with gradients "
                               "enabled inside record_states(...), then loss.backward()")
        norms: Dict[str, Tensor] = {}
        for key, (steps, mask) in self._states.items():
            per_step = torch.stack([
                (a.grad if a.grad is not None else torch.zeros_like(a)).detach().float().norm(dim=-1)
                for a in steps
            ]).cpu()  # (T, B)
            real = torch.ones_like(per_step, dtype=torch.bool) if mask is None else mask[..., 0].cpu()
            per_step = per_step.masked_fill(~real, float("nan"))
            if reduction == "none":
                norms[key] = per_step
            else:
                count = real.sum(dim=1)
                total = per_step.nan_to_num(0.0).sum(dim=1)
                norms[key] = torch.where(count > 0, total / count.clamp(min=1), torch.full_like(total, float("nan")))
        return norms


def record_states(module: nn.Module) -> StateRecord:
    """A context manager recording a<t> of every :class:`Recurrent` in ``module`` (``module`` itself included)
    for one forward pass, on the reference backend; see the module docstring. ``with record_states(m) as r:``."""
    return StateRecord(module)
