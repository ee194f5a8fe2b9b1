"""Evaluate a checkpoint:  python eval.py ckpt_path=CKPT [data.corpus=files data.files.test=FILE] [output=JSON]
(see configs/eval.yaml and README.md, "Evaluate a checkpoint")."""

import sys

import hydra
from omegaconf import DictConfig

from seqmodels.errors import SeqmodelsError
from seqmodels.evaluate import run
from seqmodels.resolvers import register_resolvers

register_resolvers()


@hydra.main(config_path="configs", config_name="eval", version_base="1.3")
def main(cfg: DictConfig) -> None:
    try:
        run(cfg)
    except SeqmodelsError as error:
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
