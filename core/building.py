"""From a plugin's declarations to concrete things: configs, data, models.

These are the steps every command shares (train, evaluate, export,
`check_plugin`), kept in one place so they cannot drift apart.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from keraslab.core.config import DataConfig, RunConfig
from keraslab.core.contract import DataInfo, ModelSpec, Plugin
from keraslab.core.data import Examples, Splits, limit_per_class, select_classes, split_examples
from keraslab.core.errors import KeraslabError, PluginError
from keraslab.core.refs import resolve


def default_config(spec: ModelSpec) -> RunConfig:
    """The model's default run config: the shared defaults with its preset applied."""
    config = RunConfig(model=spec.config, data=DataConfig(name=spec.default_dataset))
    if spec.preset is not None:
        config = resolve(spec.preset, f"preset of model '{spec.name}'")(config)
        if not isinstance(config, RunConfig):
            raise PluginError(f"model '{spec.name}'.preset returned a {type(config).__name__}, expected a RunConfig")
    return config


def load_examples(plugin: Plugin, data: DataConfig) -> Examples:
    """Loads the dataset `data.name` of `plugin` (its synthetic variant if asked)."""
    dataset = plugin.dataset(data.name)
    field = "synthetic" if data.synthetic else "load"
    loader = resolve(getattr(dataset, field), f"plugin '{plugin.name}', dataset '{dataset.name}'.{field}")
    examples = loader(data)
    if not isinstance(examples, Examples):
        raise PluginError(
            f"plugin '{plugin.name}', dataset '{dataset.name}'.{field} returned a "
            f"{type(examples).__name__}, expected keraslab.core.data.Examples"
        )
    return examples


def load_splits(plugin: Plugin, spec: ModelSpec, data: DataConfig) -> Splits:
    """The fixed train/validation/test splits the model trains and is tested on
    (of `data.classes` only, and `data.train_per_class` training examples per
    class, where those are set)."""
    examples = load_examples(plugin, data)
    if spec.task == "classification" and examples.num_classes is None:
        raise KeraslabError(
            f"Model '{spec.name}' is a classifier but dataset '{data.name}' has no class targets."
        )
    if data.classes:
        examples = select_classes(examples, data.classes)
    splits = split_examples(examples, data.validation_fraction, data.test_fraction, data.seed)
    if data.train_per_class:
        splits = dataclasses.replace(splits, train=limit_per_class(splits.train, data.train_per_class))
    return splits


def data_info(splits: Splits) -> DataInfo:
    train = splits.train
    return DataInfo(
        input_shape=train.input_shape,
        num_classes=train.num_classes,
        num_train_examples=len(train),
        train_features=train.features,
        input_dtype=str(np.asarray(train.features).dtype),
        train_targets=train.targets,
        class_names=train.class_names,
    )


def build_model(spec: ModelSpec, config: RunConfig, info: DataInfo):
    """Calls the model's builder with its config and what it may know of the data."""
    builder = resolve(spec.build, f"builder of model '{spec.name}'")
    return builder(config.model, info)
