"""From a plugin's declarations to concrete things: configs, data, models.

These are the steps every command shares (train, evaluate, export,
`check_plugin`), kept in one place so they cannot drift apart.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from keraslab.core.config import DataConfig, RunConfig
from keraslab.core.contract import DataInfo, ModelSpec, Plugin
from keraslab.core.data import (
    Examples,
    Splits,
    bootstrap_resample,
    fold_splits,
    limit_per_class,
    select_classes,
    split_examples,
)
from keraslab.core.data_checks import check_examples
from keraslab.core.errors import KeraslabError, PluginError, describe_error
from keraslab.core.linked import LinkedExamples
from keraslab.core.records import ExampleRecords, split_records
from keraslab.core.refs import resolve_declared
from keraslab.core.streams import ExampleFiles, split_files
from keraslab.core.tfds_data import is_tfds_name, load_tfds

# Examples of a streamed training split decoded for `DataInfo.train_features`.
STREAMED_SAMPLE = 256


def default_config(spec: ModelSpec) -> RunConfig:
    """The model's default run config: the shared defaults with its preset applied."""
    config = RunConfig(model=spec.config, data=spec.data_config(name=spec.default_dataset))
    if spec.preset is not None:
        config = resolve_declared(spec.preset, f"model '{spec.name}'.preset")(config)
        if not isinstance(config, RunConfig):
            raise PluginError(f"model '{spec.name}'.preset returned a {type(config).__name__}, expected a RunConfig")
    return config


def load_examples(plugin: Plugin, data: DataConfig):
    """Loads the dataset `data.name` of `plugin` (its synthetic variant if
    asked), or a TensorFlow Datasets dataset by name (tfds:NAME): `Examples`
    in memory, `ExampleFiles` / `ExampleRecords` streamed from disk, or
    `LinkedExamples` (the nodes of a graph, a set of graphs)."""
    if is_tfds_name(data.name):
        if data.synthetic or data.path:
            raise KeraslabError(f"data.synthetic and data.path apply to a plugin's own datasets, not to {data.name}.")
        return load_tfds(data.name, data.tfds_dir, stream=data.stream)
    dataset = plugin.dataset(data.name)
    field = "synthetic" if data.synthetic else "load"
    loader = resolve_declared(getattr(dataset, field), f"plugin '{plugin.name}', dataset '{dataset.name}'.{field}")
    examples = loader(data)
    if not isinstance(examples, (Examples, ExampleFiles, ExampleRecords, LinkedExamples)):
        raise PluginError(
            f"plugin '{plugin.name}', dataset '{dataset.name}'.{field} returned a "
            f"{type(examples).__name__}, expected keraslab.core.data.Examples, keraslab.core.streams.ExampleFiles, "
            "keraslab.core.records.ExampleRecords or keraslab.core.linked.LinkedExamples"
        )
    return examples


def load_splits(plugin: Plugin, spec: ModelSpec, data: DataConfig) -> Splits:
    """The fixed train/validation/test splits the model trains and is tested on
    (of `data.classes` only, and `data.train_per_class` training examples per
    class, where those are set; resample `data.bootstrap` of the training
    split where that is set). With `data.folds` = K, train and validation
    are fold `data.fold` of K of everything but the test split (`fold_splits`)."""
    examples = load_examples(plugin, data)
    source = f"'{data.path}'" if data.path else f"'{data.name}'"
    examples = check_examples(examples, source, nan=data.nan, classifier=spec.task == "classification")
    if spec.task == "classification" and examples.num_classes is None:
        raise KeraslabError(f"Model '{spec.name}' is a classifier but dataset '{data.name}' has no class targets.")
    if data.classes:
        examples = select_classes(examples, data.classes)
    if data.folds and getattr(examples, "split_at", None) is not None:
        raise KeraslabError(
            f"data.folds needs examples whose order does not matter; dataset '{data.name}' is split by position "
            "(windows of a text or a series), so its validation split is its own."
        )
    validation_fraction = 0.0 if data.folds else data.validation_fraction  # the folds validate instead
    if isinstance(examples, ExampleFiles):
        splits = split_files(examples, validation_fraction, data.test_fraction, data.seed)
    elif isinstance(examples, ExampleRecords):
        splits = split_records(examples, validation_fraction, data.test_fraction, data.seed)
    else:
        splits = split_examples(examples, validation_fraction, data.test_fraction, data.seed)
    if data.folds:
        splits = fold_splits(splits, data.folds, data.fold, data.seed)
    if data.train_per_class:
        splits = dataclasses.replace(splits, train=limit_per_class(splits.train, data.train_per_class))
    if data.bootstrap:
        if isinstance(splits.train, LinkedExamples):
            raise KeraslabError(
                f"data.bootstrap resamples independent examples; dataset '{data.name}' holds the linked units "
                "of a graph (nodes of one graph), which it cannot draw twice. Use data.bootstrap=0."
            )
        splits = dataclasses.replace(splits, train=bootstrap_resample(splits.train, data.bootstrap, data.seed))
    return splits


def data_info(splits: Splits) -> DataInfo:
    """What the builder may know of the training split. A streamed split
    gives `train_features` as a sample: its first `STREAMED_SAMPLE` examples
    (and `train_targets` too, where its records hold them)."""
    train = splits.train
    if isinstance(train, LinkedExamples):
        return DataInfo(
            input_shape=tuple(train.input_shape),
            num_classes=train.num_classes,
            num_train_examples=len(train),
            train_features=train.train_features(),
            input_dtype=train.input_dtype,
            train_targets=train.targets,
            class_names=train.class_names,
        )
    streamed = isinstance(train, (ExampleFiles, ExampleRecords))
    sample = train.load(range(min(STREAMED_SAMPLE, len(train)))) if streamed else train
    features = sample.features
    # Targets kept in the records themselves (too many for memory) are known from the sample alone.
    targets = sample.targets if streamed and train.targets is None else train.targets
    return DataInfo(
        input_shape=tuple(train.input_shape),
        num_classes=train.num_classes,
        num_train_examples=len(train),
        train_features=features,
        input_dtype=train.input_dtype if streamed else str(np.asarray(features).dtype),
        train_targets=targets,
        class_names=train.class_names,
        streamed=streamed,
    )


def build_model(spec: ModelSpec, config: RunConfig, info: DataInfo, plugin: str = "?"):
    """Calls the model's builder with its config and what it may know of the data.

    Raises:
        PluginError: the builder cannot be resolved, or did not return a
            `tf.keras.Model`; the message names the plugin and the model.
    """
    where = f"plugin '{plugin}', model '{spec.name}'.build"
    builder = resolve_declared(spec.build, where)
    model = builder(config.model, info)
    import tensorflow as tf

    if not isinstance(model, tf.keras.Model):
        raise PluginError(
            f"{where} returned {_a(model)}, expected a tf.keras.Model: end the builder with "
            "`return tf.keras.Model(inputs, outputs)` (or return your Model subclass)."
        )
    return model


def check_model(spec: ModelSpec, model, splits: Splits, plugin: str = "?", dataset: str = "?") -> None:
    """Runs one real batch of training examples through a freshly built model
    and checks what comes out against the contract, so a plugin's mistake is
    one line before training instead of a traceback in the middle of it.

    Checks: the model accepts the dataset's examples (the message gives both
    shapes); it returns one output row per example; a classifier returns
    logits, not probabilities (its outputs may not already sum to one, and
    its last layer may not be a softmax or a sigmoid), since the loss and
    the export apply the softmax themselves.

    Raises:
        PluginError: naming the plugin, the model and the fix.
    """
    import tensorflow as tf

    where = f"plugin '{plugin}', model '{spec.name}'"
    batch: Any
    if isinstance(splits.train, LinkedExamples):
        batch, targets = splits.train.first_batch(8)
        given = ", ".join(f"{k}: {_shape(np.shape(v))} {np.asarray(v).dtype}" for k, v in batch.items())
    else:
        batch = targets = splits.train.load(range(min(8, len(splits.train)))).features
        given = f"{_shape(batch.shape)} {batch.dtype}"
    try:
        output = model(batch, training=False)
    except Exception as error:
        raise PluginError(
            f"{where} does not accept the examples of dataset '{dataset}': they are "
            f"{given}, the model takes {_model_inputs(model)} "
            f"({describe_error(error)}); build its input from DataInfo.input_shape."
        ) from None
    first = next(iter(output.values())) if isinstance(output, dict) else output
    if isinstance(first, (tuple, list)):
        first = first[0]
    if getattr(first, "shape", None) is None or not first.shape.rank or int(first.shape[0]) != len(targets):
        raise PluginError(
            f"{where}: a batch of {len(targets)} examples gave an output of shape "
            f"{getattr(first, 'shape', type(first).__name__)}; expected one row per example."
        )
    if spec.task != "classification" or isinstance(output, dict):
        return
    activation = _final_activation(model)
    values = tf.cast(first, tf.float32).numpy()
    sums_to_one = values.shape[-1] > 1 and (values >= 0).all() and np.allclose(values.sum(axis=-1), 1.0, atol=1e-3)
    if sums_to_one or activation in ("softmax", "sigmoid"):
        found = f"ends in a {activation}" if activation in ("softmax", "sigmoid") else "returns outputs that sum to one"
        raise PluginError(
            f"{where} is a classifier whose builder {found}; the contract takes logits (the loss and "
            "the export apply the softmax): end with Dense(num_classes) and no activation."
        )


def _a(value) -> str:
    return "None" if value is None else f"a {type(value).__module__}.{type(value).__name__}"


def _shape(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in ("batch", *tuple(shape)[1:])) + ")"


def _model_inputs(model) -> str:
    try:
        shapes = model.input_shape
    except (AttributeError, RuntimeError):
        return "an input it did not declare"
    if isinstance(shapes, list):
        return " and ".join(_shape(s) for s in shapes)
    if isinstance(shapes, dict):
        return ", ".join(f"{k}: {_shape(s)}" for k, s in shapes.items())
    return _shape(shapes)


def _final_activation(model) -> str:
    """'softmax' or 'sigmoid' when the model's last layer applies one, else ''."""
    layers = getattr(model, "layers", None)
    if not layers:
        return ""
    last = layers[-1]
    if type(last).__name__ == "Softmax":
        return "softmax"
    activation = getattr(last, "activation", None)
    name = getattr(activation, "__name__", "")
    return name if name in ("softmax", "sigmoid") else ""
