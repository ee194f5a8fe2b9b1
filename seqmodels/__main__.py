"""``python -m seqmodels COMMAND ARGS``: the ``seqmodels`` command (:mod:`seqmodels.cli`) without the console script."""

from seqmodels.cli import main

if __name__ == "__main__":
    main()
