"""Where examples come from: the corpus registry (:mod:`~seqmodels.data.corpora.registry`), the four ways a
corpus is made (:mod:`~seqmodels.data.corpora.corpus`), the file readers (plain text, CoNLL columns, labelled
TSV/CSV, parallel text), the download of published corpora, and the seeded generators of the embedded ones."""
