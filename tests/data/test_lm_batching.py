import torch

from seqmodels.data.batching.language_modeling import ContiguousBatches, collate_sentences, stream_ids


def test_stream_puts_eos_after_every_sentence() -> None:
    assert stream_ids([[5, 6], [], [7]], eos_id=3).tolist() == [5, 6, 3, 3, 7, 3]


def test_bptt_batches_keep_token_order_and_shift_targets_by_one() -> None:
    stream = torch.arange(103)
    batches = ContiguousBatches(stream, batch_size=4, bptt=7)
    rows = (103 - 1) // 4  # 25 tokens per row
    assert len(batches) == 4  # 7 + 7 + 7 + 4 columns
    inputs = torch.cat([batches[i][0] for i in range(len(batches))], dim=1)
    targets = torch.cat([batches[i][1] for i in range(len(batches))], dim=1)
    # reading each row across the batches gives the stream in order: row r is tokens [r*25, (r+1)*25)
    assert torch.equal(inputs, torch.arange(4 * rows).view(4, rows))
    assert torch.equal(targets, inputs + 1)
    assert batches[3][0].shape == (4, 4) and batches[0][2] is None


def test_shards_read_disjoint_rows_in_order() -> None:
    stream = torch.arange(81)
    shards = [ContiguousBatches(stream, batch_size=2, bptt=5, shard=s, num_shards=2) for s in range(2)]
    first_columns = [shard[0][0][:, 0].tolist() for shard in shards]
    assert first_columns == [[0, 20], [40, 60]]
    assert len(shards[0]) == len(shards[1]) == 4


def test_sentences_are_bos_to_eos_and_padded() -> None:
    inputs, targets, lengths = collate_sentences([torch.tensor([7, 8, 9]), torch.tensor([5])], 2, 3, 0)
    assert inputs.tolist() == [[2, 7, 8, 9], [2, 5, 0, 0]]
    assert targets.tolist() == [[7, 8, 9, 3], [5, 3, 0, 0]]
    assert lengths.tolist() == [4, 2]
