"""GRU + additive attention on Multi30k de→en for a fixed CPU budget (``experiment=multi30k_gru_attention``), or
on subword units for the recipe's own epochs (``experiment=multi30k_subword --recipe-epochs``).

Prints the validation BLEU after every epoch (sacrebleu, decoded as the recipe's ``task.decoding`` says), the
training time and speed in target tokens/s, then the best checkpoint's greedy and beam-5 BLEU (with their signature)
and beam decoding speed in sentences/s on the 1,014 validation sentences.

    python benchmarks/seq2seq_multi30k.py                     # 15 minutes of training
    python benchmarks/seq2seq_multi30k.py --minutes 5 -- model.attention=none
    python benchmarks/seq2seq_multi30k.py --experiment multi30k_subword --recipe-epochs

Training runs through ``seqmodels.train.run`` on the real configs, stopped by Lightning's ``max_time``;
validation (teacher-forced loss and greedy decoding of the whole validation set) after every epoch picks
the best checkpoint, and its time counts in the budget.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.harness import (  # noqa: E402
    DEFAULT_DATA_DIR,
    TrainingSpeed,
    add_budget_arguments,
    budget_of,
    budget_overrides,
    compose_config,
    describe_budget,
    speed_callback,
)

EXPERIMENTS = ("multi30k_gru_attention", "multi30k_subword")


def main() -> None:
    from seqmodels.metrics.bleu import corpus_bleu
    from seqmodels.tasks.translation import TranslationTask
    from seqmodels.train import run

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help="the folder holding multi30k/")
    add_budget_arguments(parser, EXPERIMENTS, 15.0)
    parser.add_argument("--beam", type=int, default=5, help="the beam size of the final decoding")
    parser.add_argument("overrides", nargs="*", help="more Hydra overrides, after --")
    args = parser.parse_args()
    if not (Path(args.data_dir) / "multi30k" / "train.de.gz").is_file():
        raise SystemExit(f"error: Multi30k is not in {args.data_dir}/multi30k; pass --data-dir or set "
                         "SEQMODELS_DATA_DIR")
    budget = budget_of(args)
    print(f"{args.experiment}: {describe_budget(budget)}, {torch.get_num_threads()} threads, torch {torch.__version__}")
    with tempfile.TemporaryDirectory() as run_folder:
        overrides = [f"experiment={args.experiment}", f"paths.data_dir={args.data_dir}", *budget_overrides(budget),
                     "callbacks.rich_progress_bar=null",
                     "callbacks.embedding_projector=null", "++trainer.enable_progress_bar=false", "test=false",
                     speed_callback("target_tokens"), *args.overrides]
        cfg = compose_config(overrides, Path(run_folder))
        started = time.perf_counter()
        metrics = run(cfg)
        wall = time.perf_counter() - started
        speed = TrainingSpeed.instances[-1]
        best = sorted(Path(run_folder, "checkpoints").glob("best-*.ckpt"))[-1]
        task = TranslationTask.load(best)
        from hydra.utils import instantiate

        data = instantiate(cfg.data, _convert_="all")
        data.restore_encoding(task.hparams[data.encoding_hparam])
        data.setup("validate")
        sources, references = data.sources("valid"), data.references("valid")
        greedy = task.translate(sources, beam_size=1)
        started = time.perf_counter()
        outputs = task.translate(sources, beam_size=args.beam)
        decode_seconds = time.perf_counter() - started
    greedy_bleu = corpus_bleu([t.text for t in greedy], references, lowercase=task.lowercase)
    beam_bleu = corpus_bleu([t.text for t in outputs], references, lowercase=task.lowercase)
    print()
    speed.print_history()
    print(f"\nmodel: {dict(cfg.model)}")
    print(f"training: {speed.epochs} epochs in {wall / 60:.1f} min wall, {speed.units / speed.seconds:,.0f} target "
          f"tokens/s (training steps only)")
    decoding = cfg.task.decoding
    print(f"validation BLEU, best epoch (beam {decoding.beam_size}, length penalty {decoding.length_penalty}): "
          f"{metrics['hp/best']:.2f}")
    print(f"validation BLEU, greedy: {greedy_bleu}")
    print(f"validation BLEU, beam {args.beam} (length penalty {decoding.length_penalty}): {beam_bleu}")
    print(f"beam-{args.beam} decoding: {len(sources) / decode_seconds:,.1f} sentences/s "
          f"({len(sources)} sentences in {decode_seconds:.1f} s)")


if __name__ == "__main__":
    main()
