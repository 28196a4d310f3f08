"""The trainer's seam for agents: models trained by acting in an environment.

A model of training kind ``agent`` has a builder that returns an
`AgentProgram`. The program owns its environment, policy, replay and update
rule (a tf-agents agent and its drivers, or a tabular method); the trainer
owns everything around them, exactly as for Keras models: the budget in
environment steps, evaluation every N steps, checkpoints and resume,
SIGINT/SIGTERM, `metrics.jsonl`, the return-versus-steps plot, the summary and
the run's status. The signal guard, the metrics writer and the summary's
common fields are the Keras trainer's too (`keraslab.core.trainer.lifecycle`).

    program = build(model_config, AgentInfo(seed=...))
    while program.env_steps < budget and not program.finished:
        program.train_iteration()          # collect + learn, one chunk
        every eval_every_steps: program.evaluate(episodes), log, checkpoint
"""

from __future__ import annotations

import abc
import dataclasses
import time
from typing import Any, Dict, Mapping

import tensorflow as tf

from keraslab.core.config import RunConfig
from keraslab.core.contract import ModelSpec, Plugin
from keraslab.core.errors import PluginError
from keraslab.core.plots import plot_learning_curves
from keraslab.core.refs import resolve_declared
from keraslab.core.rundir import COMPLETE, INTERRUPTED, RunDir
from keraslab.core.trainer.lifecycle import MetricsWriter, SignalGuard, run_summary
from keraslab.core.trainer.restore import restore_newest_intact
from keraslab.core.trainer.strategy import describe

FINAL_AGENT = "final/agent"


@dataclasses.dataclass(frozen=True)
class AgentInfo:
    """What an agent builder may know: the run's seed."""

    seed: int


class AgentProgram(abc.ABC):
    """What an agent model's builder returns to the trainer.

    Subclasses implement the update rule; the trainer calls only these.
    """

    @property
    @abc.abstractmethod
    def env_steps(self) -> int:
        """Environment steps taken so far (restored by a checkpoint)."""

    @abc.abstractmethod
    def trackables(self) -> Mapping[str, Any]:
        """Everything a checkpoint must hold to resume: networks, optimizer,
        step counters, replay buffer, RNG state (trackable objects)."""

    @abc.abstractmethod
    def train_iteration(self) -> Mapping[str, float]:
        """Collects experience and learns from it once; returns training
        metrics (e.g. loss) of this iteration."""

    @abc.abstractmethod
    def evaluate(self, episodes: int) -> Mapping[str, float]:
        """Runs the greedy policy for `episodes` episodes; returns at least
        `mean_return`."""

    @property
    def finished(self) -> bool:
        """True once the program has nothing left to learn (a planner that
        has converged): the run then ends before its step budget."""
        return False

    def observation_spec(self) -> tf.TensorSpec:
        """The policy's input, for the export's `observation` signature."""
        raise NotImplementedError

    def greedy_action(self, observation: tf.Tensor) -> tf.Tensor:
        """The greedy action for a batch of observations (used by the export)."""
        raise NotImplementedError

    def policy(self):
        """A tf-agents policy to export with `PolicySaver` (plus an
        observation-only `serving_default`), or None to export
        `greedy_action` instead."""
        return None


def build_program(spec: ModelSpec, config: RunConfig) -> AgentProgram:
    builder = resolve_declared(spec.build, f"model '{spec.name}'.build")
    program = builder(config.model, AgentInfo(seed=config.train.seed))
    if not isinstance(program, AgentProgram):
        raise PluginError(
            f"model '{spec.name}' is an agent but its builder returned a "
            f"{type(program).__name__}, not a keraslab AgentProgram"
        )
    return program


def checkpoint_of(program: AgentProgram) -> tf.train.Checkpoint:
    return tf.train.Checkpoint(**program.trackables())


def train_agent(
    plugin: Plugin, spec: ModelSpec, config: RunConfig, run: RunDir, resume: bool = False
) -> Dict[str, Any]:
    """Trains an agent for `agent.env_steps` environment steps into `run`."""
    tf.keras.utils.set_random_seed(config.train.seed)
    program = build_program(spec, config)
    checkpoint = checkpoint_of(program)
    if resume:
        restore_newest_intact(checkpoint, run.checkpoints)
    manager = tf.train.CheckpointManager(checkpoint, str(run.checkpoints), max_to_keep=config.checkpoint.keep)
    run.truncate_metrics("env_steps", program.env_steps)

    stop = SignalGuard()
    metrics = MetricsWriter(run.metrics_file)
    budget, every = config.agent.env_steps, config.agent.eval_every_steps
    next_eval = (program.env_steps // every + 1) * every
    started, steps_at_start = time.perf_counter(), program.env_steps
    with stop:
        while program.env_steps < budget and not program.finished and stop.received is None:
            train_metrics = program.train_iteration()
            if program.env_steps >= next_eval or program.env_steps >= budget or program.finished:
                record = {"env_steps": program.env_steps, "seconds": round(time.perf_counter() - started, 3)}
                record.update({k: float(v) for k, v in train_metrics.items()})
                record.update({k: float(v) for k, v in program.evaluate(config.agent.eval_episodes).items()})
                metrics.append(record)
                print(
                    " - ".join(f"{k}: {v:.4g}" if isinstance(v, float) else f"{k}: {v}" for k, v in record.items()),
                    flush=True,
                )
                manager.save(checkpoint_number=program.env_steps)
                next_eval += every
    seconds = time.perf_counter() - started
    if stop.received is not None:
        manager.save(checkpoint_number=program.env_steps)
        reason = f"stopped by signal {stop.received}; checkpoint saved at {program.env_steps} environment steps"
        run.mark(INTERRUPTED, reason=reason)
        return {"status": INTERRUPTED, "reason": reason, "signal": stop.received}

    tf.train.Checkpoint(**program.trackables()).write(str(run.path / FINAL_AGENT))
    records = run.metrics()
    final = program.evaluate(config.agent.eval_episodes)
    strategy = describe(tf.distribute.get_strategy())  # agents run in this process, outside any strategy
    summary = {
        **run_summary(plugin, spec, config, run.state.get("dataset", ""), strategy),
        "metrics": {"train": records[-1] if records else {}, "test": {k: float(v) for k, v in final.items()}},
        "env_steps": program.env_steps,
        "eval_episodes": config.agent.eval_episodes,
        "train_seconds": round(seconds, 3),
        "env_steps_per_second": round((program.env_steps - steps_at_start) / max(seconds, 1e-9), 1),
    }
    if records:
        plot_learning_curves(
            records,
            run.path / "returns.png",
            f"{plugin.name} / {spec.name}: return vs environment steps",
            x_key="env_steps",
        )
    run.write_json("summary.json", summary)
    run.mark(COMPLETE)
    return summary


def load_trained_agent(spec: ModelSpec, config: RunConfig, run: RunDir) -> AgentProgram:
    """Rebuilds a finished agent run's program and loads its final state."""
    program = build_program(spec, config)
    tf.train.Checkpoint(**program.trackables()).read(str(run.path / FINAL_AGENT)).expect_partial()
    return program


def agent_signatures(program: AgentProgram, input_name: str = "observation") -> Dict[str, Any]:
    """`serving_default`: observation -> greedy action, nothing else to supply."""
    spec = program.observation_spec()
    spec = tf.TensorSpec([None, *spec.shape], spec.dtype, name=input_name)

    @tf.function(input_signature=[spec])
    def serve(observation):
        return {"action": program.greedy_action(observation)}

    return {"serving_default": serve}
