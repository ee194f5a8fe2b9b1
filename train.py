"""Train a sequence model:  python train.py [group=option ...] [key=value ...]   (see configs/ and README.md)."""

import sys

import hydra
from omegaconf import DictConfig

from seqmodels.errors import SeqmodelsError
from seqmodels.resolvers import register_resolvers
from seqmodels.train import run

register_resolvers()  # ${run_folder:...}, ${job_dirname:...}, ${metric_mode:...}, ...: before Hydra composes


@hydra.main(config_path="configs", config_name="train", version_base="1.3")
def main(cfg: DictConfig) -> float:
    """Runs one job; returns the task's main validation metric for a sweeper to optimise."""
    try:
        metrics = run(cfg)
    except SeqmodelsError as error:
        sys.exit(f"error: {error}")
    return metrics.get(cfg.optimized_metric, float("nan"))


if __name__ == "__main__":
    main()
