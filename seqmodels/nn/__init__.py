"""Pure-PyTorch recurrent building blocks (no Lightning, no Hydra).

    from seqmodels.nn import RNNCell, GRUCell, LSTMCell, Recurrent, RecurrentOptions, linear_cross_entropy
    from seqmodels.nn import RecurrentCell, register_cell      # a cell of your own, selectable by name
"""

from seqmodels.nn.attention import Attention
from seqmodels.nn.cell_registry import cell_class, register_cell, registered_cells
from seqmodels.nn.cells import GRUCell, LSTMCell, RNNCell
from seqmodels.nn.char_encoder import CharacterWordEncoder
from seqmodels.nn.crf import CRF
from seqmodels.nn.embedding import pretrained_embedding, read_vectors, write_vectors
from seqmodels.nn.hierarchical_softmax import HierarchicalSoftmax, huffman_tree
from seqmodels.nn.kernel_declarations import FusedOp, NoKernel, ScriptedKernel
from seqmodels.nn.linear_cross_entropy import linear_cross_entropy
from seqmodels.nn.recurrent import BACKENDS, Recurrent
from seqmodels.nn.recurrent_cell import RecurrentCell
from seqmodels.nn.recurrent_options import RecurrentOptions

__all__ = ["Attention", "BACKENDS", "CRF", "CharacterWordEncoder", "FusedOp", "GRUCell", "HierarchicalSoftmax",
           "LSTMCell", "NoKernel", "Recurrent", "RecurrentCell", "RecurrentOptions", "RNNCell", "ScriptedKernel",
           "cell_class", "huffman_tree", "linear_cross_entropy", "pretrained_embedding", "read_vectors",
           "register_cell", "registered_cells", "write_vectors"]
