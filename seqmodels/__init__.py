"""seqmodels: recurrent sequence models (RNN, GRU, LSTM) in PyTorch."""

__version__ = "0.1.0"
