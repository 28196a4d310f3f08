"""Figure 6: `keraslab rl train dqn` against the tf-agents tutorial's loop.

Both train a DQN on CartPole-v1 for the same number of environment steps
with the same agent: the Q-network, Adam step, γ, Huber loss, gradient
clipping, ε schedule, target updates, batch, replay capacity and random
warm-up steps are all read from the keraslab config (`DqnConfig`), and both
make the same number of updates per environment step (keraslab: 125 after
every 250 steps; the tutorial: one after every 2 steps).

The tutorial loop is the tf-agents DQN tutorial's (its TFUniformReplayBuffer
edition; the current one needs Reverb, which is not installed):
`DynamicStepDriver` with its `run` compiled by `common.function`, a
replay dataset with 3 parallel calls and prefetch, `agent.train` compiled
by `common.function`, and each iteration: collect, take one batch, train.

What is compared is the collect/train loop, so neither side evaluates on
the way: keraslab runs with `model.keep_best=false` (no selection
episodes every 1,000 steps) and one greedy evaluation episode at the end,
which stays in its time; the tutorial loop does not evaluate (its
evaluation plays episodes one eager step at a time, and on a trained
policy would take longer than the training it follows). Throughput is
environment steps / wall seconds of the loop, random warm-up steps included.
"""

from __future__ import annotations

import tempfile
import time
from typing import Dict, List

from bench.harness import Budget, Comparison, Stats, run_session
from bench.workloads import Workload

FIGURE = "6. Reinforcement learning: DQN on CartPole-v1 (environment steps/s)"
MEMORY = "8. Peak resident memory (MiB)"


def workload(budget: Budget) -> Workload:
    steps = 500 if budget.tiny else 3_000
    overrides = (
        f"agent.env_steps={steps}",
        f"agent.eval_every_steps={steps}",
        "agent.eval_episodes=1",
        "model.keep_best=false",
    )
    if budget.tiny:
        overrides += ("model.warmup_steps=250",)
    return Workload("dqn", "rl", "dqn", overrides, f"DQN, CartPole-v1, {steps} environment steps")


def keraslab_session(params: Dict) -> Dict:
    import tensorflow as tf

    from keraslab.core import actions
    from keraslab.core.registry import Registry

    work = Workload.from_params(params["workload"])
    values = []
    with tempfile.TemporaryDirectory(prefix="keraslab-bench-") as root:
        for _ in range(params["warmup"] + params["repeats"]):
            _, summary = actions.start_training(
                Registry(), work.plugin, work.model, overrides=work.overrides, runs_root=root
            )
            values.append(float(summary["env_steps_per_second"]))
            tf.keras.backend.clear_session()
    return {"env_steps_per_second": values[params["warmup"] :]}


def tutorial_session(params: Dict) -> Dict:
    import tensorflow as tf

    from keraslab.core import actions
    from keraslab.core.registry import Registry

    work = Workload.from_params(params["workload"])
    plugin = Registry().get(work.plugin)
    config = actions.resolve_run_config(plugin, plugin.model(work.model), None, work.overrides)
    values = []
    for run in range(params["warmup"] + params["repeats"]):
        tf.keras.utils.set_random_seed(config.train.seed + run)
        values.append(tutorial_run(config.model, config.agent.env_steps))
        tf.keras.backend.clear_session()
    return {"env_steps_per_second": values[params["warmup"] :]}


def tutorial_run(c, env_steps: int) -> float:
    """The tutorial's loop with keraslab's DqnConfig `c`: env steps per second."""
    import tensorflow as tf
    from tf_agents.drivers import dynamic_step_driver
    from tf_agents.environments import suite_gym, tf_py_environment
    from tf_agents.policies import random_tf_policy
    from tf_agents.replay_buffers import tf_uniform_replay_buffer
    from tf_agents.utils import common

    from keraslab.plugins.rl.models.dqn import make_dqn_agent

    train_env = tf_py_environment.TFPyEnvironment(suite_gym.load(c.env))
    steps = tf.Variable(0, dtype=tf.int64)
    agent, _ = make_dqn_agent(c, train_env, steps)
    agent.initialize()
    replay_buffer = tf_uniform_replay_buffer.TFUniformReplayBuffer(
        agent.collect_data_spec, batch_size=train_env.batch_size, max_length=c.replay_capacity
    )
    steps_per_update = c.update_every // c.updates_per_round

    started = time.perf_counter()
    random_policy = random_tf_policy.RandomTFPolicy(train_env.time_step_spec(), train_env.action_spec())
    initial = dynamic_step_driver.DynamicStepDriver(
        train_env, random_policy, observers=[replay_buffer.add_batch], num_steps=c.warmup_steps
    )
    common.function(initial.run)()
    collect = dynamic_step_driver.DynamicStepDriver(
        train_env, agent.collect_policy, observers=[replay_buffer.add_batch], num_steps=steps_per_update
    )
    collect_run = common.function(collect.run)
    dataset = replay_buffer.as_dataset(
        num_parallel_calls=3, sample_batch_size=c.batch_size, num_steps=c.n_step + 1
    ).prefetch(3)
    iterator = iter(dataset)
    agent.train = common.function(agent.train)
    steps.assign(c.warmup_steps)
    while int(steps.numpy()) < env_steps:
        collect_run()
        steps.assign_add(steps_per_update)
        experience, _ = next(iterator)
        agent.train(experience)
    return env_steps / (time.perf_counter() - started)


def run(budget: Budget, echo=print) -> List[Comparison]:
    work = workload(budget)
    common = {"workload": work.as_params(), "warmup": budget.warmup, "repeats": budget.repeats}
    echo(f"   keraslab rl train dqn, {work.description} ({budget.warmup} warm-up + {budget.repeats} runs) ...")
    keraslab = run_session("bench.rl:keraslab_session", common)
    echo(f"   tf-agents tutorial loop, {work.description} ...")
    tutorial = run_session("bench.rl:tutorial_session", common)
    return [
        Comparison(
            FIGURE,
            "keraslab rl train dqn vs the tutorial loop",
            Stats(keraslab["env_steps_per_second"], "steps/s"),
            Stats(tutorial["env_steps_per_second"], "steps/s"),
            "tf-agents tutorial loop",
            ">= 1",
            note=work.description,
        ),
        Comparison(
            MEMORY,
            "dqn: keraslab process vs the tutorial's",
            Stats([keraslab["peak_rss_mb"]], "MiB"),
            Stats([tutorial["peak_rss_mb"]], "MiB"),
            "tutorial loop process",
            note=f"peak over {budget.runs} runs of one process",
        ),
    ]
