"""The linear-chain CRF against brute-force enumeration of all K^L tag paths, on tiny ragged batches."""

from __future__ import annotations

import itertools
import math
from typing import Iterator, Optional

import pytest
import torch
from torch import Tensor
from torch.func import functional_call

from seqmodels.nn.crf import CRF

K = 3
LENGTHS = [[1, 1, 1], [2, 1, 2], [3, 1, 2], [4, 2, 3], [4, 4, 1]]  # B = 3, T = max length


def make_crf(num_tags: int = K, dtype: torch.dtype = torch.float64, seed: int = 0, **allowed: Tensor) -> CRF:
    """A CRF whose parameters are N(0, 1), larger than the init, so that paths differ clearly."""
    crf = CRF(num_tags, **allowed).to(dtype)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in crf.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator, dtype=dtype))
    return crf


def batch(lengths: list[int], num_tags: int = K, dtype: torch.dtype = torch.float64,
          seed: int = 1) -> tuple[Tensor, Tensor, Tensor]:
    """emissions (B, T, K), tags (B, T), mask (B, T) for the given lengths; padding holds junk."""
    generator = torch.Generator().manual_seed(seed)
    steps = max(lengths)
    emissions = torch.randn(len(lengths), steps, num_tags, generator=generator, dtype=dtype)
    tags = torch.randint(0, num_tags, (len(lengths), steps), generator=generator)
    mask = torch.arange(steps).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)
    return emissions, tags, mask


def paths(length: int, num_tags: int = K, crf: Optional[CRF] = None) -> Iterator[tuple[int, ...]]:
    """All K^L tag paths of a length, or, given a CRF, only those its constraints allow."""
    for path in itertools.product(range(num_tags), repeat=length):
        if crf is None or allowed(crf, path):
            yield path


def allowed(crf: CRF, path: tuple[int, ...]) -> bool:
    return (bool(crf.allowed_start[path[0]]) and bool(crf.allowed_end[path[-1]])
            and all(bool(crf.allowed_transitions[i, j]) for i, j in zip(path, path[1:])))


def path_score(crf: CRF, emissions: Tensor, path: tuple[int, ...]) -> Tensor:
    """start[y_1] + Σ_t e_t(y_t) + Σ_t A[y_{t-1}, y_t] + end[y_L], straight from the definition."""
    score = crf.start_transitions[path[0]] + crf.end_transitions[path[-1]]
    for t, tag in enumerate(path):
        score = score + emissions[t, tag]
        if t:
            score = score + crf.transitions[path[t - 1], tag]
    return score


def brute_force(crf: CRF, emissions: Tensor, mask: Tensor,
                only_allowed: bool = False) -> tuple[Tensor, list[tuple[int, ...]], Tensor]:
    """log Z, the argmax paths and their scores, each sequence on its own, by enumeration."""
    log_z, best_paths, best_scores = [], [], []
    for row, length in zip(emissions, mask.sum(dim=1).tolist()):
        candidates = list(paths(length, crf.num_tags, crf if only_allowed else None))
        scores = torch.stack([path_score(crf, row, path) for path in candidates])
        log_z.append(torch.logsumexp(scores, dim=0))
        best_paths.append(candidates[int(scores.argmax())])
        best_scores.append(scores.max())
    return torch.stack(log_z), best_paths, torch.stack(best_scores)


def padded(path_list: list[tuple[int, ...]], steps: int) -> Tensor:
    return torch.tensor([list(path) + [0] * (steps - len(path)) for path in path_list])


def bio_constraints() -> dict[str, Tensor]:
    """Tags O = 0, B = 1, I = 2: no start in I, no O -> I, and (to test allowed_end) no end in B."""
    transitions = torch.ones(K, K, dtype=torch.bool)
    transitions[0, 2] = False
    return {"allowed_start": torch.tensor([True, True, False]), "allowed_transitions": transitions,
            "allowed_end": torch.tensor([True, False, True])}


def is_allowed(crf: CRF, tags: Tensor, mask: Tensor) -> bool:
    return all(allowed(crf, tuple(row[:length].tolist())) for row, length in zip(tags, mask.sum(dim=1).tolist()))


@pytest.mark.parametrize("lengths", LENGTHS, ids=str)
def test_log_partition_equals_brute_force(lengths: list[int]) -> None:
    crf = make_crf()
    emissions, _, mask = batch(lengths)
    expected, _, _ = brute_force(crf, emissions, mask)
    torch.testing.assert_close(crf.log_partition(emissions, mask), expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize("lengths", LENGTHS, ids=str)
def test_log_likelihood_equals_brute_force(lengths: list[int]) -> None:
    crf = make_crf()
    emissions, tags, mask = batch(lengths)
    log_z, _, _ = brute_force(crf, emissions, mask)
    scores = torch.stack([path_score(crf, emissions[b], tuple(tags[b, :n].tolist()))
                          for b, n in enumerate(lengths)])
    torch.testing.assert_close(crf.sequence_score(emissions, tags, mask), scores, rtol=0, atol=1e-10)
    torch.testing.assert_close(crf.log_likelihood(emissions, tags, mask), scores - log_z, rtol=0, atol=1e-10)
    torch.testing.assert_close(crf(emissions, tags, mask), scores - log_z, rtol=0, atol=1e-10)


@pytest.mark.parametrize("length", [1, 2, 4])
def test_probabilities_of_all_paths_sum_to_one(length: int) -> None:
    crf = make_crf()
    emissions, _, _ = batch([length])
    every = padded(list(paths(length)), length)                                    # (K^L, L): one row a path
    log_p = crf.log_likelihood(emissions.expand(len(every), -1, -1), every, torch.ones_like(every, dtype=torch.bool))
    assert len(every) == K ** length
    torch.testing.assert_close(log_p.exp().sum(), torch.tensor(1.0, dtype=torch.float64), rtol=0, atol=1e-12)


@pytest.mark.parametrize("lengths", LENGTHS, ids=str)
def test_decode_equals_brute_force_argmax(lengths: list[int]) -> None:
    crf = make_crf()
    emissions, _, mask = batch(lengths)
    _, best_paths, best_scores = brute_force(crf, emissions, mask)
    tags, scores = crf.decode(emissions, mask)
    assert tags.dtype == torch.long and tags.shape == mask.shape
    assert torch.equal(tags, padded(best_paths, max(lengths)))                    # 0 past each length
    torch.testing.assert_close(scores, best_scores, rtol=0, atol=1e-10)
    torch.testing.assert_close(crf.sequence_score(emissions, tags, mask), scores, rtol=0, atol=1e-10)


def test_padded_positions_change_nothing() -> None:
    crf = make_crf()
    emissions, tags, mask = batch([4, 2, 1])
    junk_emissions, junk_tags = emissions.clone(), tags.clone()
    junk_emissions[~mask] = torch.tensor([float("nan"), float("inf"), -1e30], dtype=torch.float64)
    junk_tags[~mask] = torch.tensor([99, -5, K])[torch.arange(int((~mask).sum())) % 3]
    for e, y in ((emissions, tags), (junk_emissions, junk_tags)):
        e.requires_grad_()
        crf.zero_grad()
        crf.log_likelihood(e, y, mask).sum().backward()
    torch.testing.assert_close(crf.log_partition(junk_emissions, mask), crf.log_partition(emissions, mask))
    torch.testing.assert_close(crf.log_likelihood(junk_emissions, junk_tags, mask),
                               crf.log_likelihood(emissions, tags, mask))
    assert torch.equal(junk_emissions.grad, emissions.grad)
    assert bool((junk_emissions.grad[~mask] == 0).all())                         # no gradient into padding
    for got, expected in zip(crf.decode(junk_emissions, mask), crf.decode(emissions, mask)):
        torch.testing.assert_close(got, expected)


@pytest.mark.parametrize("lengths", LENGTHS, ids=str)
def test_constraints_equal_brute_force_over_allowed_paths(lengths: list[int]) -> None:
    crf = make_crf(**bio_constraints())
    emissions, _, mask = batch(lengths)
    log_z, best_paths, best_scores = brute_force(crf, emissions, mask, only_allowed=True)
    torch.testing.assert_close(crf.log_partition(emissions, mask), log_z, rtol=0, atol=1e-10)
    tags, scores = crf.decode(emissions, mask)
    assert is_allowed(crf, tags, mask)
    assert torch.equal(tags, padded(best_paths, max(lengths)))
    torch.testing.assert_close(scores, best_scores, rtol=0, atol=1e-10)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_decode_avoids_forbidden_moves_however_strong_the_emissions(dtype: torch.dtype) -> None:
    crf = make_crf(dtype=dtype, **bio_constraints())
    with torch.no_grad():                                                          # parameters of forbidden moves
        crf.start_transitions[2] = crf.transitions[0, 2] = crf.end_transitions[1] = 1e6   # do not count
    emissions, _, mask = batch([4, 3, 1], dtype=dtype)
    emissions = emissions * 1e6                                                    # far past the -1e4 penalty
    emissions[:, 0, 2] = emissions[:, 1::2, 0] = emissions[:, 2::2, 2] = 1e8       # favour I first, O -> I, ...
    tags, scores = crf.decode(emissions, mask)
    assert is_allowed(crf, tags, mask)
    assert bool(torch.isfinite(scores).all())
    assert bool(torch.isfinite(crf.log_partition(emissions, mask)).all())


def test_no_allowed_path_gives_finite_results() -> None:
    """Only B may start and only I may end, but B -> I is forbidden too: length 1 and 2 have no allowed path."""
    transitions = torch.ones(K, K, dtype=torch.bool)
    transitions[1, 2] = False
    crf = make_crf(allowed_start=torch.tensor([False, True, False]), allowed_transitions=transitions,
                   allowed_end=torch.tensor([False, False, True]))
    emissions, tags, mask = batch([3, 2, 1])
    decoded, scores = crf.decode(emissions, mask)
    assert is_allowed(crf, decoded[:1], mask[:1]) and not is_allowed(crf, decoded[1:], mask[1:])
    for result in (crf.log_partition(emissions, mask), crf.log_likelihood(emissions, tags, mask), scores):
        assert bool(torch.isfinite(result).all())
    torch.testing.assert_close(crf.sequence_score(emissions, decoded, mask), scores)


@pytest.mark.parametrize("constrained", [False, True], ids=["free", "constrained"])
def test_gradcheck_log_likelihood(constrained: bool) -> None:
    crf = make_crf(**(bio_constraints() if constrained else {}))
    emissions, tags, mask = batch([3, 1, 2])
    tags[0] = torch.tensor([1, 2, 2])                                              # an allowed path (B I I)
    names = ["start_transitions", "transitions", "end_transitions"]

    def log_likelihood(emissions: Tensor, *parameters: Tensor) -> Tensor:
        return functional_call(crf, dict(zip(names, parameters)), (emissions, tags, mask))

    inputs = [emissions.requires_grad_()] + [getattr(crf, name).detach().clone().requires_grad_() for name in names]
    assert torch.autograd.gradcheck(log_likelihood, inputs)


def test_bad_input_raises_value_error() -> None:
    crf = make_crf()
    emissions, tags, mask = batch([3, 2, 1])
    empty = mask.clone()
    empty[1] = False                                                               # sequence 1 has length 0
    with pytest.raises(ValueError, match="every sequence needs at least one token"):
        crf.log_partition(emissions, empty)
    with pytest.raises(ValueError, match="every sequence needs at least one token"):
        crf.decode(emissions[:, :0], mask[:, :0])
    with pytest.raises(ValueError, match=r"emissions must have shape \(B, T, K\) with K = num_tags = 3, got \(3, 3, 4"):
        crf.log_partition(torch.randn(3, 3, 4, dtype=torch.float64), mask)
    with pytest.raises(ValueError, match=r"emissions must have shape.*got \(3, 3\)"):
        crf.decode(emissions[..., 0], mask)
    with pytest.raises(ValueError, match=r"mask must have shape \(B, T\) = \(3, 3\).*got \(3, 2\)"):
        crf.log_partition(emissions, mask[:, :2])
    with pytest.raises(ValueError, match=r"tags must have shape \(B, T\) = \(3, 3\).*got \(2, 3\)"):
        crf.log_likelihood(emissions, tags[:2], mask)
    with pytest.raises(ValueError, match="not left-aligned"):
        crf.log_partition(emissions, torch.tensor([[True, False, True]] * 3))
    for bad in (K, -1):
        wrong = tags.clone()
        wrong[0, 0] = bad
        with pytest.raises(ValueError, match=r"tags must lie in \[0, num_tags\) = \[0, 3\)"):
            crf.log_likelihood(emissions, wrong, mask)
    with pytest.raises(ValueError, match="allowed_transitions must have shape"):
        CRF(K, allowed_transitions=torch.ones(K, K + 1, dtype=torch.bool))
    with pytest.raises(ValueError, match="allowed_start must be a bool tensor"):
        CRF(K, allowed_start=torch.ones(K))
    with pytest.raises(ValueError, match="num_tags must be a positive int"):
        CRF(0)


def test_long_sequence_is_finite() -> None:
    """T = 5000, K = 9 in float32: O(T K^2), one step at a time, without overflow."""
    crf = CRF(9)
    emissions = torch.randn(1, 5000, 9) * 3
    mask = torch.ones(1, 5000, dtype=torch.bool)
    with torch.no_grad():
        tags, scores = crf.decode(emissions, mask)
        log_likelihood = crf.log_likelihood(emissions, tags, mask)
        assert bool(torch.isfinite(scores).all()) and bool(torch.isfinite(log_likelihood).all())
        assert -math.inf < float(log_likelihood) <= 1e-3                              # the best path: p <= 1
        assert float(crf.log_partition(emissions, mask)) >= float(scores) - 1e-2


def test_float32_agrees_with_float64() -> None:
    crf = make_crf()
    emissions, tags, mask = batch([4, 2, 3])
    single = make_crf(dtype=torch.float32)
    torch.testing.assert_close(single.log_likelihood(emissions.float(), tags, mask),
                               crf.log_likelihood(emissions, tags, mask).float())
    assert torch.equal(single.decode(emissions.float(), mask)[0], crf.decode(emissions, mask)[0])


def test_state_dict_round_trip_keeps_constraints() -> None:
    crf = make_crf(**bio_constraints())
    state = crf.state_dict()
    assert {"allowed_start", "allowed_transitions", "allowed_end"} <= set(state)
    loaded = CRF(K).to(torch.float64)                                              # built without constraints
    loaded.load_state_dict(state)
    for name, expected in bio_constraints().items():
        assert torch.equal(getattr(loaded, name), expected) and getattr(loaded, name).dtype == torch.bool
    emissions, _, mask = batch([4, 3, 1])
    for got, expected in zip(loaded.decode(emissions, mask), crf.decode(emissions, mask)):
        torch.testing.assert_close(got, expected)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_matches_cpu() -> None:
    crf = make_crf(**bio_constraints())
    emissions, tags, mask = batch([4, 2, 3])
    expected = [crf.log_partition(emissions, mask), crf.log_likelihood(emissions, tags, mask),
                *crf.decode(emissions, mask)]
    crf.to("cuda")
    emissions, tags, mask = emissions.cuda(), tags.cuda(), mask.cuda()
    got = [crf.log_partition(emissions, mask), crf.log_likelihood(emissions, tags, mask), *crf.decode(emissions, mask)]
    for g, e in zip(got, expected):
        assert g.device.type == "cuda"
        torch.testing.assert_close(g.cpu(), e)
