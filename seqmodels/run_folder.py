"""``${run_folder:<parent>}``: a new folder for each run (and sweep), created atomically, named by the time it
started.

Two runs started in the same second (``python train.py ... &`` three times) must never share a folder:
the first takes ``<parent>/2026-11-29_18-30-00``, the next ``..._18-30-00_2``, then ``_3`` … — ``os.mkdir``
either creates the folder or fails because another process has it, so no two processes can both win a name.
The answer is kept for the life of the process, so every later look-up of ``hydra.run.dir`` (Hydra's own,
Lightning's DDP launcher, which hands it to the processes it starts) gets the same folder.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Dict

from omegaconf import OmegaConf

RESOLVER = "run_folder"
_MOST_SUFFIXES = 10_000
_chosen: Dict[str, str] = {}  # parent -> the folder this process created in it


def run_folder(parent: str) -> str:
    """A folder of ``parent`` that did not exist and now does (created by this call), e.g.
    ``logs/lm/runs/2026-11-29_18-30-00_2``; the same one on every later call with the same ``parent``.

    A parent that cannot be created (``SEQMODELS_LOG_DIR=/proc/nope``) ends the program with a one-line error:
    this runs inside Hydra's set-up, before any of seqmodels' own error handling.
    """
    if parent in _chosen:
        return _chosen[parent]
    stamp = time.strftime("%Y-%m-%d_%H-%M-%S")
    try:
        Path(parent).mkdir(parents=True, exist_ok=True)
        for number in range(1, _MOST_SUFFIXES + 1):
            folder = os.path.join(parent, stamp if number == 1 else f"{stamp}_{number}")
            try:
                os.mkdir(folder)
            except FileExistsError:
                continue
            _chosen[parent] = folder
            return folder
    except OSError as error:
        sys.exit(f"error: paths.log_dir (SEQMODELS_LOG_DIR): cannot create the run folder in {parent} "
                 f"({error.strerror or error}); point it at a writable folder")
    sys.exit(f"error: {parent} already holds {_MOST_SUFFIXES} runs started at {stamp}")


def register_run_folder_resolver() -> None:
    """Make ``${run_folder:...}`` available to the configs (configs/hydra/default.yaml). Its answer is also
    cached in the config, which Hydra copies into every sweep job's config (``OmegaConf.copy_cache``), so the
    jobs of a sweep run by other processes (joblib, submitit) find the sweep folder their launcher created."""
    if not OmegaConf.has_resolver(RESOLVER):
        OmegaConf.register_new_resolver(RESOLVER, run_folder, use_cache=True)


def forget_run_folders() -> None:
    """Let the next run of this process create a new folder (several runs in one process, as in the tests)."""
    _chosen.clear()
