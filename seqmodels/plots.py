"""Attention weights as a picture (a heatmap, for TensorBoard or a PNG) and as plain text (for a terminal).

Rows are output tokens, columns source tokens: row i holds the weights α_i· the decoder put on the
source when it produced output token i. Figures are built on ``matplotlib.figure.Figure`` directly,
never through pyplot's global state, so drawing is headless and safe from any thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Sequence, Tuple, Union

import numpy as np
from matplotlib.figure import Figure
from torch import Tensor

# Whitespace tokens (character-level models) get a visible stand-in.
VISIBLE = {" ": "␣", "\n": "↵", "\t": "⇥", "": "∅"}
INCHES_PER_TOKEN = 0.3
FIGURE_INCHES = (3.0, 16.0)  # smallest and largest side of a figure
FONT_POINTS = (4.0, 10.0)  # smallest and largest tick label size


@dataclass(frozen=True)
class AttentionExample:
    """One attention map: ``weights`` has shape (len(output_tokens), len(source_tokens))."""

    source_tokens: List[str]
    output_tokens: List[str]
    weights: Tensor


def token_label(token: str) -> str:
    """``token`` as a readable label: " " -> "␣", "\\n" -> "↵", other whitespace as its repr."""
    if token in VISIBLE:
        return VISIBLE[token]
    return token if token.strip() else repr(token)


def _matrix(source_tokens: Sequence[str], output_tokens: Sequence[str],
            weights: Union[Tensor, np.ndarray]) -> np.ndarray:
    if isinstance(weights, Tensor):
        weights = weights.detach().float().cpu().numpy()
    matrix = np.asarray(weights, dtype=np.float64)
    expected = (len(output_tokens), len(source_tokens))
    if matrix.shape != expected:
        raise ValueError(f"attention weights have shape {matrix.shape}, expected {expected} "
                         f"(output tokens, source tokens)")
    return matrix


def _clamp(value: float, bounds: Tuple[float, float]) -> float:
    return min(max(value, bounds[0]), bounds[1])


def attention_figure(source_tokens: Sequence[str], output_tokens: Sequence[str],
                     weights: Union[Tensor, np.ndarray], title: str = "") -> Figure:
    """A heatmap of ``weights`` (output tokens × source tokens) with a colorbar and the tokens as ticks.

    The colour scale spans 0..1 (attention weights are probabilities) unless the weights leave it. The
    figure grows with the token counts, 0.3 inch a token, within 3..16 inches a side; tick labels shrink
    to fit. Raises ``ValueError`` when the shape of ``weights`` does not match the token counts or
    either side has no token.
    """
    matrix = _matrix(source_tokens, output_tokens, weights)
    if not matrix.size:
        raise ValueError(f"attention_figure needs at least one source and one output token, got {matrix.shape}")
    width = _clamp(2.5 + INCHES_PER_TOKEN * len(source_tokens), FIGURE_INCHES)
    height = _clamp(1.5 + INCHES_PER_TOKEN * len(output_tokens), FIGURE_INCHES)
    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(matrix, cmap="viridis", vmin=min(0.0, float(matrix.min())), vmax=max(1.0, float(matrix.max())),
                        aspect="auto", interpolation="nearest")
    figure.colorbar(image, ax=axes)
    x_points = _clamp(72 * (width - 2.5) / len(source_tokens), FONT_POINTS)
    y_points = _clamp(72 * (height - 1.5) / len(output_tokens), FONT_POINTS)
    x_labels = [token_label(t) for t in source_tokens]
    axes.set_xticks(range(len(source_tokens)), x_labels, rotation=90 if max(map(len, x_labels)) > 2 else 0,
                    fontsize=x_points)
    axes.set_yticks(range(len(output_tokens)), [token_label(t) for t in output_tokens], fontsize=y_points)
    axes.set_xlabel("source")
    axes.set_ylabel("output")
    if title:
        axes.set_title(title)
    return figure


def format_attention(source_tokens: Sequence[str], output_tokens: Sequence[str],
                     weights: Union[Tensor, np.ndarray], decimals: int = 2) -> str:
    """``weights`` as an aligned text table: a header row of source tokens, then one row per output token.

    Tokens are labelled as in :func:`token_label`; numbers are right-aligned with ``decimals`` decimals.
    Raises ``ValueError`` when the shape of ``weights`` does not match the token counts.
    """
    matrix = _matrix(source_tokens, output_tokens, weights)
    header = [token_label(t) for t in source_tokens]
    rows = [[f"{value:.{decimals}f}" for value in row] for row in matrix]
    widths = [max([len(label)] + [len(row[j]) for row in rows]) for j, label in enumerate(header)]
    names = [token_label(t) for t in output_tokens]
    name_width = max((len(name) for name in names), default=0)
    lines = [" ".join([" " * name_width] + [label.rjust(w) for label, w in zip(header, widths)])]
    lines += [" ".join([name.ljust(name_width)] + [cell.rjust(w) for cell, w in zip(row, widths)])
              for name, row in zip(names, rows)]
    return "\n".join(line.rstrip() for line in lines)


def figure_to_png(figure: Figure, path: Union[str, Path]) -> Path:
    """Writes ``figure`` to ``path`` as a PNG (creating its folder) and returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path
