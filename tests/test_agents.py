"""The trainer drives agents in environment steps: logs, checkpoints, resume, export."""

import json

import pytest

from keraslab.core import actions
from keraslab.core.actions import export_run
from keraslab.core.export.predict import predict
from keraslab.core.registry import Registry
from keraslab.core.testing import check_plugin
from tests.agent_plugin import plugin
from tests.policy_process import episode_return_without_keraslab

BUDGET = ["agent.env_steps=2000", "agent.eval_every_steps=500", "agent.eval_episodes=3"]


@pytest.fixture
def chain_registry():
    registry = Registry([])
    registry.add(plugin)
    return registry


def test_agent_plugin_honours_the_contract():
    check_plugin(plugin)


def test_agent_trains_in_environment_steps(chain_registry, tmp_path):
    run, summary = actions.start_training(
        chain_registry, "chain", "q-learning", overrides=BUDGET, runs_root=str(tmp_path)
    )
    records = run.metrics()
    assert [r["env_steps"] for r in records] == [500, 1000, 1500, 2000]
    assert summary["env_steps"] == 2000
    assert summary["metrics"]["test"]["mean_return"] == -7.0  # the optimum; a random walk averages far less
    assert (run.path / "returns.png").stat().st_size > 0
    assert run.status == "complete"
    evaluation = actions.evaluate_run(chain_registry, str(run.path))
    assert evaluation["metrics"]["mean_return"] == -7.0


def test_agent_resumes_from_its_checkpoint(chain_registry, tmp_path):
    run, whole = actions.start_training(
        chain_registry, "chain", "q-learning", overrides=BUDGET, runs_root=str(tmp_path)
    )
    full = run.metrics()
    # Pretend it was killed after the checkpoint at 1000 steps.
    for path in run.checkpoints.iterdir():
        if path.name.startswith(("ckpt-1500", "ckpt-2000")):
            path.unlink()
    (run.checkpoints / "checkpoint").write_text('model_checkpoint_path: "ckpt-1000"\n')
    run.metrics_file.write_text("".join(json.dumps(r) + "\n" for r in full))  # lines past the checkpoint too
    (run.path / "summary.json").unlink()
    run.mark("interrupted")
    _, resumed = actions.resume_training(chain_registry, str(run.path))
    records = run.metrics()
    assert [r["env_steps"] for r in records] == [500, 1000, 1500, 2000]
    # Q-table, state and RNG were restored: the same trajectory as the whole run.
    assert [r["q_mean"] for r in records] == pytest.approx([r["q_mean"] for r in full])
    assert resumed["metrics"]["test"] == whole["metrics"]["test"]


def test_agent_exports_observation_to_action(chain_registry, tmp_path):
    run, _ = actions.start_training(chain_registry, "chain", "q-learning", overrides=BUDGET, runs_root=str(tmp_path))
    version = export_run(chain_registry, str(run.path), out=str(tmp_path / "exports"))
    response = predict(str(version), {"instances": [0, 3, 6]})
    assert response == {"predictions": [1, 1, 1]}  # always right, towards the goal


def test_zero_step_budget_is_refused(chain_registry, tmp_path):
    from keraslab.core.errors import ConfigError

    with pytest.raises(ConfigError, match="'agent.env_steps' must be at least 1"):
        actions.start_training(
            chain_registry, "chain", "q-learning", overrides=["agent.env_steps=0"], runs_root=str(tmp_path)
        )
    assert not (tmp_path / "chain").exists()


def test_tf_agents_policy_exports_and_drives_an_episode_without_keraslab(tmp_path):
    """A real DqnAgent trains through the seam; its export (PolicySaver + an
    observation-only serving_default) drives a CartPole episode in a process
    that has TensorFlow and gym but not keraslab."""
    import tensorflow as tf

    from tests.dqn_plugin import plugin as dqn_plugin

    registry = Registry([])
    registry.add(dqn_plugin)
    run, summary = actions.start_training(
        registry,
        "tinyrl",
        "dqn",
        runs_root=str(tmp_path),
        overrides=["agent.env_steps=400", "agent.eval_every_steps=200", "agent.eval_episodes=2"],
    )
    assert [r["env_steps"] for r in run.metrics()] == [200, 400]
    assert summary["metrics"]["test"]["mean_return"] >= 8  # every CartPole episode lasts 8+ steps
    version = export_run(registry, str(run.path), out=str(tmp_path / "exports"))
    loaded = tf.saved_model.load(str(version))
    assert {"serving_default", "action", "get_initial_state"} <= set(loaded.signatures)
    answer = predict(str(version), {"instances": [[0.0, 0.0, 0.05, 0.0]]})
    assert answer["predictions"][0] in (0, 1)
    assert episode_return_without_keraslab(version, cwd=tmp_path) >= 8
