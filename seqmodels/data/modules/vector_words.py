"""``data.vector_words``: the words of a word2vec / GloVe file join a vocabulary built from the training split.

Ids go to the training words first (so they are the ids :meth:`Vocabulary.build` gives), then to the first
``data.vector_words_limit`` words of the file that the training split lacks (the files list the frequent words
first). With ``task.pretrained_vectors`` set to the same file, a word never seen in training — in dev, test or
your own text — is read as its pretrained vector instead of ``<unk>`` (Lample et al. 2016 add the pretrained
words to the dictionary the same way). GloVe's words are lower-case: use it with ``data.lowercase=true``.
"""

from __future__ import annotations

from typing import Optional

from seqmodels.data.encoding.vocabulary import Vocabulary
from seqmodels.data.options import check_positive_ints
from seqmodels.vector_files import vector_file_words


def check_vector_words_limit(limit: object) -> None:
    """ConfigError naming ``data.vector_words_limit`` unless it is an integer >= 1."""
    check_positive_ints(vector_words_limit=limit)


def with_vector_words(vocabulary: Vocabulary, path: Optional[str], limit: int) -> Vocabulary:
    """``vocabulary`` extended with the first ``limit`` words of the vector file ``path`` (unchanged for None);
    a missing or malformed file is a DataError naming it."""
    if path is None:
        return vocabulary
    return vocabulary.extended(vector_file_words(path, limit))
