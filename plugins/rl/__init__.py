"""The `rl` topic: agents that learn by acting in gym 0.23's environments.

Deep agents are tf-agents agents (DQN, double DQN, REINFORCE, PPO, DDPG); tabular
methods (value and policy iteration, TD(0), Q-learning, SARSA, expected SARSA) are NumPy from the
equations. The shared trainer drives all of them in environment steps.
Declares the plugin; agents are imported on first use."""

from keraslab.core.api import ModelSpec, Plugin, __version__
from keraslab.plugins.rl import config

_TABULAR = "keraslab.plugins.rl.models.tabular"
_DQN = "keraslab.plugins.rl.models.dqn"
_PG = "keraslab.plugins.rl.models.policy_gradient"
_DDPG = "keraslab.plugins.rl.models.ddpg"


def _agent(name, description, build, model_config, preset):
    return ModelSpec(
        name=name,
        description=description,
        build=build,
        config=model_config,
        training="agent",
        task="control",
        input_name="observation",
        preset=preset,
    )


plugin = Plugin(
    name="rl",
    topic="rl",
    version=__version__,
    description="DQN, policy-gradient, DDPG and tabular agents on gym's environments: returns, policies, exports.",
    models=(
        _agent(
            "dqn",
            "tf-agents DqnAgent: replay, target network, annealed ε-greedy, Huber loss.",
            f"{_DQN}:build_dqn",
            config.DqnConfig(),
            config.budget_preset(50_000, 5_000, 20),
        ),
        _agent(
            "ddqn",
            "Double DQN: the online network picks the next action, the target values it.",
            f"{_DQN}:build_dqn",
            config.DqnConfig(double=True),
            config.budget_preset(50_000, 5_000, 20),
        ),
        _agent(
            "reinforce",
            "tf-agents ReinforceAgent: Monte-Carlo policy gradient with a value baseline.",
            f"{_PG}:build_reinforce",
            config.ReinforceConfig(),
            # An iteration collects whole episodes (≤ 4 × 500 steps): stop by 200,000.
            config.budget_preset(198_000, 10_000, 20),
        ),
        _agent(
            "ppo",
            "tf-agents PPOClipAgent: clipped surrogate, GAE advantages from a value network.",
            f"{_PG}:build_ppo",
            config.PpoConfig(),
            config.budget_preset(99_000, 10_000, 20),
        ),  # iterations of 1,000 steps: stop by 100,000
        _agent(
            "ddpg",
            "tf-agents DdpgAgent: deterministic actor, critic, soft targets, OU exploration.",
            f"{_DDPG}:build_ddpg",
            config.DdpgConfig(),
            config.budget_preset(30_000, 5_000, 10),
        ),
        _agent(
            "value-iteration",
            "Dynamic programming: Bellman optimality backups until converged.",
            f"{_TABULAR}:build_value_iteration",
            config.PlannerConfig(),
            config.budget_preset(1_000_000, 1_600, 1_000),
        ),
        _agent(
            "policy-iteration",
            "Dynamic programming: exact policy evaluation, greedy improvement.",
            f"{_TABULAR}:build_policy_iteration",
            config.PolicyIterationConfig(),
            config.budget_preset(1_000_000, 16, 1_000),
        ),
        _agent(
            "td0",
            "TD(0) evaluation of a fixed policy, against its exact values.",
            f"{_TABULAR}:build_td0",
            config.TemporalDifferenceConfig(),
            config.budget_preset(200_000, 20_000, 1_000),
        ),
        _agent(
            "q-learning",
            "Tabular Q-learning (off-policy TD control) with annealed ε-greedy exploration.",
            f"{_TABULAR}:build_td_control",
            config.TdControlConfig(),
            config.budget_preset(300_000, 25_000, 1_000),
        ),
        _agent(
            "sarsa",
            "Tabular SARSA (on-policy TD control), by default on the cliff walk.",
            f"{_TABULAR}:build_td_control",
            config.SarsaConfig(**config.CLIFF_SETTINGS),
            config.budget_preset(50_000, 10_000, 10),
        ),
        _agent(
            "expected-sarsa",
            "Tabular expected SARSA: the next state's mean value under the ε-greedy policy.",
            f"{_TABULAR}:build_td_control",
            config.ExpectedSarsaConfig(**config.CLIFF_SETTINGS),
            config.budget_preset(50_000, 10_000, 10),
        ),
    ),
    commands="keraslab.plugins.rl.cli:commands",
)
