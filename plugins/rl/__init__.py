"""The `rl` topic: agents that learn by acting in gym 0.23's environments.

Deep agents are tf-agents agents (DQN and double DQN so far); tabular
methods (value and policy iteration, TD(0), Q-learning) are NumPy from the
equations. The shared trainer drives all of them in environment steps.
Declares the plugin; agents are imported on first use."""
from keraslab.core import __version__
from keraslab.core.contract import ModelSpec, Plugin
from keraslab.plugins.rl import config

_TABULAR = "keraslab.plugins.rl.tabular"
_DQN = "keraslab.plugins.rl.dqn"


def _agent(name, description, build, model_config, preset):
    return ModelSpec(name=name, description=description, build=build, config=model_config, training="agent",
                     task="control", input_name="observation", preset=preset)


plugin = Plugin(
    name="rl",
    topic="rl",
    version=__version__,
    description="DQN and tabular agents on gym's CartPole, FrozenLake, Taxi, ...: returns, policies, exports.",
    models=(
        _agent("dqn", "tf-agents DqnAgent: replay, target network, annealed ε-greedy, Huber loss.",
               f"{_DQN}:build_dqn", config.DqnConfig(), config.budget_preset(50_000, 5_000, 20)),
        _agent("ddqn", "Double DQN: the online network picks the next action, the target values it.",
               f"{_DQN}:build_dqn", config.DqnConfig(double=True), config.budget_preset(50_000, 5_000, 20)),
        _agent("value-iteration", "Dynamic programming: Bellman optimality backups until converged.",
               f"{_TABULAR}:build_value_iteration", config.PlannerConfig(),
               config.budget_preset(1_000_000, 1_600, 1_000)),
        _agent("policy-iteration", "Dynamic programming: exact policy evaluation, greedy improvement.",
               f"{_TABULAR}:build_policy_iteration", config.PolicyIterationConfig(),
               config.budget_preset(1_000_000, 16, 1_000)),
        _agent("td0", "TD(0) evaluation of a fixed policy, against its exact values.",
               f"{_TABULAR}:build_td0", config.TemporalDifferenceConfig(),
               config.budget_preset(200_000, 20_000, 1_000)),
        _agent("q-learning", "Tabular Q-learning with annealed ε-greedy exploration.",
               f"{_TABULAR}:build_q_learning", config.QLearningConfig(),
               config.budget_preset(300_000, 25_000, 1_000)),
    ),
    commands="keraslab.plugins.rl.cli:commands",
)
