"""The plugin contract: what a topic hands the registry.

A plugin is a frozen `Plugin` value. It names its models and datasets; the
code behind them (builders, loaders, extra commands) is referenced lazily, as a
callable or a "module:attribute" string, so that reading a plugin never imports
TensorFlow.

The contract covers four kinds of training (`TrainingKind`):

* ``fit``: a Keras model compiled with the loss of its task and trained by
  `Model.fit`.
* ``custom_step``: a Keras model that overrides `train_step` (a GAN, a VAE, an
  RBM); it is compiled with an optimizer only and trained by `Model.fit`.
* ``variational``: a Keras model whose loss carries a KL term (TFP layers). It
  is trained like ``fit``; its builder receives the number of training examples
  to scale the KL by, and its export averages Monte-Carlo samples.
* ``agent``: a tf-agents agent trained by interacting with an environment; its
  export is a policy.

`keraslab.core.testing.check_plugin` checks a plugin against this contract.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Callable, Literal, Optional, Sequence, Tuple, Union

from keraslab.core.config import DataConfig
from keraslab.core.refs import Ref

TrainingKind = Literal["fit", "custom_step", "variational", "agent"]
TRAINING_KINDS: Tuple[str, ...] = ("fit", "custom_step", "variational", "agent")

# A classifier returns logits: one per class, or a single logit for two classes.
Task = Literal["classification", "regression", "generative", "density", "control"]
TASKS: Tuple[str, ...] = ("classification", "regression", "generative", "density", "control")

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]*$")


@dataclasses.dataclass(frozen=True)
class DataInfo:
    """What a model builder may know about its training data.

    Attributes:
        input_shape: shape of one example's features, without the batch axis.
        num_classes: number of classes for classifiers, else None.
        num_train_examples: size of the training split (scales a KL term).
        train_features: the training features, for layers that adapt to the
            data (a `Normalization` layer, so the export takes raw values);
            when the data is streamed from files, a sample of them (the
            first 256 training examples).
        input_dtype: dtype of the raw features ("float32", "uint8", ...).
        train_targets: the training targets (None for unlabelled data), for
            heads that work on the targets' scale; for streamed records
            whose targets are parsed from the records, those of the sample.
        class_names: the names of the classes (a language model's
            vocabulary, which its export tokenizes raw text with).
        streamed: the training data is read from files as it trains
            (`train_features` is then a sample).
    """

    input_shape: Tuple[int, ...]
    num_classes: Optional[int]
    num_train_examples: int
    train_features: Any = dataclasses.field(default=None, repr=False, compare=False)
    input_dtype: str = "float32"
    train_targets: Any = dataclasses.field(default=None, repr=False, compare=False)
    class_names: Tuple[str, ...] = dataclasses.field(default=(), repr=False, compare=False)
    streamed: bool = False


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """One trainable model of a plugin.

    Attributes:
        name: the name users type (`keraslab vision train cnn`).
        description: one line, shown by `keraslab list`.
        build: `(model_config, DataInfo) -> tf.keras.Model` (or, for
            ``agent``, the plugin's agent program), or a lazy reference to it.
        config: the model's default configuration: a frozen dataclass instance.
        training: the kind of training it needs (see the module docstring).
        task: what it predicts; fixes the loss, metrics and default export.
        default_dataset: the dataset used when none is named.
        input_name: the name of the serving signature's input ("features",
            "image", "tokens", "observation").
        preset: optional `(RunConfig) -> RunConfig` that changes the shared
            defaults (epochs, learning rate, ...) where this model needs others.
        export: optional `(model, ExportContext) -> dict of signatures` that
            replaces the core's default export for the task.
        report: optional `(model, Splits, run_path) -> None`, called after a
            run completes, to write the model's own pictures into the run
            directory (a confusion matrix, samples, ...).
        serving_examples: optional `(Examples) -> np.ndarray`: the raw inputs
            the export's `serving_default` takes for these examples, where
            they differ from the features (a language model serves strings,
            not token ids); used for the warm-up requests.
        data_config: the class of the run's `data` section: `DataConfig`,
            or a frozen subclass of it with the further settings this
            model's datasets read (a sequence model's `window`).
    """

    name: str
    description: str
    build: Ref
    config: Any
    training: TrainingKind = "fit"
    task: Task = "classification"
    default_dataset: str = ""
    input_name: str = "features"
    preset: Optional[Ref] = None
    export: Optional[Ref] = None
    report: Optional[Ref] = None
    serving_examples: Optional[Ref] = None
    data_config: type = DataConfig

    @property
    def trains_on_data(self) -> bool:
        """Whether the model learns from a dataset (an agent acts in an
        environment instead, and has no default dataset)."""
        return self.training != "agent"


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """One dataset of a plugin.

    Attributes:
        name: the name users type (`--set data.name=digits`).
        description: one line, shown by `keraslab list`.
        load: `(DataConfig) -> Examples`, reading embedded data (or the user's
            file when `DataConfig.path` is set), or a lazy reference to it.
        synthetic: `(DataConfig) -> Examples` making a tiny dataset of the same
            shapes, for tests and smoke runs.
    """

    name: str
    description: str
    load: Ref
    synthetic: Ref


CommandsRef = Union[str, Callable[[], Sequence[Any]], None]


@dataclasses.dataclass(frozen=True)
class Plugin:
    """A topic: its models, its datasets and its extra commands.

    Attributes:
        name: the registry name; must equal the entry point's name.
        topic: the curriculum topic it covers ("vision", "rl", ...).
        version: the plugin's version string.
        description: one line, shown by `keraslab plugins`.
        models: the trainable models; the first is the default.
        datasets: the datasets the models train on.
        commands: optional lazy reference to a function returning the extra
            click commands of `keraslab <plugin>`.
        main_job: how strongly the plugin's default model asks to be the
            main job of `keraslab quickstart` (`make run`): among the
            installed built-in plugins, the one of highest positive rank is
            trained; 0 never is.
    """

    name: str
    topic: str
    version: str
    description: str
    models: Tuple[ModelSpec, ...]
    datasets: Tuple[DatasetSpec, ...] = ()
    commands: CommandsRef = None
    main_job: int = 0

    def model(self, name: str) -> ModelSpec:
        """Returns the model called `name`, or raises `UnknownNameError`."""
        from keraslab.core.errors import UnknownNameError

        for spec in self.models:
            if spec.name == name:
                return spec
        raise UnknownNameError("model", name, [m.name for m in self.models], f"plugin '{self.name}'")

    def dataset(self, name: str) -> DatasetSpec:
        """Returns the dataset called `name`, or raises `UnknownNameError`."""
        from keraslab.core.errors import UnknownNameError

        for spec in self.datasets:
            if spec.name == name:
                return spec
        raise UnknownNameError("dataset", name, [d.name for d in self.datasets], f"plugin '{self.name}'")

    @property
    def default_model(self) -> ModelSpec:
        return self.models[0]
