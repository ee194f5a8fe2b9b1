"""Word-level LSTM language model on WikiText-2: a bare PyTorch loop next to the same training
through Hydra + Lightning (``experiment=lm_wikitext2``), measured side by side in one run.

    python benchmarks/lm_wikitext2.py                              # 200 batches, 1 round
    python benchmarks/lm_wikitext2.py --batches 800                # train loss at batch 800 vs the reference
    python benchmarks/lm_wikitext2.py --rounds 2 --threads 2       # bare, Lightning, bare, Lightning
    python benchmarks/lm_wikitext2.py --example                    # + the PyTorch example's own model, timed live
    python benchmarks/lm_wikitext2.py --no-eval --backend scripted # timing only, another backend

The settings are those of the PyTorch word_language_model example: emsize = nhid = 200, 2 layers,
dropout 0.2, bptt 35, batch 20 (700 tokens a batch), SGD lr 20, gradient norm clipped at 0.25.
Both contenders start from the same seed, so from the same weights and dropout masks, and read
the same batches (their batch-1 losses are printed: they must be equal):

- bare:      ``LanguageModel`` + ``LanguageModelData`` batches, state carried (detached) across
             batches, mean cross-entropy, ``clip_grad_norm_``, ``torch.optim.SGD``;
- Lightning: ``seqmodels.train.run(cfg)`` on the real configs/ composed with Hydra's compose API,
             a timing callback (``BatchTimer``, below) added to ``callbacks``;
- example (``--example``): the example's ``RNNModel`` (torch.nn.LSTM, time-major, log_softmax +
             NLLLoss, ``p.data.add_(p.grad, alpha=-lr)``) on the same batches: the reference
             measured now, on the same machine, instead of a number taken on another day.

Per batch two wall times are taken: *step*, from on_train_batch_start to on_train_batch_end
(forward, backward, clipping, optimizer step, ``self.log``) — the bare loop times the same
span — and *loop*, from one batch start to the next (adds fetching the batch, the logger
writing, the other callbacks, the loop's bookkeeping). Tokens/s is 700 / median step time over
the batches after the warm-up. The contenders run one after the other (a phase each), so
``--rounds 2`` alternates them (bare, Lightning, bare, Lightning) and the medians pool every
round. On a shared machine a neighbour's process costs far more than its share (two OpenMP
threads spin while one is descheduled): the "others" column gives the CPU cores that other
processes used on average during each phase's training — trust phases where it is near 0.

After the N batches each model is evaluated on the whole valid split (eval batch 10, state
carried, eval mode, no grad): by the loop below for bare, by Lightning's own validation loop
(``val/ppl``) for Lightning. Train loss is the mean over the last min(200, N) batches, as the
example logs it (every 200 batches).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from omegaconf import DictConfig, OmegaConf
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.harness import (  # noqa: E402
    DEFAULT_DATA_DIR,
    ROOT,
    Snapshot,
    compose_config,
    cpu_snapshot,
    others_cores,
)

CONFIGS = ROOT / "configs"
LOSS_WINDOW = 200  # the example's log interval: it prints the mean loss of the last 200 batches
BARE, LIGHTNING, EXAMPLE = "bare PyTorch", "Lightning + Hydra", "PyTorch example"

# The PyTorch word_language_model example at these settings, as measured on this machine earlier.
REFERENCE = {"ms_per_batch": 300.0, "tokens_per_s": 2300.0, "batch": 800, "train_loss": 6.25, "train_ppl": 517.0}
# What experiment=lm_wikitext2 must amount to for the comparison to hold.
EXAMPLE_SETTINGS = {
    "model.cell": "lstm", "model.embedding_size": 200, "model.hidden_size": 200, "model.num_layers": 2,
    "model.dropout": 0.2, "data.bptt": 35, "data.batch_size": 20, "data.eval_batch_size": 10,
    "task.optimizer.name": "sgd", "task.optimizer.lr": 20, "trainer.gradient_clip_val": 0.25,
}

class BatchTimer(pl.Callback):
    """Wall-clock times of every training batch (and of validation) inside a Lightning run.

    ``starts[i]``/``ends[i]``: perf_counter at on_train_batch_start / on_train_batch_end of
    batch i; ``losses[i]``: its training loss. The last instance built is ``BatchTimer.latest``
    (Hydra instantiates it inside ``run``, so the benchmark fetches it from there).
    """

    latest: Optional["BatchTimer"] = None

    def __init__(self) -> None:
        self.starts: List[float] = []
        self.ends: List[float] = []
        self.losses: List[float] = []
        self.threads = 0
        self.first: Optional[Snapshot] = None
        self.last: Optional[Snapshot] = None
        self.val_seconds = 0.0
        self._val_start = math.nan
        BatchTimer.latest = self

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.threads = torch.get_num_threads()

    def on_train_batch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any,
                             batch_idx: int) -> None:
        self.starts.append(time.perf_counter())
        if self.first is None:
            self.first = cpu_snapshot()

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, batch: Any,
                           batch_idx: int) -> None:
        self.ends.append(time.perf_counter())
        loss = outputs["loss"] if isinstance(outputs, Mapping) else outputs
        self.losses.append(float(loss))
        self.last = cpu_snapshot()

    def on_validation_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._val_start = time.perf_counter()

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.val_seconds += time.perf_counter() - self._val_start


class ExampleRNNModel(nn.Module):
    """pytorch/examples word_language_model's RNNModel('LSTM', tied=False), as its main.py builds it."""

    def __init__(self, ntoken: int, ninp: int, nhid: int, nlayers: int, dropout: float) -> None:
        super().__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

    def forward(self, tokens: torch.Tensor, hidden: Tuple[torch.Tensor, torch.Tensor]) -> Tuple[torch.Tensor, Any]:
        emb = self.drop(self.encoder(tokens))  # (T, B) time-major
        output, hidden = self.rnn(emb, hidden)
        decoded = self.decoder(self.drop(output)).view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden


@dataclass
class Phase:
    """One contender's run of N batches."""

    name: str
    round: int
    step_s: List[float]  # per batch: forward .. optimizer step
    loop_s: List[float]  # per batch: batch start -> next batch start
    losses: List[float]
    val_ppl: float = math.nan
    setup_s: float = math.nan
    eval_s: float = math.nan
    threads: int = 0
    others: float = math.nan  # cores other processes used during the training batches


def check_data(data_dir: Path) -> None:
    from seqmodels.errors import DataError
    from seqmodels.text_files import resolve_text_file

    folder = data_dir / "wikitext-2"
    missing = []
    for split in ("train", "valid", "test"):
        try:
            resolve_text_file(folder / f"{split}.txt")
        except DataError:
            missing.append(f"{split}.txt")
    if missing:
        raise SystemExit(
            f"error: WikiText-2 is not in {folder} (missing {', '.join(missing)}, nor the same with .gz). "
            "Pass --data-dir DIR holding wikitext-2/{train,valid,test}.txt[.gz], set SEQMODELS_DATA_DIR, "
            "or fetch it with: python train.py experiment=lm_wikitext2 data.download=true"
        )


def lightning_overrides(data_dir: Path, batches: int, seed: Optional[int], backend: Optional[str],
                        evaluate: bool) -> List[str]:
    overrides = [
        "experiment=lm_wikitext2",
        f"paths.data_dir={data_dir}",
        "trainer.max_epochs=1",
        f"++trainer.limit_train_batches={batches}",
        "++trainer.num_sanity_val_steps=0",      # the bare loop has none; keeps the RNG streams equal
        "++trainer.enable_progress_bar=false",   # no bar in a log file (the rich one is dropped below)
        "++trainer.enable_model_summary=false",
        "test=false",
        "callbacks.rich_progress_bar=null",
        "callbacks.ngram_baseline=null",         # n-gram counts over the corpus: not training
        f"+callbacks.batch_timer._target_={BatchTimer.__module__}.BatchTimer",
    ]
    if seed is not None:
        overrides.append(f"seed={seed}")
    if backend:
        overrides.append(f"model.backend={backend}")
    if not evaluate:  # no validation: nothing to checkpoint on, no plateau to decay the lr on
        overrides += ["++trainer.limit_val_batches=0", "++trainer.enable_checkpointing=false",
                      "callbacks.model_checkpoint=null", "callbacks.last_checkpoint=null",
                      "callbacks.periodic_checkpoint=null", "task.lr_decay=null"]
    return overrides


def bare_phase(cfg: DictConfig, datamodule: Any, batches: int, evaluate: bool, round_: int) -> Phase:
    """The same model, batches and update as the Lightning run, in a plain loop."""
    from seqmodels.models.language_model import LanguageModel
    from seqmodels.tasks.base import SequenceTask

    start = time.perf_counter()
    pl.seed_everything(cfg.seed, workers=True, verbose=False)  # as run(cfg) does, before building anything
    vocabulary = datamodule.vocabulary
    vocab_size = len(vocabulary)
    options = OmegaConf.to_container(cfg.model, resolve=True)
    model = SequenceTask.build_network(LanguageModel, options, vocab_size=vocab_size,
                                       tie_weights=cfg.task.tie_weights, pad_id=vocabulary.pad_id)
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg.task.optimizer.lr)
    clip = cfg.trainer.gradient_clip_val
    model.train()
    batch_iter = iter(datamodule.train_dataloader())
    setup_s = time.perf_counter() - start

    state = None
    starts: List[float] = []
    ends: List[float] = []
    losses: List[float] = []
    first = cpu_snapshot()
    for _ in range(batches):
        inputs, targets, _lengths = next(batch_iter)
        starts.append(time.perf_counter())
        hidden, final = model.features(inputs, state)
        state = tuple(s.detach() for s in final)
        loss = model.negative_log_likelihood(hidden, targets) / targets.numel()  # the task's loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        ends.append(time.perf_counter())
        losses.append(loss.item())
    others = others_cores(first, cpu_snapshot())

    phase = Phase(BARE, round_, [e - s for s, e in zip(starts, ends)], [b - a for a, b in zip(starts, starts[1:])],
                  losses, setup_s=setup_s, threads=torch.get_num_threads(), others=others)
    if evaluate:
        eval_start = time.perf_counter()
        phase.val_ppl = valid_perplexity(lambda tokens, state: model(tokens, state), model, datamodule)
        phase.eval_s = time.perf_counter() - eval_start
    return phase


class ExampleTrainer:
    """The PyTorch example's model and update (its ``train()``) on our batches, time-major: one ``step`` a batch,
    the hidden state repackaged (detached) between batches, SGD written out as ``p.data.add_(p.grad, -lr)``."""

    def __init__(self, cfg: DictConfig, vocab_size: int) -> None:
        torch.manual_seed(cfg.seed)
        self.cfg = cfg
        self.model = ExampleRNNModel(vocab_size, cfg.model.embedding_size, cfg.model.hidden_size,
                                     cfg.model.num_layers, cfg.model.dropout)
        self.criterion = nn.NLLLoss()
        self.lr, self.clip = float(cfg.task.optimizer.lr), cfg.trainer.gradient_clip_val
        self.hidden: Optional[Tuple[torch.Tensor, torch.Tensor]] = None
        self.model.train()

    def zeros(self, batch: int) -> Tuple[torch.Tensor, torch.Tensor]:
        """The example's init_hidden: zero (h, c), (layers, B, H) each."""
        zeros = torch.zeros(self.cfg.model.num_layers, batch, self.cfg.model.hidden_size)
        return zeros, zeros.clone()

    def step(self, inputs: torch.Tensor, targets: torch.Tensor) -> float:
        """One training batch, (B, T) inputs and targets; returns its mean loss."""
        data, target = inputs.t().contiguous(), targets.t().reshape(-1)  # the example's (T, B) layout
        hidden = self.zeros(data.size(1)) if self.hidden is None else self.hidden
        hidden = tuple(h.detach() for h in hidden)  # repackage_hidden
        self.model.zero_grad()
        output, self.hidden = self.model(data, hidden)
        loss = self.criterion(output, target)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        for p in self.model.parameters():
            p.data.add_(p.grad, alpha=-self.lr)
        return loss.item()

    def valid_perplexity(self, datamodule: Any) -> float:
        """exp(mean NLL) over the whole valid split (:func:`valid_perplexity`), the example's model in (B, T)."""
        def time_major(tokens: torch.Tensor, state: Any) -> Tuple[torch.Tensor, Any]:
            log_probs, state = self.model(tokens.t().contiguous(), self.zeros(tokens.size(0)) if state is None
                                          else state)
            # back to (B, T, V) so that the targets line up
            return log_probs.view(tokens.size(1), tokens.size(0), -1).transpose(0, 1), state

        return valid_perplexity(time_major, self.model, datamodule)


def example_phase(cfg: DictConfig, datamodule: Any, batches: int, evaluate: bool, round_: int) -> Phase:
    """The PyTorch example's model and update (its train()) on the same batches, time-major."""
    start = time.perf_counter()
    trainer = ExampleTrainer(cfg, len(datamodule.vocabulary))
    batch_iter = iter(datamodule.train_dataloader())
    setup_s = time.perf_counter() - start

    starts: List[float] = []
    ends: List[float] = []
    losses: List[float] = []
    first = cpu_snapshot()
    for _ in range(batches):
        inputs, targets, _lengths = next(batch_iter)
        starts.append(time.perf_counter())
        losses.append(trainer.step(inputs, targets))
        ends.append(time.perf_counter())
    others = others_cores(first, cpu_snapshot())

    phase = Phase(EXAMPLE, round_, [e - s for s, e in zip(starts, ends)],
                  [b - a for a, b in zip(starts, starts[1:])], losses, setup_s=setup_s,
                  threads=torch.get_num_threads(), others=others)
    if evaluate:
        eval_start = time.perf_counter()
        phase.val_ppl = trainer.valid_perplexity(datamodule)
        phase.eval_s = time.perf_counter() - eval_start
    return phase


@torch.no_grad()
def valid_perplexity(forward: Any, model: nn.Module, datamodule: Any) -> float:
    """exp(mean NLL) over the whole valid split: eval batch size, state carried, eval mode."""
    model.eval()
    state = None
    nll, tokens = 0.0, 0
    for inputs, targets, _lengths in datamodule.val_dataloader():
        logits, state = forward(inputs, state)
        nll += float(F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), reduction="sum"))
        tokens += targets.numel()
    model.train()
    return math.exp(nll / tokens)


def lightning_phase(data_dir: Path, batches: int, seed: int, backend: Optional[str], evaluate: bool,
                    round_: int) -> Phase:
    """``seqmodels.train.run(cfg)`` on the real configs, with a BatchTimer among the callbacks."""
    from seqmodels.train import run

    with tempfile.TemporaryDirectory(prefix="lm_wikitext2_bench_") as output_dir:
        cfg = compose_config(lightning_overrides(data_dir, batches, seed, backend, evaluate), Path(output_dir))
        BatchTimer.latest = None
        start = time.perf_counter()
        metrics = run(cfg)
        timer = BatchTimer.latest
    if timer is None or not timer.starts:
        raise RuntimeError("the BatchTimer callback saw no training batch inside run(cfg)")
    starts, ends = timer.starts, timer.ends
    return Phase(LIGHTNING, round_, [e - s for s, e in zip(starts, ends)],
                 [b - a for a, b in zip(starts, starts[1:])], timer.losses,
                 val_ppl=metrics.get("val/ppl", math.nan) if evaluate else math.nan,
                 setup_s=starts[0] - start, eval_s=timer.val_seconds if evaluate else math.nan,
                 threads=timer.threads,
                 others=others_cores(timer.first, timer.last) if timer.first and timer.last else math.nan)


def median_ms(values: Sequence[float]) -> float:
    return 1000 * statistics.median(values) if values else math.nan


def window_loss(losses: Sequence[float]) -> float:
    window = list(losses[-LOSS_WINDOW:])
    return sum(window) / len(window) if window else math.nan


def fmt(value: float, spec: str, width: int) -> str:
    return f"{value:>{width}{spec}}" if value == value else f"{'-':>{width}}"


def p10_ms(values: Sequence[float]) -> float:
    return 1000 * statistics.quantiles(values, n=10)[0] if len(values) >= 2 else math.nan


def row(label: str, step_ms: float, p10: float, loop_ms: float, ratio: float, loss: float, val_ppl: float,
        tokens: int) -> str:
    return (f"{label:<24} {tokens * 1000 / step_ms:>9.0f} {step_ms:>9.1f} {p10:>7.1f} {loop_ms:>8.1f} "
            f"{ratio:>7.2f}x {loss:>7.3f} {math.exp(loss):>7.1f} {fmt(val_ppl, '.1f', 8)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR,
                        help="folder holding wikitext-2/ (default: $SEQMODELS_DATA_DIR or ../shared/data)")
    parser.add_argument("--batches", type=int, default=200, help="training batches per phase (N)")
    parser.add_argument("--warmup", type=int, default=10, help="first batches left out of the timing")
    parser.add_argument("--rounds", type=int, default=1, help="bare, Lightning, bare, Lightning, ...")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--seed", type=int, default=None, help="default: the config's seed")
    parser.add_argument("--backend", choices=["auto", "fused", "scripted", "reference"], default=None,
                        help="model.backend for both contenders (default: the config's)")
    parser.add_argument("--example", action="store_true",
                        help="also time the PyTorch example's own model (torch.nn.LSTM) in every round")
    parser.add_argument("--no-eval", dest="evaluate", action="store_false",
                        help="skip the validation perplexity (timing only)")
    args = parser.parse_args()
    if args.batches < 2 or args.rounds < 1 or not 0 <= args.warmup < args.batches:
        parser.error("need --batches >= 2, --rounds >= 1, 0 <= --warmup < --batches")
    if args.threads:
        torch.set_num_threads(args.threads)
    data_dir = Path(args.data_dir).expanduser().resolve()
    check_data(data_dir)

    from seqmodels.data.modules.language_modeling import LanguageModelData
    from seqmodels.nn import Recurrent

    with tempfile.TemporaryDirectory() as scratch:  # the settings every contender takes from the config
        cfg = compose_config(lightning_overrides(data_dir, args.batches, args.seed, args.backend, args.evaluate),
                             Path(scratch))
    seed = int(cfg.seed)
    differing = {key: (OmegaConf.select(cfg, key), value) for key, value in EXAMPLE_SETTINGS.items()
                 if OmegaConf.select(cfg, key) != value}

    start = time.perf_counter()
    datamodule = LanguageModelData(corpus="wikitext-2", data_dir=str(data_dir), level=cfg.data.level,
                                   bptt=cfg.data.bptt, batch_size=cfg.data.batch_size,
                                   eval_batch_size=cfg.data.eval_batch_size)
    datamodule.setup("fit")
    data_s = time.perf_counter() - start
    tokens_per_batch = cfg.data.batch_size * cfg.data.bptt
    train_batches = len(datamodule.train_dataloader())
    if args.batches > train_batches:
        parser.error(f"--batches {args.batches}: one epoch has {train_batches} batches")
    cell_options = {k: v for k, v in OmegaConf.to_container(cfg.model, resolve=True).items()
                    if k in ("peephole", "forget_bias")}
    resolved = Recurrent(cfg.model.cell, 4, 4, backend=cfg.model.backend, **cell_options).resolved_backend()

    print(f"torch {torch.__version__}, pytorch_lightning {pl.__version__}, {torch.get_num_threads()} threads "
          f"(torch.get_num_threads), {os.cpu_count()} CPUs, float32 on CPU, "
          f"THP_MEM_ALLOC_ENABLE={os.environ.get('THP_MEM_ALLOC_ENABLE', 'unset')}")
    print(f"WikiText-2 word level from {data_dir}: vocabulary {len(datamodule.vocabulary):,}, "
          f"{len(datamodule.stream('train')):,} train tokens = {train_batches} batches, "
          f"{len(datamodule.stream('valid')):,} valid tokens (read in {data_s:.1f} s)")
    print(f"experiment=lm_wikitext2: {cfg.model.cell.upper()} {cfg.model.num_layers}x{cfg.model.hidden_size}, "
          f"embedding {cfg.model.embedding_size}, dropout {cfg.model.dropout}, backend {cfg.model.backend} -> "
          f"{resolved}; bptt {cfg.data.bptt} x batch {cfg.data.batch_size} = {tokens_per_batch} tokens/batch; "
          f"SGD lr {cfg.task.optimizer.lr}, clip {cfg.trainer.gradient_clip_val}; seed {seed}")
    if differing:
        print(f"NOTE: differs from the PyTorch example (got, example): {differing}")
    contenders = [BARE, LIGHTNING] + ([EXAMPLE] if args.example else [])
    print(f"budget: {args.batches} batches per phase, timing = median over batches {args.warmup + 1}.."
          f"{args.batches}, {args.rounds} round(s) of {', '.join(contenders)}; validation "
          + (f"on the full valid split (eval batch {cfg.data.eval_batch_size})" if args.evaluate else "off")
          + "\n", flush=True)

    phases: List[Phase] = []
    for round_ in range(1, args.rounds + 1):
        for name in contenders:
            if name == BARE:
                phase = bare_phase(cfg, datamodule, args.batches, args.evaluate, round_)
            elif name == LIGHTNING:
                phase = lightning_phase(data_dir, args.batches, seed, args.backend, args.evaluate, round_)
            else:
                phase = example_phase(cfg, datamodule, args.batches, args.evaluate, round_)
            phases.append(phase)
            print(f"  round {round_}: {name} done, {median_ms(phase.step_s[args.warmup:]):.0f} ms/batch "
                  f"(others used {phase.others:.2f} cores)", flush=True)

    header = (f"{'contender':<24} {'tokens/s':>9} {'ms/batch':>9} {'p10 ms':>7} {'loop ms':>8} {'vs bare':>8} "
              f"{'loss':>7} {'ppl':>7} {'val ppl':>8}")
    print(f"\nper phase (ms/batch: median step, on_train_batch_start -> on_train_batch_end; p10: its 10th "
          f"percentile; loop ms: median batch start -> next start; loss, ppl: mean train loss of the last "
          f"{min(LOSS_WINDOW, args.batches)} batches; others: CPU cores busy with other processes)")
    print(header + "  setup s  eval s  threads  others")
    bare_ms = {p.round: median_ms(p.step_s[args.warmup:]) for p in phases if p.name == BARE}
    for phase in phases:
        step = median_ms(phase.step_s[args.warmup:])
        print(row(f"r{phase.round} {phase.name}", step, p10_ms(phase.step_s[args.warmup:]),
                  median_ms(phase.loop_s[args.warmup:]),
                  bare_ms[phase.round] / step, window_loss(phase.losses), phase.val_ppl, tokens_per_batch)
              + f"  {phase.setup_s:>7.1f} {fmt(phase.eval_s, '.1f', 7)} {phase.threads:>8d} {phase.others:>7.2f}")

    print(f"\nmedians over {args.rounds} round(s) x {args.batches - args.warmup} timed batches")
    print(header)
    step_ms: Dict[str, float] = {}
    loop_ms: Dict[str, float] = {}
    for name in contenders:
        mine = [p for p in phases if p.name == name]
        steps = [s for p in mine for s in p.step_s[args.warmup:]]
        step_ms[name] = median_ms(steps)
        loop_ms[name] = median_ms([s for p in mine for s in p.loop_s[args.warmup:]])
        vals = [p.val_ppl for p in mine if p.val_ppl == p.val_ppl]
        print(row(name, step_ms[name], p10_ms(steps), loop_ms[name], step_ms[BARE] / step_ms[name],
                  statistics.median([window_loss(p.losses) for p in mine]),
                  statistics.median(vals) if vals else math.nan, tokens_per_batch))
    ref = REFERENCE
    print(f"{'reference (earlier)':<24} {ref['tokens_per_s']:>9.0f} {ref['ms_per_batch']:>9.1f} {'':>7} {'':>8} "
          f"{step_ms[BARE] / ref['ms_per_batch']:>7.2f}x {ref['train_loss']:>7.2f} {ref['train_ppl']:>7.0f} "
          f"{'':>8}  <- the PyTorch example here, loss of batches 601-800")

    ratio = step_ms[BARE] / step_ms[LIGHTNING]
    loop_ratio = loop_ms[BARE] / loop_ms[LIGHTNING]
    print(f"\nLightning/bare throughput: {ratio:.3f} per step, {loop_ratio:.3f} per loop iteration "
          f"(target >= 0.90: {'OK' if ratio >= 0.90 else 'BELOW TARGET'})")
    line = (f"bare vs the earlier reference: {ref['ms_per_batch'] / step_ms[BARE]:.2f}x "
            f"({tokens_per_batch * 1000 / step_ms[BARE]:.0f} vs ~{ref['tokens_per_s']:.0f} tokens/s)")
    if EXAMPLE in step_ms:
        line += f"; vs the example timed now: {step_ms[EXAMPLE] / step_ms[BARE]:.2f}x"
    print(line + f"; 2x the reference would be ~{2 * ref['tokens_per_s']:.0f} tokens/s")
    first = {p.name: p.losses[0] for p in phases if p.round == 1 and p.losses}
    print("loss of batch 1 (bare and Lightning: same seed, weights and dropout masks, so equal): "
          + ", ".join(f"{name} {loss:.5f}" for name, loss in first.items()))
    if args.batches >= ref["batch"]:
        at = {p.name: window_loss(p.losses[: ref["batch"]]) for p in phases if p.round == 1}
        print(f"train loss of batches {ref['batch'] - LOSS_WINDOW + 1}-{ref['batch']}: "
              + ", ".join(f"{name} {loss:.2f} (ppl {math.exp(loss):.0f})" for name, loss in at.items())
              + f"; reference {ref['train_loss']:.2f} (ppl {ref['train_ppl']:.0f})")


if __name__ == "__main__":
    main()
