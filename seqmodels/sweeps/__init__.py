"""What a sweep (``python train.py -m ...``) leaves for a person to read: the job folders' names and a summary table
of every job, best first (:mod:`seqmodels.sweeps.summary`), and a metric plotted against a swept option
(:mod:`seqmodels.sweeps.plots`). Both are Hydra callbacks (configs/hydra/default.yaml,
configs/experiment/vanishing_gradients.yaml) that read the jobs' files, and commands that build the same again:
``python -m seqmodels.sweeps.summary <sweep folder>``, ``python -m seqmodels.sweeps.plots <sweep folder> ...``."""
