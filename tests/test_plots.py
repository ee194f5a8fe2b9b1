import numpy as np
import pytest
import torch

from seqmodels.plots import attention_figure, figure_to_png, format_attention, token_label

SOURCE = ["the", "cat", " "]
OUTPUT = ["le", "chat"]
WEIGHTS = torch.tensor([[0.7, 0.2, 0.1], [0.05, 0.9, 0.05]])


def test_figure_shows_the_weights_with_token_ticks() -> None:
    figure = attention_figure(SOURCE, OUTPUT, WEIGHTS, title="example")
    heatmap = figure.axes[0]
    assert len(heatmap.images) == 1
    np.testing.assert_allclose(heatmap.images[0].get_array(), WEIGHTS.numpy())
    assert [label.get_text() for label in heatmap.get_xticklabels()] == ["the", "cat", "␣"]
    assert [label.get_text() for label in heatmap.get_yticklabels()] == ["le", "chat"]
    assert heatmap.get_title() == "example"
    assert len(figure.axes) == 2  # the heatmap and its colorbar


def test_figure_accepts_numpy_and_grows_within_bounds() -> None:
    small = attention_figure(["a"], ["b"], np.ones((1, 1)))
    large = attention_figure([str(i) for i in range(500)], ["x"] * 3, np.zeros((3, 500)))
    assert small.get_size_inches()[0] < large.get_size_inches()[0] <= 16.0
    assert large.get_size_inches()[1] < 16.0


@pytest.mark.parametrize("shape", [(3, 2), (2, 4), (6,)])
def test_shape_mismatch_names_the_shapes(shape) -> None:
    with pytest.raises(ValueError, match=r"shape \(.*\), expected \(2, 3\)"):
        attention_figure(SOURCE, OUTPUT, torch.zeros(shape))
    with pytest.raises(ValueError, match=r"expected \(2, 3\)"):
        format_attention(SOURCE, OUTPUT, torch.zeros(shape))


def test_no_token_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        attention_figure([], ["a"], torch.zeros(1, 0))


def test_format_attention_is_an_aligned_matrix() -> None:
    lines = format_attention(SOURCE, OUTPUT, WEIGHTS).split("\n")
    assert lines == [
        "      the  cat    ␣",
        "le   0.70 0.20 0.10",
        "chat 0.05 0.90 0.05",
    ]
    assert format_attention(SOURCE, OUTPUT, WEIGHTS, decimals=1).split("\n")[2] == "chat 0.1 0.9 0.1"


def test_whitespace_tokens_get_visible_labels() -> None:
    assert [token_label(t) for t in [" ", "\n", "\t", "", "\r", "a b"]] == ["␣", "↵", "⇥", "∅", "'\\r'", "a b"]


def test_png_is_written(tmp_path) -> None:
    path = figure_to_png(attention_figure(SOURCE, OUTPUT, WEIGHTS), tmp_path / "maps" / "example.png")
    assert path == tmp_path / "maps" / "example.png"
    assert path.read_bytes().startswith(b"\x89PNG")
