"""Composing the real configs/ with Hydra's compose API, at sizes that train in a second."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, Sequence

from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, open_dict

from seqmodels.resolvers import register_resolvers
from seqmodels.train import run

register_resolvers()  # as train.py does before Hydra composes: the configs' ${run_folder:...}, ${metric_mode:...}, ...
ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "configs"
SHARED_DATA = Path(os.environ.get("SEQMODELS_DATA_DIR", ROOT.parent / "shared" / "data"))

# A few batches, no progress bar: seconds, not minutes.
TINY_TRAINER: List[str] = [
    "trainer.max_epochs=1",
    "trainer.log_every_n_steps=1",
    "trainer.limit_train_batches=3",
    "trainer.limit_val_batches=2",
    "trainer.limit_test_batches=2",
    "+trainer.enable_model_summary=false",
    "callbacks.rich_progress_bar=null",
]

# A tiny language model on the embedded corpus.
TINY: List[str] = [
    "model.embedding_size=8",
    "model.hidden_size=16",
    "data.bptt=20",
    "data.batch_size=4",
    "data.eval_batch_size=4",
    "callbacks.ngram_baseline.order=2",
    "task.sample_length=20",
    *TINY_TRAINER,
]

# The tagger at the same scale, on the embedded name-tagging sentences.
TINY_NER: List[str] = [
    "task=ner",
    "model.embedding_size=8",
    "model.hidden_size=8",
    "task.features.char_embedding_size=4",
    "task.features.char_hidden_size=4",
    "data.batch_size=8",
    "data.eval_batch_size=16",
    *TINY_TRAINER,
]

# The classifier at the same scale, on the embedded reviews.
TINY_SENTIMENT: List[str] = [
    "task=sentiment",
    "model.embedding_size=8",
    "model.hidden_size=8",
    "data.batch_size=8",
    "data.eval_batch_size=16",
    *TINY_TRAINER,
]

# word2vec at the same scale, on the words of the embedded corpus.
TINY_WORD2VEC: List[str] = [
    "task=word2vec",
    "model.embedding_size=8",
    "data.batch_size=64",
    "data.eval_batch_size=256",
    *TINY_TRAINER,
]

# GloVe at the same scale, on the co-occurrences of the embedded corpus.
TINY_GLOVE: List[str] = ["task=glove", "model.embedding_size=8", "data.batch_size=256", "data.eval_batch_size=1024",
                         *TINY_TRAINER]

# seq2seq at the same scale, on a few generated dates (16 per batch: limit_test_batches=2 tests all 32).
TINY_SEQ2SEQ: List[str] = [
    "task=seq2seq",
    "model.embedding_size=8",
    "model.hidden_size=8",
    "++data.num_examples.train=64",
    "++data.num_examples.valid=32",
    "++data.num_examples.test=32",
    "data.batch_size=16",
    "data.eval_batch_size=16",
    *TINY_TRAINER,
]


def compose_train(tmp_path: Path, overrides: Sequence[str] = (), tiny: Sequence[str] = TINY) -> DictConfig:
    """configs/train.yaml with ``tiny`` settings and ``overrides``, writing its run folder under ``tmp_path``."""
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        cfg = compose("train", overrides=[*tiny, f"paths.output_dir={tmp_path}", *overrides], return_hydra_config=True)
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        del cfg["hydra"]  # as in a real run, where the job's config has no hydra node
    return cfg


def train(tmp_path: Path, overrides: Sequence[str] = (), tiny: Sequence[str] = TINY) -> Dict[str, float]:
    return run(compose_train(tmp_path, overrides, tiny))
