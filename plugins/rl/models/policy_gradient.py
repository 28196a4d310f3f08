"""Policy-gradient agents with tf-agents: REINFORCE and PPO.

REINFORCE (Williams, 1992) ascends E[Σ_t ∇ log π(a_t | s_t) (G_t − b(s_t))]
over whole episodes, G_t = Σ_k γ^k r_{t+k}, with an optional learned
baseline b(s) (a value network) to lower the variance.

PPO (Schulman et al., 2017) collects `collect_steps` steps, estimates
advantages with GAE(γ, λ) (Schulman et al., 2016) from a learned value
function, and takes `epochs` passes maximising the clipped surrogate
min(ρ A, clip(ρ, 1 − ε, 1 + ε) A), ρ = π(a | s) / π_old(a | s).

Both are on-policy: each update uses only the experience just collected,
which is then dropped. Actions are sampled from π with seeds drawn from the
run's checkpointed `exploration` stream (`SeededSamplingPolicy`), so a
resumed run collects what the uninterrupted one collected. The greedy policy (the mode of π) is what is
evaluated, selected, played and exported.
"""

from __future__ import annotations

import tensorflow as tf

from keraslab.plugins.rl.config import PpoConfig, ReinforceConfig
from keraslab.plugins.rl.models.deep import DeepAgentProgram


class OnPolicyProgram(DeepAgentProgram):
    """Collect with the agent's stochastic policy, train once on it, forget it.

    Subclasses make the agent from the actor and value networks
    (`make_agent`) and the driver that collects one iteration (`make_driver`).
    """

    buffer_length: int

    def __init__(self, config, seed: int):
        from tf_agents.replay_buffers import tf_uniform_replay_buffer
        from tf_agents.utils import common

        super().__init__(config, seed)
        actor, value = _networks(self.env, config)
        self.agent = self.make_agent(actor, value)
        self.agent.initialize()
        self.keep_copies_of(actor)
        self.replay = tf_uniform_replay_buffer.TFUniformReplayBuffer(
            self.agent.collect_data_spec, batch_size=self.env.batch_size, max_length=self.buffer_length
        )
        self._collect = common.function(self.make_driver([self.replay.add_batch]).run)
        self._train = common.function(lambda experience: self.agent.train(experience).loss)

    def make_agent(self, actor, value):
        raise NotImplementedError

    def make_driver(self, observers):
        raise NotImplementedError

    def behaviour_policy(self):
        """The agent's collect policy, sampled from the run's `exploration` stream."""
        from keraslab.plugins.rl.models.seeded_policies import SeededSamplingPolicy

        return SeededSamplingPolicy(self.agent.collect_policy, self.exploration)

    def trackables(self):
        return {"agent": self.agent, **self.progress_trackables()}

    def train_iteration(self):
        self.replay.clear()
        self._collect()
        experience = self.replay.gather_all()
        # Steps taken: transitions that do not start from an episode's last step.
        self.steps.assign_add(int(tf.reduce_sum(tf.cast(~experience.is_boundary(), tf.int64))))
        loss = float(self._train(experience))
        return {"loss": loss, **self.select_if_due()}

    def network_action(self, network, observation):
        distribution, _ = network(observation, step_type=None, network_state=(), training=False)
        return tf.cast(distribution.mode(), self.env.action_spec().dtype)

    def policy(self):
        """The greedy policy (the mode of π) of the acting network, for PolicySaver."""
        from tf_agents.policies import actor_policy, greedy_policy

        return greedy_policy.GreedyPolicy(
            actor_policy.ActorPolicy(
                self.env.time_step_spec(), self.env.action_spec(), actor_network=self.acting_network()
            )
        )


def _networks(env, config):
    """(actor, value network or None) of the configured sizes."""
    from tf_agents.networks import actor_distribution_network, value_network

    actor = actor_distribution_network.ActorDistributionNetwork(
        env.observation_spec(), env.action_spec(), fc_layer_params=tuple(config.hidden_units)
    )
    value = (
        value_network.ValueNetwork(env.observation_spec(), fc_layer_params=tuple(config.value_units))
        if config.value_units
        else None
    )
    return actor, value


class ReinforceProgram(OnPolicyProgram):
    def __init__(self, config: ReinforceConfig, seed: int):
        self.buffer_length = config.episodes_per_iteration * 600  # CartPole's and Acrobot's episodes: ≤ 500 steps
        super().__init__(config, seed)

    def make_agent(self, actor, value):
        from tf_agents.agents.reinforce import reinforce_agent

        c = self.config
        return reinforce_agent.ReinforceAgent(
            self.env.time_step_spec(),
            self.env.action_spec(),
            actor_network=actor,
            value_network=value,
            value_estimation_loss_coef=c.value_loss_coef,
            optimizer=tf.keras.optimizers.Adam(c.learning_rate),
            gamma=c.gamma,
            normalize_returns=c.normalize_returns,
            entropy_regularization=c.entropy_coef or None,
            train_step_counter=tf.Variable(0, dtype=tf.int64, name="updates"),
        )

    def make_driver(self, observers):
        from tf_agents.drivers import dynamic_episode_driver

        return dynamic_episode_driver.DynamicEpisodeDriver(
            self.env, self.behaviour_policy(), observers=observers, num_episodes=self.config.episodes_per_iteration
        )


class PpoProgram(OnPolicyProgram):
    def __init__(self, config: PpoConfig, seed: int):
        self.buffer_length = config.collect_steps + 1
        super().__init__(config, seed)

    def make_agent(self, actor, value):
        from tf_agents.agents.ppo import ppo_clip_agent

        c = self.config
        return ppo_clip_agent.PPOClipAgent(
            self.env.time_step_spec(),
            self.env.action_spec(),
            optimizer=tf.keras.optimizers.Adam(c.learning_rate),
            actor_net=actor,
            value_net=value,
            importance_ratio_clipping=c.clip_ratio,
            lambda_value=c.gae_lambda,
            discount_factor=c.gamma,
            entropy_regularization=c.entropy_coef,
            num_epochs=c.epochs,
            use_gae=True,
            normalize_observations=False,
            normalize_rewards=False,
            train_step_counter=tf.Variable(0, dtype=tf.int64, name="updates"),
        )

    def make_driver(self, observers):
        from tf_agents.drivers import dynamic_step_driver

        return dynamic_step_driver.DynamicStepDriver(
            self.env, self.behaviour_policy(), observers=observers, num_steps=self.config.collect_steps
        )


def build_reinforce(config: ReinforceConfig, info) -> ReinforceProgram:
    return ReinforceProgram(config, info.seed)


def build_ppo(config: PpoConfig, info) -> PpoProgram:
    return PpoProgram(config, info.seed)
