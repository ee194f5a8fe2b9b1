"""Generating output one step per token: sampling from a language model (:mod:`.sampling`) and greedy and
beam search for encoder-decoders (:mod:`.search`). Pure PyTorch, like seqmodels.nn."""

from seqmodels.decoding.sampling import feed, next_token_distribution, sample
from seqmodels.decoding.search import (
    Hypothesis,
    MaxLength,
    beam_search,
    beam_search_n_best,
    greedy_search,
    length_penalty,
    select_rows,
)

__all__ = ["Hypothesis", "MaxLength", "beam_search", "beam_search_n_best", "feed", "greedy_search", "length_penalty",
           "next_token_distribution", "sample", "select_rows"]
