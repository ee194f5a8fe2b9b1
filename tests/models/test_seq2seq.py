"""The encoder-decoder: shapes for every cell, attention and style, the batched teacher-forced passes against
the step loop, padding, scheduled sampling, gradients, decoding and the bad options."""

from __future__ import annotations

import itertools

import pytest
import torch

from seqmodels.models.seq2seq import ATTENTIONS, Seq2Seq
from seqmodels.nn import RecurrentOptions

SOURCE_VOCAB, TARGET_VOCAB, BOS, EOS = 11, 13, 2, 3


def make(cell: str = "gru", attention: str = "additive", style: str = "bahdanau", input_feeding: bool = False,
         **cell_options: object) -> Seq2Seq:
    torch.manual_seed(0)
    recurrent = RecurrentOptions(cell, hidden_size=8, bidirectional=attention != "dot", cell_options=cell_options)
    return Seq2Seq(SOURCE_VOCAB, TARGET_VOCAB, recurrent, embedding_size=6, attention=attention,
                   attention_style=style, input_feeding=input_feeding).eval()


def batch(batch_size: int = 3, source_length: int = 7, target_length: int = 5):
    torch.manual_seed(1)
    source = torch.randint(4, SOURCE_VOCAB, (batch_size, source_length))
    lengths = torch.tensor([source_length, source_length - 2, 3][:batch_size])
    for row, length in enumerate(lengths.tolist()):
        source[row, length:] = 0
    target = torch.randint(4, TARGET_VOCAB, (batch_size, target_length))
    target[:, 0] = BOS
    return source, lengths, target


@pytest.mark.parametrize("cell,attention,style", list(itertools.product(("rnn", "gru", "lstm"), ATTENTIONS,
                                                                        ("bahdanau", "luong"))))
def test_shapes_and_weights_for_every_cell_attention_and_style(cell: str, attention: str, style: str) -> None:
    model = make(cell, attention, style)
    source, lengths, target = batch()
    logits, weights = model(source, lengths, target)
    assert logits.shape == (3, 5, TARGET_VOCAB)
    if attention == "none":
        assert weights is None
        return
    assert weights.shape == (3, 5, 7)
    torch.testing.assert_close(weights.sum(-1), torch.ones(3, 5))                    # Σ_t' α<t,t'> = 1
    for row, length in enumerate(lengths.tolist()):
        assert bool((weights[row, :, length:] == 0).all())                            # padding gets no weight


@pytest.mark.parametrize("cell,attention,style", list(itertools.product(("rnn", "gru", "lstm"), ATTENTIONS,
                                                                        ("bahdanau", "luong"))))
def test_teacher_forcing_batches_what_it_can_and_equals_the_step_loop(cell: str, attention: str, style: str) -> None:
    """luong: the Recurrent over all steps and a batched α; bahdanau: the cell step by step, o<t> and the logits
    for all steps at once; either way the logits of the decoding loop (which keeps W_h h from the encoder)."""
    model = make(cell, attention, style)
    source, lengths, target = batch()
    batched, batched_weights = model(source, lengths, target)
    state = model.initial_state(model.encode(source, lengths))
    steps, step_weights = [], []
    for t in range(target.size(1)):
        logits, state, weights = model.step_logits(target[:, t], state)
        steps.append(logits)
        step_weights.append(weights)
    torch.testing.assert_close(batched, torch.stack(steps, 1), atol=1e-5, rtol=1e-4)
    if attention != "none":
        torch.testing.assert_close(batched_weights, torch.stack(step_weights, 1), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("style", ("bahdanau", "luong"))
def test_input_feeding_changes_the_decoder_input_and_still_trains(style: str) -> None:
    model = make("lstm", "general", style, input_feeding=True)
    assert model.decoder.input_size == 6 + (16 if style == "bahdanau" else 0) + 8    # [E y, c<t>?, o<t-1>]
    source, lengths, target = batch()
    logits, _ = model(source, lengths, target)
    logits.sum().backward()
    assert model.combine.weight.grad is not None


def test_padding_the_source_further_changes_nothing() -> None:
    model = make("gru", "additive", "bahdanau")
    source, lengths, target = batch()
    padded = torch.cat([source, torch.zeros(3, 4, dtype=torch.long)], dim=1)
    expected, _ = model(source, lengths, target)
    got, weights = model(padded, lengths, target)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-4)
    assert bool((weights[:, :, 7:] == 0).all())


def test_without_teacher_forcing_the_decoder_reads_its_own_outputs() -> None:
    model = make("gru", "dot", "bahdanau")
    source, lengths, target = batch()
    other = target.clone()
    other[:, 1:] = (other[:, 1:] + 1 - 4) % (TARGET_VOCAB - 4) + 4                 # other true tokens after <bos>
    free, _ = model(source, lengths, target, teacher_forcing=0.0)
    torch.testing.assert_close(model(source, lengths, other, teacher_forcing=0.0)[0], free)
    forced, _ = model(source, lengths, target, teacher_forcing=1.0)
    assert not torch.allclose(forced[:, 1:], model(source, lengths, other, teacher_forcing=1.0)[0][:, 1:])


def test_no_attention_is_the_course_model_whose_decoder_sees_only_c_equals_h_tx() -> None:
    model = make("gru", "none", "bahdanau")
    source, lengths, target = batch()
    memory = model.encode(source, lengths)
    outputs, _ = model.encoder(model.source_embedding(source), lengths=lengths)
    for row, length in enumerate(lengths.tolist()):                                 # C = [→h<Tx>, ←h<1>]
        torch.testing.assert_close(memory.summary[row], torch.cat([outputs[row, length - 1, :8], outputs[row, 0, 8:]]))
    changed = memory._replace(keys=torch.randn_like(memory.keys))                 # h<1..Tx> are not read
    state = model.initial_state(memory)
    first, _, _ = model.step_logits(target[:, 0], state)
    again, _, _ = model.step_logits(target[:, 0], state._replace(memory=changed))
    torch.testing.assert_close(first, again)


def test_every_parameter_gets_a_gradient() -> None:
    model = make("lstm", "additive", "bahdanau").train()
    source, lengths, target = batch()
    logits, _ = model(source, lengths, target)
    torch.nn.functional.cross_entropy(logits.reshape(-1, TARGET_VOCAB), target.roll(-1, 1).reshape(-1)).backward()
    missing = [name for name, p in model.named_parameters() if p.grad is None and name != "target_embedding.weight"]
    assert missing == []


def test_beam_one_is_greedy_and_a_wider_beam_returns_one_hypothesis_per_sentence() -> None:
    model = make("gru", "additive", "luong")
    source, lengths, _ = batch()
    greedy = model.translate(source, lengths, BOS, EOS, max_length=6)
    beam_one = model.translate(source, lengths, BOS, EOS, max_length=6, beam_size=1)
    assert [h.tokens for h in greedy] == [h.tokens for h in beam_one]
    beam = model.translate(source, lengths, BOS, EOS, max_length=6, beam_size=4, length_penalty=0.6)
    assert len(beam) == 3 and all(len(h.tokens) <= 6 for h in beam)
    for hypothesis in greedy:
        assert hypothesis.attention.shape[1] == 7


def test_a_source_far_longer_than_any_seen_is_read_whole_and_the_output_stops_at_max_length() -> None:
    model = make("gru", "additive", "bahdanau")
    source = torch.randint(4, SOURCE_VOCAB, (1, 1000))
    (hypothesis,) = model.translate(source, torch.tensor([1000]), BOS, EOS, max_length=12, beam_size=3)
    assert len(hypothesis.tokens) <= 12
    if hypothesis.attention is not None:
        assert hypothesis.attention.shape[1] == 1000


@pytest.mark.parametrize("options,message", [
    ({"attention": "bahdanau"}, "attention='bahdanau'"),
    ({"attention_style": "transformer"}, "attention_style='transformer'"),
    ({"cell": "tcn"}, "unknown cell 'tcn'"),
    ({"attention": "dot", "bidirectional": True}, "attention=dot"),
])
def test_bad_options_are_named(options: dict, message: str) -> None:
    arguments = {"cell": "gru", "attention": "additive", "bidirectional": False, **options}
    recurrent = {name: arguments.pop(name) for name in ("cell", "bidirectional")}
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        Seq2Seq(SOURCE_VOCAB, TARGET_VOCAB, RecurrentOptions(hidden_size=4, **recurrent), embedding_size=4,
                **arguments)


@pytest.mark.parametrize("style", ("bahdanau", "luong"))
def test_under_bf16_autocast_training_and_decoding_run(style: str) -> None:
    """What trainer=gpu (bf16-mixed) does, on the CPU's autocast: the same code paths, in bfloat16."""
    model = make("gru", "additive", style, reset_after=True).train()
    source, lengths, target = batch()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits, _ = model(source, lengths, target)
        logits.float().sum().backward()
        hypotheses = model.eval().translate(source, lengths, BOS, EOS, max_length=5, beam_size=2)
    assert logits.shape == (3, 5, TARGET_VOCAB) and len(hypotheses) == 3


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("style", ("bahdanau", "luong"))
def test_on_a_gpu_the_model_runs_fused_and_decodes_as_on_the_cpu(style: str) -> None:
    model = make("gru", "additive", style, reset_after=True)
    source, lengths, target = batch()
    expected, _ = model(source, lengths, target)
    on_cpu = model.translate(source, lengths, BOS, EOS, max_length=6, beam_size=3)
    model = model.cuda()
    assert model.encoder.resolved_backend() == "fused"
    got, _ = model(source.cuda(), lengths, target.cuda())
    torch.testing.assert_close(got.cpu(), expected, atol=1e-4, rtol=1e-3)
    on_gpu = model.translate(source.cuda(), lengths, BOS, EOS, max_length=6, beam_size=3)
    assert [h.tokens for h in on_gpu] == [h.tokens for h in on_cpu]
