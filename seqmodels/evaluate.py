"""``run(cfg)``: test a trained checkpoint on a test split alone, e.g. a file of your own (``eval.py``).

checkpoint -> the task and its model (``seqmodels.load``) -> the data settings of the run that trained it (its
``config.yaml`` beside ``checkpoints/``, with the ``data.*`` options given here on top) -> the test split alone,
encoded with the checkpoint's vocabulary (:meth:`TaskData.test_only`) -> ``trainer.test`` -> every ``test/``
metric the task logs (and, for seq2seq, the sacrebleu signature; greedy BLEU too when the task decodes with a
beam), printed and written as JSON (``output``, or ``<run folder>/eval/<time>/metrics.json``).
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any, Dict, Optional, Union

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from seqmodels.checkpoints import read_checkpoint
from seqmodels.data.modules.base import TaskData
from seqmodels.errors import ConfigError, DataError
from seqmodels.run_folder import run_folder
from seqmodels.tasks.base import SequenceTask
from seqmodels.tasks.registry import load
from seqmodels.train import LIGHTNING_PYTREE_WARNING, build, check_accelerator, configure_lightning_logging, floats

Metrics = Dict[str, Union[float, str, None]]


def run(cfg: DictConfig) -> Metrics:
    """Test ``cfg.ckpt_path`` on the test split; return the metrics written to the JSON file."""
    configure_lightning_logging()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=LIGHTNING_PYTREE_WARNING, category=FutureWarning)
        return _run(cfg)


def _run(cfg: DictConfig) -> Metrics:
    check_accelerator(OmegaConf.select(cfg, "trainer.accelerator"))
    ckpt_path = cfg.get("ckpt_path")
    if not ckpt_path:
        raise ConfigError("ckpt_path is not set: give ckpt_path=<checkpoint>, e.g. "
                          "logs/ner/runs/<date>/checkpoints/last.ckpt")
    checkpoint = read_checkpoint(ckpt_path, option="ckpt_path=")
    run_config = _run_config(Path(ckpt_path), cfg.get("run_config"))
    datamodule: TaskData = build(_data_options(run_config, cfg.data), "data")
    hparams = checkpoint.get("hyper_parameters", {})
    if datamodule.encoding_hparam not in hparams:
        raise ConfigError(f"ckpt_path={ckpt_path}: the checkpoint holds no {datamodule.encoding_hparam!r} for "
                          f"the data of {run_config} ({run_config.data._target_}); was it written by that run?")
    datamodule.test_only(hparams)
    datamodule.prepare_data()
    datamodule.setup("test")
    if not datamodule.has_test:  # a generated corpus asked for no test examples
        raise DataError(f"{datamodule.where('test')}: there are none to evaluate on")
    task = load(ckpt_path)
    metrics: Metrics = dict(_test(cfg, task, datamodule))
    metrics.update(task.evaluation_extras(lambda: _test(cfg, task, datamodule)))
    output = Path(cfg.output) if cfg.get("output") else _eval_folder(Path(ckpt_path)) / "metrics.json"
    _write(output, {"ckpt_path": str(ckpt_path), **metrics})
    print(json.dumps(metrics, indent=1))
    print(f"Metrics written to {output}")
    return metrics


def _test(cfg: DictConfig, task: SequenceTask, datamodule: TaskData) -> Dict[str, float]:
    """The ``test/`` metrics ``trainer.test`` logs for ``task`` (weights as loaded) on the datamodule's test split."""
    trainer = build(cfg.trainer, "trainer", logger=False, callbacks=[], enable_checkpointing=False)
    trainer.test(task, datamodule=datamodule, verbose=False)
    return {name: value for name, value in floats(trainer.callback_metrics).items() if name.startswith("test/")}


def _run_config(ckpt_path: Path, given: Optional[str]) -> DictConfig:
    """The resolved config.yaml of the run that wrote the checkpoint: ``run_config=``, else the one beside the
    checkpoint's ``checkpoints/`` folder."""
    path = Path(given) if given else ckpt_path.parent.parent / "config.yaml"
    if not path.is_file():
        option = f"run_config={path}" if given else f"ckpt_path={ckpt_path}: the run's config.yaml ({path})"
        raise ConfigError(f"{option}: no such file; the data settings (corpus, levels, columns) are in the "
                          "config.yaml train.py wrote beside checkpoints/: give run_config=<that file>")
    try:
        config = OmegaConf.load(path)
    except (OmegaConfBaseException, ValueError) as error:
        raise ConfigError(f"{path}: not a config.yaml written by train.py ({str(error).splitlines()[0]})") from None
    if not isinstance(config, DictConfig) or "_target_" not in (config.get("data") or {}):
        raise ConfigError(f"{path}: holds no data._target_; is it the config.yaml train.py wrote for this run?")
    return config


def _data_options(run_config: DictConfig, given: DictConfig) -> DictConfig:
    """The run's ``data`` node with the ``data.*`` options given here (those not null) on top."""
    changes = OmegaConf.to_container(given, resolve=True)
    data = OmegaConf.merge(run_config.data, _without_nulls(changes))
    files = _without_nulls(changes.get("files") or {})
    if files:
        if data.corpus != "files":
            raise ConfigError(f"data.files.test is read with data.corpus=files, but this run's corpus is "
                              f"{data.corpus}: add data.corpus=files")
        data.files = OmegaConf.merge(data.get("files") or {}, files)
    return data


def _without_nulls(options: Dict[str, Any]) -> Dict[str, Any]:
    return {name: value for name, value in options.items() if value is not None and name != "files"}


def _eval_folder(ckpt_path: Path) -> Path:
    """A new ``<run folder>/eval/<time>`` (the run folder: the one holding ``checkpoints/``)."""
    return Path(run_folder(str(ckpt_path.parent.parent / "eval")))


def _write(output: Path, metrics: Metrics) -> None:
    """Strict JSON: a metric that is not finite (a perplexity that overflowed) is written as null."""
    finite = {name: None if isinstance(value, float) and not math.isfinite(value) else value
              for name, value in metrics.items()}
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(finite, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"output={output}: cannot write the metrics ({error.strerror or error})") from None
