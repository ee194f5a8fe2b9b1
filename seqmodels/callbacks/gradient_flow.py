"""Vanishing and exploding gradients made visible in TensorBoard.

Once every ``every_n_epochs`` epochs, on the first training batch of the epoch, the task's ``network`` runs with
:func:`seqmodels.nn.state_gradients.record_states`: every Recurrent keeps its per-step states a[l]<t> in the
autograd graph (on the reference backend, for that one step), and after ``backward()`` the callback reads

    ‖∂L/∂a[l]<t>‖, t = 1..T      (the total derivative through every later step; mean over the batch)

and logs, per layer (``layer0``, ``layer0_reverse``, ...):

- ``gradient_flow/<layer>/first_step``, ``gradient_flow/<layer>/last_step`` and
  ``gradient_flow/<layer>/first_over_last`` (≪ 1: the gradient vanishes on its way back to the first
  steps; ≫ 1: it explodes);
- a figure ``gradient_flow/norms`` (norm against t, log y axis, one line per layer) in the IMAGES tab.

First and last are in time order (t = 1 and the last step with a real token). The forward direction's
gradient travels back from t = T towards t = 1, so there vanishing shows as first_over_last ≪ 1; a
``_reverse`` direction runs from T down to 1 and its gradient travels the other way (vanishing: ≫ 1).

Every training step (with an optimizer step) it also logs the global gradient norm ‖g‖₂ over all parameters:

- ``grad_norm/before_clip`` in ``on_before_optimizer_step``: Lightning 2.6 calls that hook from
  ``Precision._after_closure`` just BEFORE ``configure_gradient_clipping`` (and after AMP's unscale_);
- ``grad_norm/after_clip`` in ``on_train_batch_end``, after ``optimizer.step()`` (the gradients are still
  there: the automatic loop zeroes them inside the NEXT step's closure; ``on_before_zero_grad`` runs
  there, so it would see the previous step's gradients and never the last step's);
- ``grad_norm/clipped_steps``: how many steps so far were clipped, i.e. with the trainer's
  ``gradient_clip_val`` c > 0 and ``gradient_clip_algorithm`` "norm": ‖g‖₂ > c; "value": some |g_i| > c.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional

import pytorch_lightning as pl
import torch
from matplotlib.figure import Figure
from pytorch_lightning.loggers import TensorBoardLogger
from pytorch_lightning.utilities import rank_zero_warn
from torch import Tensor, nn

from seqmodels.nn.state_gradients import StateRecord, record_states
from seqmodels.tasks.base import SequenceTask

__all__ = ["GradientFlow", "gradient_flow_figure"]


def gradient_flow_figure(norms: Dict[str, Tensor], title: str = "", max_steps_shown: Optional[int] = None) -> Figure:
    """‖∂L/∂a<t>‖ against t (from 1), log y axis, one line per layer; without pyplot (headless, thread-safe)."""
    figure = Figure(figsize=(6.0, 3.5))
    axes = figure.add_subplot()
    for layer, values in norms.items():
        values = values.detach().float().cpu()
        if max_steps_shown is not None and values.numel() > max_steps_shown:
            values = values[:max_steps_shown]
        steps = torch.arange(1, values.numel() + 1)
        keep = torch.isfinite(values) & (values > 0)  # zeros and NaN (padding) cannot sit on a log axis
        axes.plot(steps[keep].numpy(), values[keep].numpy(), marker=".", label=layer)
    axes.set_yscale("log")
    axes.set_xlabel("time step t")
    axes.set_ylabel("‖∂L/∂a<t>‖")
    axes.set_title(title or "gradient reaching each step (mean over the batch)")
    axes.grid(True, which="both", alpha=0.3)
    if norms:
        axes.legend(fontsize="small")
    figure.tight_layout()
    return figure


def _global_norm(parameters: List[nn.Parameter]) -> Optional[float]:
    grads = [p.grad.detach() for p in parameters if p.grad is not None]
    if not grads:
        return None
    return float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g.float()) for g in grads])))


def _max_abs(parameters: List[nn.Parameter]) -> float:
    grads = [p.grad.detach() for p in parameters if p.grad is not None]
    return max((float(g.abs().max()) for g in grads if g.numel()), default=0.0)


class GradientFlow(pl.Callback):
    """Per-step gradient norms of the recurrent layers once per epoch, and the global gradient norm every step.

    Args:
        every_n_epochs: record the per-step norms on the first training batch of every n-th epoch.
        max_steps_shown: draw at most the first n steps in the figure (None: all); the scalars use all.

    The Recurrent layers are searched for in the task's ``network`` (:class:`~seqmodels.tasks.base.SequenceTask`).
    """

    def __init__(self, every_n_epochs: int = 1, max_steps_shown: Optional[int] = 200) -> None:
        if not isinstance(every_n_epochs, int) or every_n_epochs < 1:
            raise ValueError(f"GradientFlow: every_n_epochs must be an int >= 1, got {every_n_epochs!r}")
        if max_steps_shown is not None and max_steps_shown < 1:
            raise ValueError(f"GradientFlow: max_steps_shown must be >= 1 or None, got {max_steps_shown!r}")
        self.every_n_epochs = every_n_epochs
        self.max_steps_shown = max_steps_shown
        self.clipped_steps = 0
        self._record: Optional[StateRecord] = None
        self._before_clip: Optional[float] = None

    # ------------------------------------------------------------------ per-step norms, once per epoch

    def on_train_batch_start(self, trainer: pl.Trainer, pl_module: SequenceTask,  # type: ignore[override]
                             batch: Any, batch_idx: int) -> None:
        self._stop()
        if trainer.sanity_checking or batch_idx != 0 or trainer.current_epoch % self.every_n_epochs:
            return
        record = record_states(pl_module.network)
        if record.recurrent_names:
            self._record = record.start()
        elif trainer.current_epoch == 0:
            rank_zero_warn(f"GradientFlow: {type(pl_module).__name__} has no Recurrent layer, so there is no "
                           "gradient through time to show (only grad_norm/* is logged)")

    def on_after_backward(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        record = self._record
        if record is None:
            return
        self._stop()  # the backend asked for is back before anything else runs (e.g. the next micro-batch)
        try:
            norms = record.gradient_norms()
        except RuntimeError:
            return  # no Recurrent ran with gradients in this step
        finally:
            record.clear()
        self._log_flow(trainer, norms)

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, batch: Any,
                           batch_idx: int) -> None:
        self._stop()  # a step that returned no loss never reached on_after_backward
        if self._before_clip is None:
            return  # no optimizer step in this batch (gradient accumulation)
        after = _global_norm(list(pl_module.parameters()))
        self._before_clip = None
        if after is not None:
            pl_module.log("grad_norm/after_clip", after, on_step=True, on_epoch=False, batch_size=1)

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException) -> None:
        self._stop()

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._stop()

    def teardown(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        self._stop()

    def _stop(self) -> None:
        if self._record is not None:
            self._record.stop()
            self._record = None

    def _log_flow(self, trainer: pl.Trainer, norms: Dict[str, Tensor]) -> None:
        if not trainer.is_global_zero:
            return
        metrics: Dict[str, float] = {}
        for layer, values in norms.items():
            finite = values[torch.isfinite(values)]
            if finite.numel() == 0:
                continue
            first, last = float(finite[0]), float(finite[-1])
            metrics[f"gradient_flow/{layer}/first_step"] = first
            metrics[f"gradient_flow/{layer}/last_step"] = last
            metrics[f"gradient_flow/{layer}/first_over_last"] = first / last if last > 0 else math.inf
        for logger in trainer.loggers:  # directly: once an epoch, whatever log_every_n_steps says
            logger.log_metrics(metrics, step=trainer.global_step)
        tensorboards = [logger for logger in trainer.loggers if isinstance(logger, TensorBoardLogger)]
        if tensorboards:
            figure = gradient_flow_figure(norms, title=f"‖∂L/∂a<t>‖, epoch {trainer.current_epoch}",
                                          max_steps_shown=self.max_steps_shown)
            for logger in tensorboards:
                logger.experiment.add_figure("gradient_flow/norms", figure, global_step=trainer.global_step,
                                             close=True)

    # ------------------------------------------------------------------ global gradient norm, every step

    def on_before_optimizer_step(self, trainer: pl.Trainer, pl_module: pl.LightningModule,
                                 optimizer: torch.optim.Optimizer) -> None:
        parameters = list(pl_module.parameters())
        before = _global_norm(parameters)
        if before is None:
            return
        self._before_clip = before
        clip = trainer.gradient_clip_val
        if clip:
            algorithm = str(getattr(trainer.gradient_clip_algorithm, "value", trainer.gradient_clip_algorithm))
            clipped = _max_abs(parameters) > clip if algorithm == "value" else before > clip
            self.clipped_steps += int(clipped)
        pl_module.log("grad_norm/before_clip", before, on_step=True, on_epoch=False, batch_size=1)
        pl_module.log("grad_norm/clipped_steps", float(self.clipped_steps), on_step=True, on_epoch=False,
                      batch_size=1)

    def state_dict(self) -> Dict[str, Any]:
        return {"clipped_steps": self.clipped_steps}

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        self.clipped_steps = int(state_dict.get("clipped_steps", 0))
