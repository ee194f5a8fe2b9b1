"""Checkpoint files: atomic writes that leave the previous file intact on failure, a digest of the weights that
catches flipped bytes, and one-line errors for files that are no checkpoint."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
import torch

from seqmodels.checkpoints import CheckpointError, read_checkpoint, weights_digest, write_atomically
from seqmodels.checkpoints import files as checkpoint_files
from seqmodels.checkpoints.files import DIGEST_KEY, save_checkpoint


def a_checkpoint(seed: int = 0) -> dict:
    generator = torch.Generator().manual_seed(seed)
    return {"state_dict": {"network.W_aa": torch.randn(64, 64, generator=generator),
                           "network.b": torch.randn(64, generator=generator)},
            "epoch": seed}


def fail_writes_after(monkeypatch: pytest.MonkeyPatch, allowed: int) -> None:
    """os.write in the checkpoint writer raises ENOSPC once ``allowed`` bytes have been written."""
    written = {"bytes": 0}
    real_write = os.write

    def write(descriptor: int, data) -> int:
        if written["bytes"] + len(data) > allowed:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written["bytes"] += len(data)
        return real_write(descriptor, data)

    monkeypatch.setattr(checkpoint_files.os, "write", write)
    monkeypatch.setattr(checkpoint_files, "_CHUNK", 1024)


def test_a_saved_checkpoint_reads_back_with_its_digest(tmp_path: Path) -> None:
    path = tmp_path / "last.ckpt"
    save_checkpoint(a_checkpoint(), path)
    loaded = read_checkpoint(path)
    assert loaded[DIGEST_KEY] == weights_digest(a_checkpoint()["state_dict"])
    assert torch.equal(loaded["state_dict"]["network.b"], a_checkpoint()["state_dict"]["network.b"])
    assert [p.name for p in tmp_path.iterdir()] == ["last.ckpt"]  # no temporary file left behind


def test_a_disk_full_half_way_leaves_the_previous_checkpoint_intact(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "last.ckpt"
    save_checkpoint(a_checkpoint(seed=1), path)
    before = path.read_bytes()
    fail_writes_after(monkeypatch, allowed=len(before) // 2)
    with pytest.raises(CheckpointError) as caught:
        save_checkpoint(a_checkpoint(seed=2), path)
    message = str(caught.value)
    assert "\n" not in message and str(tmp_path) in message and "No space left on device" in message
    assert "the previous last.ckpt is kept" in message
    assert path.read_bytes() == before
    assert read_checkpoint(path)["epoch"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["last.ckpt"]


def test_a_failed_first_save_leaves_no_partial_file_under_the_final_name(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    fail_writes_after(monkeypatch, allowed=100)
    with pytest.raises(CheckpointError, match="no best-epoch000.ckpt was written"):
        save_checkpoint(a_checkpoint(), tmp_path / "best-epoch000.ckpt")
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_folder_is_one_line_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(CheckpointError, match=f"{blocker}/checkpoints: could not write last.ckpt"):
        write_atomically(blocker / "checkpoints" / "last.ckpt", b"data")


def flip_bytes_inside_the_weights(path: Path, tensor: torch.Tensor, count: int = 64) -> None:
    data = bytearray(path.read_bytes())
    start = data.find(tensor.numpy().tobytes()[:256])
    assert start > 0, "the tensor's bytes are stored as they are in the zip archive"
    for offset in range(start + 100, start + 100 + count):
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def test_flipped_bytes_inside_the_weights_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "best.ckpt"
    checkpoint = a_checkpoint()
    save_checkpoint(checkpoint, path)
    flip_bytes_inside_the_weights(path, checkpoint["state_dict"]["network.W_aa"])
    torch.load(path, weights_only=True)  # torch itself notices nothing
    with pytest.raises(CheckpointError, match="do not match the digest saved with them: the file is corrupted"):
        read_checkpoint(path, option="ckpt_path=")


def test_a_checkpoint_without_a_digest_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "old.ckpt"
    torch.save(a_checkpoint(), path)
    assert DIGEST_KEY not in read_checkpoint(path)


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (b"garbage, not a checkpoint", "not a PyTorch zip archive"),
])
def test_files_that_are_no_checkpoint_are_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.ckpt"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=message):
        read_checkpoint(path)


def test_a_truncated_checkpoint_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "x.ckpt"
    save_checkpoint(a_checkpoint(), path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size - 300])
    with pytest.raises(CheckpointError, match="x.ckpt: not a checkpoint written by seqmodels"):
        read_checkpoint(path)


def test_a_folder_and_a_missing_file_are_named(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="is a folder, not a checkpoint file"):
        read_checkpoint(tmp_path)
    with pytest.raises(CheckpointError, match="no such checkpoint file"):
        read_checkpoint(tmp_path / "missing.ckpt")


def test_a_pickle_of_other_objects_is_never_unpickled(tmp_path: Path) -> None:
    path = tmp_path / "evil.ckpt"
    torch.save({"state_dict": {}, "payload": Path("/etc/passwd")}, path)  # not allowed under weights_only
    with pytest.raises(CheckpointError, match="holds objects other than weights"):
        read_checkpoint(path)
