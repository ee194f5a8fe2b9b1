"""The Lightning ``CheckpointIO`` every seqmodels trainer uses: atomic, digest-stamped writes and verified reads
(resuming with ``ckpt_path``, testing with ``train=false``, reloading the best checkpoint after training)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, Optional, Union

from lightning_fabric.plugins import CheckpointIO

from seqmodels.checkpoints.files import read_checkpoint, save_checkpoint


class SafeCheckpointIO(CheckpointIO):
    """Saves through :func:`~seqmodels.checkpoints.files.save_checkpoint` (temporary file beside the target,
    fsync, rename) and loads through :func:`~seqmodels.checkpoints.files.read_checkpoint` (weights only,
    digest checked)."""

    def save_checkpoint(self, checkpoint: Dict[str, Any], path: Union[str, Path],
                        storage_options: Optional[Any] = None) -> None:
        if storage_options is not None:
            raise TypeError("SafeCheckpointIO takes no storage_options")
        save_checkpoint(checkpoint, path)

    def load_checkpoint(self, path: Union[str, Path], map_location: Optional[Callable] = None,
                        weights_only: Optional[bool] = None) -> Dict[str, Any]:
        return read_checkpoint(path, map_location=map_location or "cpu", option="ckpt_path=")

    def remove_checkpoint(self, path: Union[str, Path]) -> None:
        Path(path).unlink(missing_ok=True)
