"""The ``${name:...}`` resolvers configs/ use, registered by one explicit call (importing seqmodels registers
nothing):

- ``${run_folder:<parent>}``: a new run (or sweep) folder (:mod:`seqmodels.run_folder`);
- ``${job_dirname:<num>,<overrides>}``: a sweep job's folder name (:mod:`seqmodels.sweeps.summary`);
- ``${metric_mode:<task class>,<metric>}``: ``min`` or ``max``, the direction in which the task class declares the
  metric improves (``SequenceTask.main_metrics``): configs/train.yaml's ``optimized_mode``, which the checkpoint
  callback's ``mode`` and the sweep summary's order follow;
- ``${optuna_direction:<min|max>}``: Optuna's name for it (``minimize``, ``maximize``), for
  configs/hparams_search/*.yaml.

``train.py`` calls :func:`register_resolvers` before Hydra composes the config. Launchers that run sweep jobs
in other processes (joblib, submitit) hand them Hydra's ``Singleton`` state, which holds OmegaConf's resolvers, so
the jobs resolve the same ``${...}`` there.
"""

from __future__ import annotations

from hydra.utils import get_class
from omegaconf import OmegaConf

from seqmodels.run_folder import register_run_folder_resolver
from seqmodels.sweeps.summary import register_resolver as register_job_dirname_resolver

OPTUNA_DIRECTIONS = {"min": "minimize", "max": "maximize"}


def metric_mode(task_target: str, metric: str) -> str:
    """``min`` or ``max``: the direction in which ``metric`` improves, as the task class ``task_target`` (its
    dotted name, the config's ``task._target_``) declares it."""
    return get_class(task_target).metric_mode(metric)


def optuna_direction(mode: str) -> str:
    """Optuna's ``minimize`` for ``min``, ``maximize`` for ``max``."""
    return OPTUNA_DIRECTIONS[mode]


def register_resolvers() -> None:
    """Make every resolver above available to OmegaConf (idempotent)."""
    register_run_folder_resolver()
    register_job_dirname_resolver()
    for name, resolver in (("metric_mode", metric_mode), ("optuna_direction", optuna_direction)):
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, resolver)
