"""A plugin author's mistakes: one line naming the plugin, the model and the
fix, exit status 2, and no run directory, from the CLI as from `check_plugin`."""

import dataclasses

import numpy as np
import pytest

from keraslab.core.contract import DatasetSpec, ModelSpec, Plugin
from keraslab.core.data import Examples
from keraslab.core.errors import PluginError
from keraslab.core.registry import Registry
from keraslab.core.testing import check_plugin


@dataclasses.dataclass(frozen=True)
class NoConfig:
    pass


def thirteen_features(data_config):
    """120 rows of 13 features, three classes told apart by the first feature."""
    rng = np.random.default_rng(0)
    targets = np.arange(120) % 3
    features = rng.normal(size=(120, 13)).astype("float32")
    features[:, 0] += 3 * targets
    return Examples(features, targets, num_classes=3)


def _logits(config, info):
    import tensorflow as tf

    inputs = tf.keras.Input(shape=info.input_shape)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(info.num_classes)(inputs))


def returns_none(config, info):
    return None


def returns_a_tensor(config, info):
    import tensorflow as tf

    return tf.zeros((1, 3))


def takes_thirty_features(config, info):
    import tensorflow as tf

    inputs = tf.keras.Input(shape=(30,))
    return tf.keras.Model(inputs, tf.keras.layers.Dense(info.num_classes)(inputs))


def ends_in_softmax(config, info):
    import tensorflow as tf

    inputs = tf.keras.Input(shape=info.input_shape)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(info.num_classes, activation="softmax")(inputs))


def ends_in_a_softmax_layer(config, info):
    import tensorflow as tf

    inputs = tf.keras.Input(shape=info.input_shape)
    return tf.keras.Model(inputs, tf.keras.layers.Softmax()(tf.keras.layers.Dense(info.num_classes)(inputs)))


def probabilities_from_a_lambda(config, info):
    import tensorflow as tf

    inputs = tf.keras.Input(shape=info.input_shape)
    logits = tf.keras.layers.Dense(info.num_classes)(inputs)
    return tf.keras.Model(inputs, tf.keras.layers.Lambda(tf.nn.softmax)(logits))


def binary_ends_in_sigmoid(config, info):
    import tensorflow as tf

    inputs = tf.keras.Input(shape=info.input_shape)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(1, activation="sigmoid")(inputs))


def one_row_whatever_the_batch(config, info):
    import tensorflow as tf

    inputs = tf.keras.Input(shape=info.input_shape, batch_size=None)
    summed = tf.keras.layers.Lambda(lambda x: tf.reduce_sum(x, axis=0, keepdims=True))(inputs)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(info.num_classes)(summed))


def mine(build):
    return Plugin(
        name="mine",
        topic="mistakes",
        version="0.1",
        description="A plugin with one model.",
        models=(ModelSpec("model", "The model.", build, NoConfig(), default_dataset="thirteen"),),
        datasets=(DatasetSpec("thirteen", "13 features.", thirteen_features, thirteen_features),),
    )


MISTAKES = {
    "returns None": (returns_none, "plugin 'mine', model 'model'.build returned None, expected a tf.keras.Model"),
    "returns a tensor": (
        returns_a_tensor,
        "model 'model'.build returned a tensorflow.python.framework.ops.EagerTensor, expected a tf.keras.Model",
    ),
    "input of the wrong shape": (
        takes_thirty_features,
        "plugin 'mine', model 'model' does not accept the examples of dataset 'thirteen': they are "
        "(batch, 13) float32, the model takes (batch, 30)",
    ),
    "a typo in the builder's reference": (
        f"{__name__}:takes_thirty_featurez",
        "plugin 'mine', model 'model'.build: cannot resolve 'tests.test_plugin_mistakes:takes_thirty_featurez': "
        "AttributeError",
    ),
    "a module that does not exist": (
        "tests.no_such_module:build",
        "cannot resolve 'tests.no_such_module:build': ModuleNotFoundError: No module named 'tests.no_such_module'",
    ),
    "a softmax at the end": (
        ends_in_softmax,
        "is a classifier whose builder ends in a softmax; the contract takes logits",
    ),
    "a Softmax layer at the end": (ends_in_a_softmax_layer, "whose builder ends in a softmax"),
    "probabilities from a Lambda": (probabilities_from_a_lambda, "whose builder returns outputs that sum to one"),
    "a sigmoid at the end": (binary_ends_in_sigmoid, "whose builder ends in a sigmoid"),
    "one row for the whole batch": (
        one_row_whatever_the_batch,
        "a batch of 8 examples gave an output of shape (1, 3); expected one row per example",
    ),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_check_plugin_raises_a_plugin_error(mistake):
    build, message = MISTAKES[mistake]
    with pytest.raises(PluginError) as error:
        check_plugin(mine(build))
    assert message in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("mistake", MISTAKES)
def test_the_cli_says_one_line_and_leaves_no_run(cli_runner, tmp_path, mistake):
    build, message = MISTAKES[mistake]
    registry = Registry([])
    registry.add(mine(build))
    result = cli_runner(
        "mine", "train", "model", "--epochs", "1", "--runs-root", str(tmp_path / "runs"), registry=registry
    )
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.output
    assert not (tmp_path / "runs").exists()


def test_a_model_that_honours_the_contract_passes_and_trains(cli_runner, tmp_path):
    check_plugin(mine(_logits))
    registry = Registry([])
    registry.add(mine(_logits))
    result = cli_runner(
        "mine", "train", "model", "--epochs", "3", "--runs-root", str(tmp_path / "runs"), registry=registry
    )
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "runs" / "mine" / "model").iterdir())) == 1


def test_a_failed_run_records_the_cause_not_the_first_line():
    from keraslab.core.errors import describe_error

    # What TensorFlow raises from a traced function: the cause comes after the frames.
    traced = ValueError(
        'in user code:\n\n    File "/x/training.py", line 1, in train_function  *\n'
        "        return step_function(self, iterator)\n\n"
        '    ValueError: Input 0 of layer "dense" is incompatible with the layer: '
        "expected axis -1 of input shape to have value 30, but received input with shape (None, 13)\n"
    )
    assert describe_error(traced) == (
        'ValueError: Input 0 of layer "dense" is incompatible '
        "with the layer: expected axis -1 of input shape to have value 30, but received input with shape (None, 13)"
    )
    assert describe_error(RuntimeError()) == "RuntimeError"
