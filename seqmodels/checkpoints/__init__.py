"""Checkpoint files that cannot be lost or silently wrong: written atomically beside their target, stamped with
a digest of their weights, and checked against it wherever they are read."""

from seqmodels.checkpoints.compatibility import check_resumable, check_task_kind, task_class_name
from seqmodels.checkpoints.files import (
    CheckpointError,
    read_checkpoint,
    weights_digest,
    write_atomically,
)
from seqmodels.checkpoints.io import SafeCheckpointIO

__all__ = ["CheckpointError", "SafeCheckpointIO", "check_resumable", "check_task_kind", "read_checkpoint",
           "task_class_name", "weights_digest", "write_atomically"]
