"""Streamed data under several replicas: each input pipeline reads only its
own pieces of every global batch (`pipeline.Share`). Checked on an image
folder and on record files, for two workers of one replica and for one
worker of two: the pieces of each step make up the one-device batch, so
every training example is read once per epoch, by one worker only."""

import types

import numpy as np
import pytest

from keraslab.core.csv_records import csv_records
from keraslab.core.image_folders import image_folder
from keraslab.core.streams import Share
from keraslab.core.trainer import pipeline
from tests.test_streams import class_folder


def identities(batch):
    """Each example's own number: the first pixel (image folders) or first feature (records)."""
    features = batch[0].numpy()
    return features.reshape(len(features), -1)[:, 0].astype(int).tolist()


def read_by_shares(make, shares):
    """Step by step, the identities each share read: one list of pieces per step."""
    streams = [[identities(piece) for piece in make(share)] for share in shares]
    per_step = [len(stream) // share.count for stream, share in zip(streams, shares)]
    assert len(set(per_step)) == 1, "every input pipeline must take as many steps"
    steps = []
    for step in range(per_step[0]):
        steps.append([p for stream, s in zip(streams, shares) for p in stream[step * s.count : (step + 1) * s.count]])
    return steps


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """46 images (23 per class) whose first pixel is their number: batch 8 leaves a short last batch of 6."""
    return image_folder(str(class_folder(tmp_path_factory.mktemp("images"), per_class=23)))


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    root = tmp_path_factory.mktemp("table")
    (root / "t.csv").write_text("".join(f"{i},0,{i % 2}\n" for i in range(46)))
    return csv_records(str(root / "t.csv"), "classification")


def two_workers():
    return [Share(0, 1, 2), Share(1, 1, 2)]


@pytest.mark.parametrize("shares", [two_workers(), [Share(0, 2, 2)]], ids=["two workers", "two local replicas"])
@pytest.mark.parametrize("kind", ["folder", "records"])
def test_the_pieces_of_each_step_are_the_one_device_batch(kind, shares, request):
    data = request.getfixturevalue(kind)
    whole = [identities(b) for b in pipeline.training_dataset(data, 8, seed=3, first_epoch=0, last_epoch=2)]
    steps = read_by_shares(lambda share: pipeline.training_dataset(data, 8, 3, 0, 2, share), shares)
    assert [sum(pieces, []) for pieces in steps] == whole
    # 46 = 5 × 8 + 6: full batches give each replica 4, the short one 3 and 3 (never an empty piece).
    assert [len(p) for p in steps[5]] == [3, 3] and all(len(p) == 4 for step in steps[:5] for p in step)
    seen = sorted(sum(sum(steps[:6], []), []))
    assert seen == sorted(sum(whole[:6], [])) and len(seen) == len(set(seen)) == 46  # epoch 0: each example once


@pytest.mark.parametrize("kind", ["folder", "records"])
def test_evaluation_by_shares_reads_the_split_once_in_order(kind, request):
    data = request.getfixturevalue(kind)
    steps = read_by_shares(lambda share: pipeline.evaluation_dataset(data, 8, share), two_workers())
    assert sum(sum(steps, []), []) == sum((identities(b) for b in pipeline.evaluation_dataset(data, 8)), [])


def test_a_worker_never_opens_the_other_workers_files(tmp_path):
    """Delete every file worker 0 reads in epoch 0: worker 1 still reads its whole share."""
    files = image_folder(str(class_folder(tmp_path, per_class=23)))
    first = [identities(b) for b in pipeline.training_dataset(files, 8, 3, 0, 1, Share(0, 1, 2))]
    second = [identities(b) for b in pipeline.training_dataset(files, 8, 3, 0, 1, Share(1, 1, 2))]
    for number in sum(first, []):  # class_folder's image i of class c has the value 40·c + i
        (tmp_path / "ab"[number // 40] / f"{number - 40 * (number // 40):03d}.png").unlink()
    assert [identities(b) for b in pipeline.training_dataset(files, 8, 3, 0, 1, Share(1, 1, 2))] == second
    assert len(sum(second, [])) == 23


class RecordingStrategy:
    """A strategy of four replicas on two workers, as seen by worker 1: it
    records the share `distribute_datasets_from_function` hands its function."""

    num_replicas_in_sync = 4

    def distribute_datasets_from_function(self, make):
        context = types.SimpleNamespace(num_replicas_in_sync=4, num_input_pipelines=2, input_pipeline_id=1)
        return ("distributed", make(context))


def test_streamed_data_is_shared_only_under_several_replicas(folder, records):
    import tensorflow as tf

    from keraslab.core.data import Examples

    def make(share):
        return share

    # Worker 1 of 2, two replicas each: pieces 2 and 3 of 4.
    assert pipeline.for_strategy(RecordingStrategy(), folder, make) == ("distributed", Share(2, 2, 4))
    assert pipeline.for_strategy(RecordingStrategy(), records, make) == ("distributed", Share(2, 2, 4))
    memory = Examples(np.zeros((4, 2), np.float32), np.zeros(4, np.int64), 2)
    assert pipeline.for_strategy(RecordingStrategy(), memory, make) is None  # tf.data shards arrays in memory
    assert pipeline.for_strategy(tf.distribute.get_strategy(), folder, make) is None  # one replica: whole batches
