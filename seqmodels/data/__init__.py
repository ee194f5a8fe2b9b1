"""Data, by role:

- :mod:`seqmodels.data.corpora`: where examples come from: the corpus registry (``data.corpus=<name>``), file
  readers, downloads and seeded generators;
- :mod:`seqmodels.data.encoding`: tokens to ids and back: tokenisers, vocabularies, NER tag schemes;
- :mod:`seqmodels.data.batching`: ids to tensors: the batch types and collate functions the tasks share with
  the DataModules, batch orders and resumable loaders;
- :mod:`seqmodels.data.modules`: the DataModules, one per task, on the base class
  :class:`~seqmodels.data.modules.base.TaskData` that declares what ``train.py`` uses of them.

Corpora and encoding import neither each other nor the layers below them; batching imports encoding; the
DataModules import all three (and :mod:`seqmodels.data.options`, the shared checks of ``data.*`` options).
Tasks import batching, encoding and corpora, never a DataModule.
"""
