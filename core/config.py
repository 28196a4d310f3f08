"""Typed run configuration: dataclass defaults, a YAML file, then `--set`.

A run's configuration is a frozen `RunConfig`. Its defaults are the dataclass
defaults, changed by the model's preset; a YAML file (`--config`) and dotted
overrides (`--set optimizer.learning_rate=3e-4`) are applied on top, in that
order, with every value checked against the field's type. The resolved config
is written into the run directory as `config.yaml`, and loading that file
gives the same `RunConfig` back.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from pathlib import Path
from typing import Any, Literal, Mapping, Optional, Sequence, Tuple, Union

from keraslab.core.errors import ConfigError

# NumPy and TensorFlow seeds are unsigned 32-bit.
SEED_MAX = 2**32 - 1


@dataclasses.dataclass(frozen=True)
class Range:
    """The values a numeric config field accepts: a lower and an upper
    bound, each inclusive or exclusive, either absent."""

    low: Optional[float] = None
    high: Optional[float] = None
    low_open: bool = False
    high_open: bool = False
    nonempty: bool = False  # a tuple field must list at least one value

    def contains(self, value: float) -> bool:
        above = self.low is None or (value > self.low if self.low_open else value >= self.low)
        below = self.high is None or (value < self.high if self.high_open else value <= self.high)
        return above and below

    def describe(self) -> str:
        """ "at least 1", "> 0", "from 0 to 256", "in [0, 1)"."""
        if self.high is None:
            return f"> {self.low}" if self.low_open else f"at least {self.low}"
        if self.low is None:
            return f"< {self.high}" if self.high_open else f"at most {self.high}"
        if not self.low_open and not self.high_open:
            return f"from {self.low} to {self.high}"
        return f"in {'(' if self.low_open else '['}{self.low}, {self.high}{')' if self.high_open else ']'}"


def ranged(
    default: Any,
    *,
    at_least: Optional[float] = None,
    above: Optional[float] = None,
    at_most: Optional[float] = None,
    below: Optional[float] = None,
    nonempty: bool = False,
) -> Any:
    """A config field whose value (each value, for a tuple) must lie in a
    range (`nonempty`: a tuple must also list at least one value);
    `check_ranges` checks every such field of every section, the model's
    included, before anything runs.

        epochs: int = ranged(20, at_least=1)
        gamma: float = ranged(0.99, above=0, at_most=1)
    """
    bound = Range(
        low=above if above is not None else at_least,
        high=below if below is not None else at_most,
        low_open=above is not None,
        high_open=below is not None,
        nonempty=nonempty,
    )
    return dataclasses.field(default=default, metadata={"range": bound})


def check_declared_ranges(section: Any, prefix: str) -> None:
    """Raises `ConfigError` for a field of `section` (a config dataclass,
    nested ones included) outside the range it declares with `ranged`."""
    if not dataclasses.is_dataclass(section):
        return
    for field in dataclasses.fields(section):
        value, key = getattr(section, field.name), f"{prefix}.{field.name}"
        if dataclasses.is_dataclass(value):
            check_declared_ranges(value, key)
            continue
        bound = field.metadata.get("range")
        if bound is None:
            continue
        values = value if isinstance(value, tuple) else (value,)
        numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        shown = list(value) if isinstance(value, tuple) else value
        if isinstance(value, tuple) and bound.nonempty:
            if not value or any(not bound.contains(v) for v in numbers):
                raise ConfigError(
                    f"Config key '{key}' must list at least one value, each {bound.describe()}, received {shown}."
                )
        elif any(not bound.contains(v) for v in numbers):
            every = "every entry " if isinstance(value, tuple) else ""
            raise ConfigError(f"Config key '{key}' {every}must be {bound.describe()}, received {shown}.")


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """Which data to train on and how to split it.

    A model whose datasets take further settings (a sequence model's window
    of history) declares a subclass as its `ModelSpec.data_config`; the
    run's `data` section is then an instance of it.

    Attributes:
        name: dataset name; empty means the model's default dataset;
            `tfds:NAME[:CONFIG]` a TensorFlow Datasets dataset (core/tfds_data.py).
        path: a user's own file or folder, read by the dataset's loader.
        synthetic: use the dataset's tiny synthetic variant (tests, smoke runs).
        validation_fraction: share held out for validation.
        test_fraction: share held out for the final test.
        seed: seed of the split, independent of the training seed so that
            runs with different training seeds see the same test set.
        classes: classification data only: keep these class ids, renumbered
            0..k−1 in the order given (empty: every class).
        train_per_class: classification data only: keep at most this many
            training examples of each class (0: all); validation and test
            splits are unchanged. For few-shot and transfer experiments.
        nan: what to do with rows that hold NaN or ±inf: "refuse" (the
            default: the run is not started) or "drop" them.
        unreadable: what to do with a file of a streamed folder that is not
            what its suffix says (an image that is not one): "refuse" (the
            default: named, and the run is not started) or "skip" it.
        stream: read `path` a batch at a time as the model trains, instead
            of into memory, where its loader can (a CSV file or a folder of
            them; a dataset's own files, as its plugin documents): for data
            larger than memory. A folder written by `keraslab data convert`
            (TFRecord shards) always streams.
        cache: streamed data only: keep the validation split's decoded
            examples in a file under the run directory (`cache/`) once the
            first epoch has read them, so later epochs read that file instead
            of decoding every file again (made anew by every process that
            trains the run, so a resumed run never reads a half-written one).
        folds: K ≥ 2 for K-fold cross-validation (0: none): everything but
            the test split is cut into K parts, per class, and part `fold`
            is the validation split (`validation_fraction` then unused).
            Data split by position (windows of a series) is refused.
        fold: which of the `folds` parts validates, 0..K−1.
        bootstrap: 0 trains on the training split as it is; k ≥ 1 on
            resample k of it: N examples drawn with replacement from its N
            (seeded by k and `seed`), for bagging (Breiman, 1996). About
            1 − 1/e ≈ 63% of the examples appear, some of them more than
            once; validation and test splits are unchanged.
        tfds_dir: where TensorFlow Datasets' prepared datasets are, for a
            `name` of the form tfds:NAME[:CONFIG] (empty: TFDS' default
            folder); read offline, never downloaded.
    """

    name: str = ""
    path: str = ""
    synthetic: bool = False
    validation_fraction: float = 0.15
    test_fraction: float = 0.15
    seed: int = ranged(0, at_least=0, at_most=SEED_MAX)
    classes: Tuple[int, ...] = ()
    train_per_class: int = ranged(0, at_least=0)
    nan: Literal["refuse", "drop"] = "refuse"
    unreadable: Literal["refuse", "skip"] = "refuse"
    stream: bool = False
    tfds_dir: str = ""
    cache: bool = False
    folds: int = ranged(0, at_least=0, at_most=100)
    fold: int = ranged(0, at_least=0)
    bootstrap: int = ranged(0, at_least=0)


@dataclasses.dataclass(frozen=True)
class OptimizerConfig:
    """The optimizer and its gradient clipping.

    Attributes:
        name: adam, sgd, rmsprop or adagrad (Keras' own), or a reference
            "package.module:Class" to any `tf.keras.optimizers.Optimizer`
            subclass taking `learning_rate` (e.g. foundations' optimizers
            written from their update equations).
        learning_rate: the base learning rate (the schedule scales it).
        momentum: momentum for sgd and rmsprop.
        nesterov: Nesterov momentum for sgd.
        clipnorm: clip each gradient to this L2 norm (0 disables).
        clipvalue: clip each gradient element to [-v, v] (0 disables).
        average: β of an exponential moving average of the trainable
            weights, w̄ ← β w̄ + (1 − β) w after every step (Polyak and
            Juditsky, 1992), which the run ends with: its final weights,
            test metrics and export are the average's, while training and
            validation use the live weights (0 disables; Keras' `use_ema`).
            For a model trained by `fit` on its compiled loss; not with
            `train.early_stopping_patience`, which chooses them too.
    """

    name: str = "adam"
    learning_rate: float = ranged(1e-3, above=0)
    momentum: float = ranged(0.0, at_least=0)
    nesterov: bool = False
    clipnorm: float = ranged(0.0, at_least=0)
    clipvalue: float = ranged(0.0, at_least=0)
    average: float = ranged(0.0, at_least=0, below=1)


@dataclasses.dataclass(frozen=True)
class ScheduleConfig:
    """A learning-rate schedule, as a function of the optimizer step t.

    * constant:    η
    * step:        η · rate^floor(t / decay_steps)
    * exponential: η · rate^(t / decay_steps)
    * inverse_time (1/t): η / (1 + rate · t / decay_steps)
    * cosine:      η · (1 + cos(π · min(t, decay_steps) / decay_steps)) / 2

    Each may be preceded by `warmup_steps` of linear warm-up from 0 to η.
    `decay_steps: 0` is the run's whole length (train.epochs × steps per
    epoch): a cosine then reaches zero on the run's last step, whatever the
    size of the data or the number of epochs.
    """

    name: Literal["constant", "step", "exponential", "inverse_time", "cosine"] = "constant"
    decay_steps: int = ranged(1000, at_least=0)
    decay_rate: float = ranged(0.5, at_least=0)
    warmup_steps: int = ranged(0, at_least=0)


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """How the model is fitted.

    Attributes:
        epochs: passes over the training split.
        batch_size: examples per replica per step; the global batch is this
            times the number of replicas.
        seed: seeds Python, NumPy and TensorFlow.
        deterministic: turn on TensorFlow's op determinism.
        early_stopping_patience: epochs without improvement of
            `monitor` before stopping (0 disables); the best weights are restored.
        monitor: the validation metric early stopping watches.
        l1: L1 weight-decay coefficient on kernels (0 disables).
        l2: L2 weight-decay coefficient on kernels (0 disables).
    """

    epochs: int = ranged(20, at_least=1)
    batch_size: int = ranged(64, at_least=1)
    seed: int = ranged(0, at_least=0, at_most=SEED_MAX)
    deterministic: bool = False
    early_stopping_patience: int = ranged(0, at_least=0)
    monitor: str = "val_loss"
    l1: float = ranged(0.0, at_least=0)
    l2: float = ranged(0.0, at_least=0)


@dataclasses.dataclass(frozen=True)
class DevicesConfig:
    """Where and how the steps run.

    Attributes:
        strategy: auto, default, one-device, mirrored, multi-worker or tpu.
        steps_per_execution: optimizer steps run per call into the graph.
        jit_compile: compile the train step with XLA.
        mixed_precision: compute in 16 bits (float16 on a GPU, bfloat16 on
            a CPU), variables in float32: true, false, or auto (the
            default): 16 bits where the hardware computes them natively and
            a training step is large enough for them to pay, float32
            elsewhere (keraslab.core.trainer.precision).
        logical_cpus: split the CPU into this many logical devices (0 or 1:
            leave it whole), so `mirrored` can be exercised without GPUs.
    """

    strategy: Literal["auto", "default", "one-device", "mirrored", "multi-worker", "tpu"] = "auto"
    steps_per_execution: int = ranged(16, at_least=1)
    jit_compile: bool = False
    mixed_precision: Union[bool, Literal["auto"]] = "auto"
    logical_cpus: int = ranged(0, at_least=0, at_most=256)  # more virtual CPUs than this is a typo


@dataclasses.dataclass(frozen=True)
class CheckpointConfig:
    """When training state is saved.

    Attributes:
        every: save a checkpoint every this many epochs...
        seconds: ...but not within this many seconds of the last one (0: at
            every `every`; the first of a run is always saved), so a model
            whose epochs take milliseconds does not spend its time saving. A run killed at any moment loses at
            most the epoch in progress and this many seconds of training;
            SIGINT/SIGTERM still save first.
        keep: how many checkpoints to keep.
    """

    every: int = ranged(1, at_least=1)
    seconds: float = ranged(1.0, at_least=0)
    keep: int = ranged(3, at_least=1)


@dataclasses.dataclass(frozen=True)
class InitConfig:
    """Starting from another run's weights (transfer learning).

    Attributes:
        from_run: a finished run whose weights start this one, layer by
            layer of the same name and shape.
        output_layers: copy the output layers too (default: a new head).
        exclude: names of further layers to leave freshly initialised.
        freeze: keep the layers copied from `from_run` fixed.
        freeze_batch_norm: keep batch-norm layers in inference mode with
            fixed statistics (fine-tuning on few examples).
    """

    from_run: str = ""
    output_layers: bool = False
    exclude: Tuple[str, ...] = ()
    freeze: bool = False
    freeze_batch_norm: bool = False


@dataclasses.dataclass(frozen=True)
class AgentConfig:
    """The budget of models that learn by acting (training kind "agent").

    Attributes:
        env_steps: the training budget in environment steps.
        eval_every_steps: evaluate, log and checkpoint this often.
        eval_episodes: episodes per evaluation.
    """

    env_steps: int = ranged(50_000, at_least=1)
    eval_every_steps: int = ranged(5_000, at_least=1)
    eval_episodes: int = ranged(10, at_least=1)


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """Everything that determines a run: the model's own config and the shared sections."""

    model: Any
    data: DataConfig = DataConfig()
    optimizer: OptimizerConfig = OptimizerConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    train: TrainConfig = TrainConfig()
    checkpoint: CheckpointConfig = CheckpointConfig()
    devices: DevicesConfig = DevicesConfig()
    init: InitConfig = InitConfig()
    agent: AgentConfig = AgentConfig()


SHARED_SECTIONS = tuple(field.name for field in dataclasses.fields(RunConfig) if field.name != "model")

# Keys of the single `train` section of earlier releases, and where they
# live now; configs, `--set` keys and run directories that use them keep working.
MOVED_KEYS: Mapping[str, str] = {
    "train.strategy": "devices.strategy",
    "train.steps_per_execution": "devices.steps_per_execution",
    "train.jit_compile": "devices.jit_compile",
    "train.mixed_precision": "devices.mixed_precision",
    "train.logical_cpus": "devices.logical_cpus",
    "train.checkpoint_every": "checkpoint.every",
    "train.checkpoint_seconds": "checkpoint.seconds",
    "train.keep_checkpoints": "checkpoint.keep",
    "train.env_steps": "agent.env_steps",
    "train.eval_every_steps": "agent.eval_every_steps",
    "train.eval_episodes": "agent.eval_episodes",
    "train.init_from": "init.from_run",
    "train.init_output_layers": "init.output_layers",
    "train.init_exclude": "init.exclude",
    "train.freeze_init": "init.freeze",
    "train.freeze_batch_norm": "init.freeze_batch_norm",
}


# Keys earlier releases wrote into every run's config with the value they
# had when unused; a section that no longer declares them drops them at that value.
RETIRED_KEYS: Mapping[str, Any] = {"data.window": 0}


def migrate_sections(values: Mapping[str, Any], config: Optional[RunConfig] = None) -> Mapping[str, Any]:
    """A mapping of sections with the keys of earlier releases moved to
    their sections now (see `MOVED_KEYS`); a key given both ways is refused.
    Given the config the values apply to, retired keys its sections do not
    declare are dropped where they hold their unused value (`RETIRED_KEYS`)."""
    moved = {name: dict(section) if isinstance(section, Mapping) else section for name, section in values.items()}
    train = moved.get("train")
    if not isinstance(train, dict):
        train = {}
    for name in list(train):
        new = MOVED_KEYS.get(f"train.{name}")
        if new is None:
            continue
        section, field = new.split(".")
        target = moved.setdefault(section, {})
        if not isinstance(target, dict):
            continue  # a malformed section: reported when it is applied
        if field in target:
            raise ConfigError(f"Config key 'train.{name}' is now '{new}'; give it once, as '{new}'.")
        target[field] = train.pop(name)
    for key, unused in RETIRED_KEYS.items() if config is not None else ():
        section, field = key.split(".")
        target = moved.get(section)
        declared = {f.name for f in dataclasses.fields(getattr(config, section))}
        if isinstance(target, dict) and field in target and field not in declared and target[field] == unused:
            del target[field]
    return moved


# --------------------------------------------------------------------------- #
# Reading values
# --------------------------------------------------------------------------- #


def parse_override(text: str) -> Tuple[str, Any]:
    """Splits "a.b=value" into its key and a Python value.

    Values are read as YAML scalars, with numbers like "3e-4" taken as floats
    (YAML 1.1 would keep them as strings).
    """
    if "=" not in text:
        raise ConfigError(f"Override '{text}' is not of the form key=value (e.g. optimizer.learning_rate=3e-4).")
    key, raw = text.split("=", 1)
    key, raw = key.strip(), raw.strip()
    if not key:
        raise ConfigError(f"Override '{text}' has an empty key.")
    for number in (int, float):
        try:
            return key, number(raw)
        except ValueError:
            pass
    import yaml

    try:
        return key, yaml.safe_load(raw) if raw else ""
    except yaml.YAMLError:
        return key, raw


class _DuplicateKeyError(Exception):
    def __init__(self, key, line):
        super().__init__(key)
        self.key, self.line = key, line


def _unique_key_loader():
    """yaml.SafeLoader that refuses a mapping with a key given twice (plain
    YAML keeps the last one without a word)."""
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                raise _DuplicateKeyError(key, key_node.start_mark.line + 1)
            seen.add(key)
        return loader.construct_mapping(node, deep=deep)

    UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    return UniqueKeyLoader


def load_yaml(path: str | Path) -> Mapping[str, Any]:
    """Reads a YAML mapping; errors name the file and line."""
    import yaml

    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"Config file {path} is not UTF-8 text (byte 0x{error.object[error.start]:02x} at "
            f"offset {error.start}); save it as UTF-8."
        ) from None
    except OSError as error:
        raise ConfigError(f"Cannot read config file {path}: {error.strerror or error}.") from None
    try:
        data = yaml.load(text, Loader=_unique_key_loader())
    except _DuplicateKeyError as error:
        raise ConfigError(f"Config file {path}:{error.line}: key '{error.key}' is given twice; keep one.") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"Malformed YAML at {where}: {error.problem}.") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"Malformed YAML in {path}: {error}.") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"Config file {path} must hold a mapping of sections, received a {type(data).__name__}.")
    return data


# --------------------------------------------------------------------------- #
# Applying values with type checks
# --------------------------------------------------------------------------- #


def _type_name(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(hint))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(hint))
    if origin in (tuple, Tuple):
        return "a list"
    return getattr(hint, "__name__", str(hint))


def _coerce(value: Any, hint: Any, key: str) -> Any:
    """Returns `value` as the type `hint` describes, or raises ConfigError."""
    origin = typing.get_origin(hint)
    fail = ConfigError(f"Config key '{key}' expects {_type_name(hint)}, received {value!r}.")
    if hint is Any:
        return value
    if origin is Literal:
        if value in typing.get_args(hint):
            return value
        raise fail
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, key)
            except ConfigError:
                pass
        raise fail
    if origin in (tuple, Tuple):
        if not isinstance(value, (list, tuple)):
            raise fail
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(v, args[0], key) for v in value)
        if args and len(args) != len(value):
            raise fail
        return tuple(_coerce(v, a, key) for v, a in zip(value, args or [Any] * len(value)))
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise fail
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise fail
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise ConfigError(f"Config key '{key}' must be a finite number, received {value!r}.")
            return float(value)
        raise fail
    if hint is str:
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise fail
    if dataclasses.is_dataclass(hint):
        if isinstance(value, hint):
            return value
        if isinstance(value, Mapping):
            return _replace(hint(), value, key)
        raise fail
    return value


def _replace(obj: Any, values: Mapping[str, Any], prefix: str) -> Any:
    """Returns a copy of dataclass `obj` with `values` (nested mappings) applied."""
    if not dataclasses.is_dataclass(obj):
        raise ConfigError(f"Config key '{prefix}' is a value, not a section; it takes no sub-keys.")
    hints = typing.get_type_hints(type(obj))
    fields = {f.name for f in dataclasses.fields(obj)}
    changes = {}
    for name, value in values.items():
        key = f"{prefix}.{name}" if prefix else str(name)
        if name not in fields:
            raise ConfigError(
                f"Unknown config key '{key}'. Valid keys{' in ' + prefix if prefix else ''}: "
                f"{', '.join(sorted(fields))}."
            )
        current = getattr(obj, name)
        if dataclasses.is_dataclass(current) and isinstance(value, Mapping):
            changes[name] = _replace(current, value, key)
        else:
            hint = hints[name]
            if hint is Any and dataclasses.is_dataclass(current):
                raise ConfigError(f"Config key '{key}' is a section; give it a mapping of its keys.")
            changes[name] = _coerce(value, hint, key)
    return dataclasses.replace(obj, **changes)


def _nest(key: str, value: Any) -> Mapping[str, Any]:
    for part in reversed(key.split(".")):
        value = {part: value}
    return value


def apply_overrides(config: Any, values: Mapping[str, Any]) -> Any:
    """Returns `config` with a nested mapping of values applied, type-checked;
    on a `RunConfig`, keys of earlier releases are moved first (`migrate_sections`)."""
    if isinstance(config, RunConfig):
        values = migrate_sections(values, config)
    return _replace(config, values, "")


def resolve_config(base: RunConfig, config_file: Optional[str] = None, overrides: Sequence[str] = ()) -> RunConfig:
    """Applies a YAML file, then `key=value` overrides, to `base`.

    Args:
        base: the defaults (the model's preset applied to `RunConfig`).
        config_file: optional YAML file of sections (`train: {epochs: 5}`).
        overrides: dotted `key=value` strings, applied last.

    Returns:
        The resolved configuration.

    Raises:
        ConfigError: naming the unknown key (with the valid ones), the
            mistyped value, or the YAML file and line.
    """
    config = base
    if config_file:
        config = apply_overrides(config, load_yaml(config_file))
    for text in overrides:
        key, value = parse_override(text)
        config = apply_overrides(config, _nest(key, value))
    return config


KERAS_OPTIMIZERS = ("adam", "sgd", "rmsprop", "adagrad")


def check_ranges(config: RunConfig) -> None:
    """Raises ConfigError for settings outside their valid range: every
    field declared with `ranged`, in every section (the model's and its
    nested sections too), then the model's ranges read from field names
    (`check_model_ranges`)."""
    for section in SHARED_SECTIONS + ("model",):
        check_declared_ranges(getattr(config, section), section)
    check_model_ranges(config.model)
    folds, fold = config.data.folds, config.data.fold
    if folds == 1 or fold >= max(folds, 1):
        raise ConfigError(
            f"Config keys 'data.folds' and 'data.fold' received {folds} and {fold}. Accepted: folds 0 (no "
            "cross-validation) or K ≥ 2, with fold in 0..K−1."
        )
    name = config.optimizer.name
    if name not in KERAS_OPTIMIZERS and not (name.count(":") == 1 and all(name.split(":"))):
        raise ConfigError(
            f"Config key 'optimizer.name' received '{name}'. Accepted: {', '.join(KERAS_OPTIMIZERS)}, "
            "or 'package.module:Class' naming a tf.keras optimizer."
        )
    if config.optimizer.average and config.train.early_stopping_patience:
        raise ConfigError(
            f"Config keys 'optimizer.average' ({config.optimizer.average}) and 'train.early_stopping_patience' "
            f"({config.train.early_stopping_patience}) both choose the weights a run ends with (the moving "
            "average, or the best validation epoch's). Accepted: one of them, the other 0."
        )


def to_dict(config: Any) -> Any:
    """The config as plain dicts and lists, ready for YAML or JSON."""
    if dataclasses.is_dataclass(config):
        return {f.name: to_dict(getattr(config, f.name)) for f in dataclasses.fields(config)}
    if isinstance(config, tuple):
        return [to_dict(v) for v in config]
    return config


def dump_yaml(config: Any) -> str:
    import yaml

    return yaml.safe_dump(to_dict(config), sort_keys=False)


# --------------------------------------------------------------------------- #
# Model sections: ranges read from the field names
# --------------------------------------------------------------------------- #

_SIZE_SUFFIXES = ("units", "filters", "_dim", "_size", "dimensions")


def check_model_ranges(model: Any) -> None:
    """Raises ConfigError for a model value outside the range its name implies,
    before anything is built: a dropout rate (`dropout`, `*_dropout`) must be
    in [0, 1), a size (`*units`, `*filters`, `*_dim`, `*_size`,
    `*dimensions`, an int or a tuple of ints) at least 1, a learning rate
    (`*learning_rate`) above 0."""
    if not dataclasses.is_dataclass(model):
        return
    for field in dataclasses.fields(model):
        name, value = field.name, getattr(model, field.name)
        key = f"model.{name}"
        if isinstance(value, bool):
            continue
        if (name == "dropout" or name.endswith("_dropout")) and isinstance(value, (int, float)):
            if not 0 <= value < 1:
                raise ConfigError(f"Config key '{key}' is a dropout rate and must be in [0, 1), received {value}.")
        elif name.endswith(_SIZE_SUFFIXES):
            sizes = value if isinstance(value, tuple) else (value,)
            if all(isinstance(v, int) and not isinstance(v, bool) for v in sizes) and any(v < 1 for v in sizes):
                raise ConfigError(
                    f"Config key '{key}' is a size and every entry must be at least 1, "
                    f"received {list(value) if isinstance(value, tuple) else value}."
                )
        elif name.endswith("learning_rate") and isinstance(value, (int, float)) and value <= 0:
            raise ConfigError(f"Config key '{key}' must be > 0, received {value}.")
