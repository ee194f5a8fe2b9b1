"""Lightning callbacks shared by the tasks."""

from seqmodels.callbacks.attention_maps import AttentionMaps
from seqmodels.callbacks.best_checkpoint import BestCheckpoint
from seqmodels.callbacks.embedding_projector import EmbeddingProjector
from seqmodels.callbacks.export_vectors import ExportVectors
from seqmodels.callbacks.gradient_flow import GradientFlow
from seqmodels.callbacks.model_summary import ParameterSummary
from seqmodels.callbacks.ngram_baseline import NGramBaseline
from seqmodels.callbacks.results import ResultsCallback
from seqmodels.callbacks.text_samples import TextSamples
from seqmodels.callbacks.word_vector_evaluations import WordVectorEvaluations

__all__ = ["AttentionMaps", "BestCheckpoint", "EmbeddingProjector", "ExportVectors", "GradientFlow", "NGramBaseline",
           "ParameterSummary", "ResultsCallback", "TextSamples", "WordVectorEvaluations"]
