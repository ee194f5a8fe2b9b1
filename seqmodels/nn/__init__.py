"""Pure-PyTorch recurrent building blocks (no Lightning, no Hydra).

    from seqmodels.nn import RNNCell, GRUCell, LSTMCell, Recurrent, linear_cross_entropy
"""

from seqmodels.nn.attention import Attention
from seqmodels.nn.cells import GRUCell, LSTMCell, RecurrentCell, RNNCell
from seqmodels.nn.char_encoder import CharacterWordEncoder
from seqmodels.nn.crf import CRF
from seqmodels.nn.embedding import pretrained_embedding, read_vectors, write_vectors
from seqmodels.nn.linear_cross_entropy import linear_cross_entropy
from seqmodels.nn.recurrent import BACKENDS, CELLS, Recurrent

__all__ = ["Attention", "BACKENDS", "CELLS", "CRF", "CharacterWordEncoder", "GRUCell", "LSTMCell", "Recurrent",
           "RecurrentCell", "RNNCell", "linear_cross_entropy", "pretrained_embedding", "read_vectors",
           "write_vectors"]
