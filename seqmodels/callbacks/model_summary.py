"""``ParameterSummary``: the table of the task's modules and their parameters that Lightning prints when training
starts, without the FLOPs column."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from pytorch_lightning.callbacks import ModelSummary
from pytorch_lightning.utilities import rank_zero_info
from pytorch_lightning.utilities.model_summary.model_summary import _format_summary_table

FLOPS_COLUMN = "FLOPs"


class ParameterSummary(ModelSummary):
    """Lightning's model summary (name, type, parameters and mode of each module; the parameter totals and size)
    less its FLOPs column and total. Lightning counts FLOPs by running the module's ``example_input_array``, which
    the tasks do not define (a batch is several tensors), so they would all read 0."""

    @staticmethod
    def summarize(summary_data: List[Tuple[str, List[str]]], total_parameters: int, trainable_parameters: int,
                  model_size: float, total_training_modes: Dict[str, int], total_flops: int,
                  **summarize_kwargs: Any) -> None:
        columns = [column for column in summary_data if column[0] != FLOPS_COLUMN]
        table = _format_summary_table(total_parameters, trainable_parameters, model_size, total_training_modes,
                                      total_flops, *columns)
        rank_zero_info("\n" + "\n".join(line for line in table.splitlines() if not line.endswith("Total Flops")))
