"""One trainer seam: a trainer per training kind, chosen once; settings a
model's trainer does not use are refused in one line; both trainers write
the same summary fields."""

import pytest

from keraslab.core import actions
from keraslab.core.errors import ConfigError
from keraslab.core.registry import Registry
from keraslab.core.trainer.kinds import AgentTrainer, KerasTrainer, trainer_for
from tests.agent_plugin import plugin as chain_plugin

BUDGET = ["agent.env_steps=1000", "agent.eval_every_steps=500", "agent.eval_episodes=2"]
COMMON_SUMMARY = {"plugin", "model", "dataset", "training", "strategy", "precision", "device", "seed", "versions"}


@pytest.fixture
def chain_registry():
    registry = Registry([])
    registry.add(chain_plugin)
    return registry


def test_each_training_kind_has_its_trainer(registry):
    foundations, rl = registry.get("foundations"), registry.get("rl")
    assert isinstance(trainer_for(foundations.model("mlp")), KerasTrainer)
    assert isinstance(trainer_for(rl.model("dqn")), AgentTrainer)
    kinds = {spec.training for plugin in registry.plugins() for spec in plugin.models}
    assert kinds == {"fit", "custom_step", "variational", "agent"}
    assert all(trainer_for(spec) is trainer_for(spec) for plugin in registry.plugins() for spec in plugin.models)


@pytest.mark.parametrize(
    "override,named",
    [
        ("train.epochs=5", "train.epochs"),
        ("train.batch_size=8", "train.batch_size"),
        ("optimizer.learning_rate=0.1", "optimizer.learning_rate"),
        ("devices.strategy=mirrored", "devices.strategy"),
        ("schedule.name=cosine", "schedule.name"),
    ],
)
def test_an_agent_refuses_settings_it_would_ignore(chain_registry, tmp_path, override, named):
    with pytest.raises(ConfigError, match=f"agent trainer, which does not use {named}; remove it"):
        actions.start_training(chain_registry, "chain", "q-learning", overrides=[override], runs_root=str(tmp_path))
    assert not any(tmp_path.iterdir())


def test_every_ignored_setting_is_named_at_once(chain_registry, tmp_path):
    with pytest.raises(ConfigError, match="does not use train.epochs, train.batch_size; remove them"):
        actions.start_training(
            chain_registry,
            "chain",
            "q-learning",
            overrides=["train.epochs=3", "train.batch_size=8"],
            runs_root=str(tmp_path),
        )


def test_a_keras_model_refuses_an_agents_budget(registry, tmp_path):
    with pytest.raises(ConfigError, match="Keras trainer, which does not use agent.env_steps"):
        actions.start_training(
            registry, "foundations", "mlp", overrides=["agent.env_steps=10"], runs_root=str(tmp_path)
        )
    assert not any(tmp_path.iterdir())


def test_the_command_line_refuses_in_one_line(cli_runner, tmp_path):
    result = cli_runner("rl", "train", "q-learning", "--epochs", "5", "--runs-root", str(tmp_path))
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "does not use train.epochs" in lines[0], result.output
    assert not any(tmp_path.iterdir())


def test_agent_and_keras_summaries_share_their_fields(chain_registry, registry, tmp_path, tiny):
    _, agent = actions.start_training(chain_registry, "chain", "q-learning", overrides=BUDGET, runs_root=str(tmp_path))
    _, keras = actions.start_training(registry, "foundations", "mlp", overrides=tiny(1), runs_root=str(tmp_path))
    assert COMMON_SUMMARY <= set(agent) and COMMON_SUMMARY <= set(keras)
    assert agent["training"] == "agent" and keras["training"] == "fit"
    assert agent["strategy"].endswith("x1") and agent["versions"]["tensorflow"]
    assert agent["device"] and agent["precision"] == "float32"
