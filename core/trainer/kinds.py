"""The trainer seam: one `Trainer` per way of training, chosen once from a
model's training kind.

    trainer = trainer_for(spec)            # "fit", "custom_step", "variational" -> KerasTrainer
                                           # "agent" -> AgentTrainer
    trainer.check(plugin, spec, config)    # settings it does not use are refused, in one line
    prepared = trainer.prepare(plugin, spec, config)   # everything that can fail before a run exists
    summary = trainer.train(plugin, spec, config, run, resume, prepared)
    model, splits = trainer.load(plugin, spec, config, run)
    trainer.evaluate(plugin, spec, config, run, episodes)
    trainer.exportable(plugin, spec, config, run, samples)

The run actions (`keraslab.core.actions`) call only these, so no verb asks
which kind of model it has. Both trainers share one signal guard, one
metrics writer and one summary (`keraslab.core.trainer.lifecycle`).
"""

from __future__ import annotations

import abc
import dataclasses
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import tensorflow as tf

from keraslab.core import building
from keraslab.core.config import SHARED_SECTIONS, AgentConfig, RunConfig, to_dict
from keraslab.core.contract import ModelSpec, Plugin
from keraslab.core.data import Examples
from keraslab.core.errors import ConfigError, KeraslabError
from keraslab.core.export.serving import WARMUP_EXAMPLES, Exportable
from keraslab.core.export.signatures import ExportContext, default_signatures
from keraslab.core.linked import LinkedExamples
from keraslab.core.refs import resolve_declared
from keraslab.core.rundir import RunDir
from keraslab.core.tfds_data import is_tfds_name

#: Settings only agents use; the Keras trainer refuses them.
AGENT_SETTINGS = tuple(f"agent.{field.name}" for field in dataclasses.fields(AgentConfig))
#: Settings agents use; every other setting of the shared sections is refused for them.
AGENT_USES = ("train.seed", "checkpoint.keep", *AGENT_SETTINGS)


@dataclasses.dataclass
class Prepared:
    """What `Trainer.prepare` made before the run directory exists.

    Attributes:
        subject: what the run trains on, recorded in run.json as its dataset
            (a dataset's name, or an agent's environment).
        chief: whether this process writes the run (False: another worker
            of a multi-worker run).
        built: the trainer's own state (the Keras model, built and checked).
    """

    subject: str
    chief: bool = True
    built: Any = None


class Trainer(abc.ABC):
    """How models of one training kind are trained, loaded, evaluated and exported."""

    #: how messages call this trainer, and what it tells a user it does use.
    name = "trainer"
    uses = ""

    @abc.abstractmethod
    def unused(self) -> Tuple[str, ...]:
        """The config keys ("section.field") this trainer never reads."""

    def check(self, plugin: Plugin, spec: ModelSpec, config: RunConfig) -> None:
        """Raises `ConfigError` naming every setting that differs from the
        model's default and that this trainer would ignore."""
        changed = changed_settings(building.default_config(spec), config, self.unused())
        if changed:
            raise ConfigError(
                f"{spec.training} model '{spec.name}' is trained by the {self.name}, which does not use "
                f"{', '.join(changed)}; remove {'it' if len(changed) == 1 else 'them'}. {self.uses}"
            )

    @abc.abstractmethod
    def prepare(self, plugin: Plugin, spec: ModelSpec, config: RunConfig) -> Prepared:
        """Loads, builds and checks what can fail before a run directory exists."""

    @abc.abstractmethod
    def train(
        self,
        plugin: Plugin,
        spec: ModelSpec,
        config: RunConfig,
        run: RunDir,
        resume: bool,
        prepared: Optional[Prepared] = None,
    ) -> Dict[str, Any]:
        """Trains (or resumes) into `run`; returns the summary."""

    @abc.abstractmethod
    def load(self, plugin: Plugin, spec: ModelSpec, config: RunConfig, run: RunDir) -> Tuple[Any, Any]:
        """(the trained model with its final weights, the run's splits or None)."""

    @abc.abstractmethod
    def evaluate(
        self, plugin: Plugin, spec: ModelSpec, config: RunConfig, run: RunDir, episodes: Optional[int]
    ) -> Dict[str, Any]:
        """The final model's metrics: {"split", "examples", "metrics"}."""

    @abc.abstractmethod
    def exportable(self, plugin: Plugin, spec: ModelSpec, config: RunConfig, run: RunDir, samples: int) -> Exportable:
        """What goes into the run's SavedModel."""


def changed_settings(default: RunConfig, config: RunConfig, keys: Tuple[str, ...]) -> List[str]:
    """The keys among `keys` whose value in `config` differs from `default`'s."""
    was, now = to_dict(default), to_dict(config)
    return [key for key in keys if _at(was, key) != _at(now, key)]


def _at(values: Dict[str, Any], key: str) -> Any:
    section, field = key.split(".", 1)
    return values.get(section, {}).get(field)


def _all_settings() -> Tuple[str, ...]:
    defaults = to_dict(RunConfig(model=None))
    return tuple(f"{section}.{field}" for section in SHARED_SECTIONS for field in defaults[section])


class KerasTrainer(Trainer):
    """`Model.fit` under a `tf.distribute` strategy (`keraslab.core.trainer.loop`)."""

    name = "Keras trainer"
    uses = "Agents' settings (agent.env_steps, ...) are for rl models."

    def unused(self) -> Tuple[str, ...]:
        return AGENT_SETTINGS

    def check(self, plugin: Plugin, spec: ModelSpec, config: RunConfig) -> None:
        super().check(plugin, spec, config)
        if not is_tfds_name(config.data.name):
            plugin.dataset(config.data.name)  # an unknown dataset fails here, naming the available ones
        from keraslab.core.trainer.transfer import check_config

        check_config(config.init)  # a source run that cannot be used fails before any write

    def prepare(self, plugin: Plugin, spec: ModelSpec, config: RunConfig) -> Prepared:
        from keraslab.core.trainer.loop import build, prepare_runtime
        from keraslab.core.trainer.strategy import is_chief

        # The strategy first: a multi-worker strategy configures collective ops,
        # which must happen before anything (a streamed folder's first image
        # read to learn its size) starts TensorFlow's runtime. Neither writes.
        strategy = prepare_runtime(config)  # a strategy that cannot be made here fails before any write
        splits = building.load_splits(plugin, spec, config.data)
        # Built and checked (one real batch through it) before the run exists: a
        # plugin's mistake is one line, with no run directory left behind.
        built = build(plugin, spec, config, splits, strategy)
        return Prepared(config.data.name, is_chief(strategy), built)

    def train(self, plugin, spec, config, run, resume, prepared=None):
        from keraslab.core.trainer.loop import train

        return train(plugin, spec, config, run, resume=resume, built=prepared.built if prepared else None)

    def load(self, plugin, spec, config, run):
        from keraslab.core.trainer.loop import load_trained

        built = load_trained(plugin, spec, config, run)
        return built.model, built.splits

    def evaluate(self, plugin, spec, config, run, episodes):
        from keraslab.core.trainer.loop import evaluate_model

        if episodes is not None:
            raise episodes_error(spec, episodes)
        model, splits = self.load(plugin, spec, config, run)
        metrics = dict(evaluate_model(model, splits, config.train.batch_size))
        return {"split": "test", "examples": len(splits.test), "metrics": metrics}

    def exportable(self, plugin, spec, config, run, samples):
        model, splits = self.load(plugin, spec, config, run)
        info = building.data_info(splits)
        context = ExportContext(
            input_name=spec.input_name,
            input_shape=info.input_shape,
            input_dtype=info.input_dtype,
            task=spec.task,
            training=spec.training,
            samples=samples,
        )
        warmup = splits.validation if len(splits.validation) else splits.train
        # A streamed split's first examples, read into memory (its features are in its files).
        warmup = warmup.take(np.arange(min(WARMUP_EXAMPLES, len(warmup))))
        warmup = warmup if isinstance(warmup, (Examples, LinkedExamples)) else warmup.load()
        if spec.serving_examples is None and isinstance(warmup, LinkedExamples):
            warmup_inputs = warmup.first_batch(WARMUP_EXAMPLES)[0]  # one request: the inputs of a batch
        elif spec.serving_examples is None:
            warmup_inputs = warmup.features.astype(info.input_dtype)
        else:
            warmup_inputs = resolve_declared(spec.serving_examples, f"model '{spec.name}'.serving_examples")(warmup)
        signatures = model_signatures(spec, model, context, default_signatures)
        return Exportable(model, signatures, warmup_inputs, splits.train.class_names)


class AgentTrainer(Trainer):
    """An `AgentProgram` acting in its environment (`keraslab.core.trainer.agents`)."""

    name = "agent trainer"
    uses = (
        "It uses the model's own settings (--set model.KEY=...), agent.env_steps (--steps), "
        "agent.eval_every_steps, agent.eval_episodes, checkpoint.keep and train.seed."
    )

    def unused(self) -> Tuple[str, ...]:
        return tuple(key for key in _all_settings() if key not in AGENT_USES)

    def prepare(self, plugin, spec, config):
        return Prepared(str(getattr(config.model, "env", "")))  # what an agent acts in stands where a dataset would

    def train(self, plugin, spec, config, run, resume, prepared=None):
        from keraslab.core.trainer.agents import train_agent

        return train_agent(plugin, spec, config, run, resume=resume)

    def load(self, plugin, spec, config, run):
        from keraslab.core.trainer.agents import load_trained_agent

        return load_trained_agent(spec, config, run), None

    def evaluate(self, plugin, spec, config, run, episodes):
        if episodes is not None and episodes < 1:
            raise episodes_error(spec, episodes)
        program, _ = self.load(plugin, spec, config, run)
        episodes = episodes or config.agent.eval_episodes
        metrics = {k: float(v) for k, v in program.evaluate(episodes).items()}
        return {"split": "episodes", "examples": episodes, "metrics": metrics}

    def exportable(self, plugin, spec, config, run, samples):
        from keraslab.core.trainer.agents import agent_signatures

        program, _ = self.load(plugin, spec, config, run)
        policy = program.policy()
        if policy is not None:
            observation = policy.time_step_spec.observation
            warmup = np.zeros((1, *observation.shape), dtype=observation.dtype.as_numpy_dtype)
            names = ("serving_default", "action", "get_initial_state", "get_train_step", "get_metadata")
            return Exportable(None, dict.fromkeys(names), warmup, policy=policy)
        observation = program.observation_spec()
        context = ExportContext(
            input_name=spec.input_name,
            input_shape=tuple(observation.shape),
            input_dtype=observation.dtype.name,
            task=spec.task,
            training=spec.training,
            samples=samples,
        )
        holder = tf.Module()
        holder.trackables = dict(program.trackables())
        signatures = model_signatures(spec, program, context, lambda p, c: agent_signatures(p, c.input_name))
        warmup = np.zeros((1, *observation.shape), dtype=observation.dtype.as_numpy_dtype)
        return Exportable(holder, signatures, warmup)


def episodes_error(spec: ModelSpec, episodes: int) -> ConfigError:
    return ConfigError(
        f"--episodes takes a number of episodes ≥ 1 for an agent's run; received {episodes} "
        f"for a run of {spec.training} model '{spec.name}'."
    )


def model_signatures(spec: ModelSpec, model: Any, context: ExportContext, default) -> Dict[str, Any]:
    """The model's export hook's signatures, or the trainer's default ones."""
    if spec.export is None:
        return default(model, context)
    signatures = resolve_declared(spec.export, f"model '{spec.name}'.export")(model, context)
    if "serving_default" not in signatures:
        raise KeraslabError(f"The export hook of model '{spec.name}' returned no 'serving_default' signature.")
    return signatures


_KERAS, _AGENT = KerasTrainer(), AgentTrainer()
_TRAINERS: Dict[str, Trainer] = {"fit": _KERAS, "custom_step": _KERAS, "variational": _KERAS, "agent": _AGENT}


def trainer_for(spec: ModelSpec) -> Trainer:
    """The trainer of `spec`'s training kind."""
    return _TRAINERS[spec.training]
