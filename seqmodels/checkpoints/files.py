"""Reading and writing checkpoint files safely.

- :func:`write_atomically`: the bytes go to a temporary file in the target's own folder, are flushed and
  fsync'ed, then renamed over the target (``os.replace`` is atomic within a filesystem). A failed write
  (a full disk, a lost mount) removes the temporary file and leaves the previous checkpoint as it was.
- :func:`weights_digest`: sha256 over every tensor of a ``state_dict`` (name, dtype, shape, bytes), stored
  in the checkpoint under :data:`DIGEST_KEY` when it is written.
- :func:`read_checkpoint`: ``torch.load(..., weights_only=True)`` (no arbitrary pickle), then the digest is
  recomputed and compared; a mismatch, a truncated file or a file that is no checkpoint is a one-line
  :class:`CheckpointError` naming the file. Checkpoints written before the digest existed still load.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Optional, Union

import torch

from seqmodels.errors import DataError

DIGEST_KEY = "seqmodels_weights_sha256"
_CHUNK = 1 << 20  # bytes per write call


class CheckpointError(DataError):
    """A checkpoint file cannot be written or read back as it was written; the message names the file."""


def weights_digest(state_dict: Mapping[str, Any]) -> str:
    """sha256 over the tensors of ``state_dict`` in key order: each key, dtype, shape, then its raw bytes."""
    digest = hashlib.sha256()
    for name in sorted(state_dict):
        tensor = state_dict[name]
        if not isinstance(tensor, torch.Tensor):
            continue
        flat = tensor.detach().cpu().contiguous().reshape(-1)
        digest.update(f"{name}|{flat.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(flat.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def stamp(checkpoint: Dict[str, Any]) -> Dict[str, Any]:
    """``checkpoint`` with the digest of its ``state_dict`` stored under :data:`DIGEST_KEY`."""
    checkpoint[DIGEST_KEY] = weights_digest(checkpoint.get("state_dict", {}))
    return checkpoint


def write_atomically(path: Union[str, Path], data: bytes) -> None:
    """Write ``data`` to ``path`` all or nothing: a temporary file beside it, fsync, rename over it.

    On failure the temporary file is removed, ``path`` keeps its previous content, and a
    :class:`CheckpointError` names the folder and the reason.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view[:_CHUNK]):]
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
        _fsync_folder(path.parent)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        kept = f"the previous {path.name} is kept" if path.exists() else f"no {path.name} was written"
        raise CheckpointError(f"{path.parent}: could not write {path.name} "
                              f"({error.strerror or error}); {kept}") from None


def save_checkpoint(checkpoint: Dict[str, Any], path: Union[str, Path]) -> None:
    """Stamp ``checkpoint`` with its weights' digest and write it atomically to ``path``."""
    buffer = io.BytesIO()
    torch.save(stamp(checkpoint), buffer)
    write_atomically(path, buffer.getvalue())


def read_checkpoint(path: Union[str, Path], map_location: Optional[Union[str, torch.device, Callable]] = "cpu",
                    option: str = "") -> Dict[str, Any]:
    """The checkpoint at ``path``, loaded weights-only and checked against its digest.

    ``option`` names where the path came from (e.g. ``"ckpt_path="`` or ``"--ckpt "``) in the error messages.
    """
    path = Path(path)
    where = f"{option}{path}"
    if path.is_dir():
        raise CheckpointError(f"{where}: is a folder, not a checkpoint file")
    if not path.is_file():
        raise CheckpointError(f"{where}: no such checkpoint file")
    if path.stat().st_size == 0:
        raise CheckpointError(f"{where}: not a checkpoint written by seqmodels (the file is empty)")
    if not zipfile.is_zipfile(path):
        raise CheckpointError(f"{where}: not a checkpoint written by seqmodels (not a PyTorch zip archive: "
                              "truncated, or another kind of file)")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError:
        raise CheckpointError(f"{where}: not a checkpoint written by seqmodels (it holds objects other than "
                              "weights, which are never loaded: unpickling them could run code)") from None
    except (RuntimeError, EOFError, AttributeError, ValueError, zipfile.BadZipFile, OSError, IndexError, KeyError,
            UnicodeDecodeError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CheckpointError(f"{where}: not a checkpoint written by seqmodels (empty, truncated, corrupted or "
                              f"another kind of file: {reason[:160]})") from None
    if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("state_dict"), dict):
        raise CheckpointError(f"{where}: not a checkpoint written by seqmodels (it holds no state_dict)")
    verify(checkpoint, where)
    return checkpoint


def verify(checkpoint: Mapping[str, Any], where: str) -> None:
    """A :class:`CheckpointError` when the weights no longer match the digest they were saved with."""
    expected = checkpoint.get(DIGEST_KEY)
    if expected is None:
        return  # written before digests existed
    if weights_digest(checkpoint["state_dict"]) != expected:
        raise CheckpointError(f"{where}: the weights do not match the digest saved with them: the file is "
                              "corrupted (a bad disk or copy?); use another checkpoint")


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
