"""Class subsets, few-shot training splits and starting a run from another's weights."""

import numpy as np
import pytest

from keraslab.core import actions
from keraslab.core.data import Examples, limit_per_class, select_classes
from keraslab.core.errors import ConfigError, KeraslabError
from keraslab.core.trainer.transfer import LAYER_WEIGHTS


def train(registry, tmp_path, name, *overrides):
    return actions.start_training(
        registry,
        "foundations",
        "mlp",
        run_dir=str(tmp_path / name),
        overrides=["data.synthetic=true", "train.epochs=2", "train.batch_size=32", *overrides],
    )


def test_select_classes_renumbers_in_the_order_given():
    examples = Examples(np.arange(6.0)[:, None], np.array([0, 1, 2, 3, 2, 1]), 4, ("a", "b", "c", "d"))
    picked = select_classes(examples, (2, 1))
    assert picked.features[:, 0].tolist() == [1, 2, 4, 5]
    assert picked.targets.tolist() == [1, 0, 0, 1]
    assert picked.num_classes == 2 and picked.class_names == ("c", "b")
    for bad in [(2,), (1, 1), (0, 4)]:
        with pytest.raises(KeraslabError, match="at least 2 distinct class ids in 0..3"):
            select_classes(examples, bad)


def test_limit_per_class_keeps_the_first_of_each_class():
    examples = Examples(np.arange(7.0)[:, None], np.array([1, 0, 1, 1, 0, 0, 1]), 2)
    assert limit_per_class(examples, 2).features[:, 0].tolist() == [0, 1, 2, 4]


def test_few_shot_splits_keep_the_full_test_split(registry, tmp_path):
    _, full = train(registry, tmp_path, "full", "data.classes=[5, 6, 7]")
    _, few = train(registry, tmp_path, "few", "data.classes=[5, 6, 7]", "data.train_per_class=4")
    assert few["examples"]["train"] == 12
    assert few["examples"]["test"] == full["examples"]["test"] < 200 * 0.15


def test_init_from_copies_the_base_freezes_it_and_trains_a_new_head(registry, tmp_path):
    source, _ = train(registry, tmp_path, "source", "data.classes=[0, 1, 2, 3, 4]")
    target, summary = train(
        registry,
        tmp_path,
        "target",
        "data.classes=[5, 6, 7, 8, 9]",
        f"init.from_run={source.path}",
        "init.freeze=true",
    )
    before, after = np.load(source.path / LAYER_WEIGHTS), np.load(target.path / LAYER_WEIGHTS)
    assert summary["initialized_from"]["layers"] == ["dense_0", "dense_1"]
    for key in ("dense_0/0", "dense_0/1", "dense_1/0"):  # copied and frozen: unchanged by training
        np.testing.assert_array_equal(before[key], after[key])
    assert not np.allclose(before["logits/0"], after["logits/0"])  # a new head, trained


def test_unfrozen_init_trains_the_copied_layers(registry, tmp_path):
    source, _ = train(registry, tmp_path, "source", "data.classes=[0, 1, 2, 3, 4]")
    target, summary = train(
        registry,
        tmp_path,
        "target",
        "data.classes=[5, 6, 7, 8, 9]",
        f"init.from_run={source.path}",
        "init.output_layers=true",
    )
    assert "logits" in summary["initialized_from"]["layers"]
    before, after = np.load(source.path / LAYER_WEIGHTS), np.load(target.path / LAYER_WEIGHTS)
    assert not np.allclose(before["dense_0/0"], after["dense_0/0"])


@pytest.mark.parametrize(
    "setting, message",
    [
        ("init.from_run={missing}", "is not a run directory"),
        ("init.freeze=true", "need init.from_run"),
    ],
)
def test_unusable_init_is_refused_before_any_write(registry, tmp_path, setting, message):
    with pytest.raises(ConfigError, match=message):
        train(registry, tmp_path, "target", setting.format(missing=tmp_path / "nowhere"))
    assert not (tmp_path / "target").exists()


def test_init_from_another_architecture_is_refused(registry, tmp_path):
    source, _ = train(registry, tmp_path, "source")
    with pytest.raises(ConfigError, match="shares no layer"):
        actions.start_training(
            registry,
            "foundations",
            "logistic-regression",
            run_dir=str(tmp_path / "target"),
            overrides=["data.synthetic=true", "data.name=breast-cancer", f"init.from_run={source.path}"],
        )
