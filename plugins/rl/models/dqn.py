"""Deep Q-networks with tf-agents' `DqnAgent` / `DdqnAgent`.

Q-learning with a network Q(s, a; θ) (Mnih et al., 2015): transitions go to
a uniform replay buffer, and each update minimises the Huber loss of the
TD error on a sampled batch,

    y = Σ_{k<n} γ^k r_{t+k} + γ^n max_a Q(s_{t+n}, a; θ⁻),   δ = y − Q(s_t, a_t; θ),

θ⁻ being a target network that follows θ every `target_update_period`
updates (by τ). Double DQN (van Hasselt et al., 2016) takes the argmax with
θ and the value with θ⁻. Actions are ε-greedy, ε annealed linearly
(drawn from the run's checkpointed `exploration` stream). The replay loop
is `off_policy.ReplayProgram`'s.
"""

from __future__ import annotations

import tensorflow as tf

from keraslab.plugins.rl.config import DqnConfig
from keraslab.plugins.rl.models.off_policy import ReplayProgram


def linear_schedule(step: tf.Variable, start: float, end: float, steps: int):
    """A callable giving start + (end − start) · min(step / steps, 1)."""

    def value():
        fraction = tf.minimum(tf.cast(step, tf.float32) / float(max(steps, 1)), 1.0)
        return start + fraction * (end - start)

    return value


def make_dqn_agent(c: DqnConfig, env, steps: tf.Variable):
    """tf-agents' `DqnAgent` (`DdqnAgent` where `c.double`) and its Q-network,
    set as `c` says, for the batched tf environment `env`; ε follows
    `linear_schedule` of the environment-step counter `steps`."""
    from tf_agents.agents.dqn import dqn_agent
    from tf_agents.networks import q_network
    from tf_agents.utils import common

    network = q_network.QNetwork(env.observation_spec(), env.action_spec(), fc_layer_params=tuple(c.hidden_units))
    agent_class = dqn_agent.DdqnAgent if c.double else dqn_agent.DqnAgent
    agent = agent_class(
        env.time_step_spec(),
        env.action_spec(),
        q_network=network,
        optimizer=tf.keras.optimizers.Adam(c.learning_rate),
        epsilon_greedy=linear_schedule(steps, c.epsilon_start, c.epsilon_end, c.epsilon_decay_steps),
        n_step_update=c.n_step,
        target_update_tau=c.target_update_tau,
        target_update_period=c.target_update_period,
        td_errors_loss_fn=common.element_wise_huber_loss,
        gamma=c.gamma,
        gradient_clipping=c.gradient_clip or None,
        train_step_counter=tf.Variable(0, dtype=tf.int64, name="updates"),
    )
    return agent, network


class DqnProgram(ReplayProgram):
    def make_agent(self):
        return make_dqn_agent(self.config, self.env, self.steps)

    def behaviour_policy(self):
        """ε-greedy in the agent's greedy policy, ε on the agent's own schedule."""
        from keraslab.plugins.rl.models.seeded_policies import SeededEpsilonGreedyPolicy

        c = self.config
        epsilon = linear_schedule(self.steps, c.epsilon_start, c.epsilon_end, c.epsilon_decay_steps)
        return SeededEpsilonGreedyPolicy(self.agent.policy, epsilon, self.exploration)

    @property
    def train_sequence_length(self) -> int:
        return self.config.n_step + 1

    def transform(self, experience):
        if not self.config.reward_clip:
            return experience
        c = self.config.reward_clip
        return experience._replace(reward=tf.clip_by_value(experience.reward, -c, c))

    def train_iteration(self):
        metrics = super().train_iteration()
        return {"epsilon": float(self.behaviour.epsilon()), **metrics}  # the schedule's current value

    def network_action(self, network, observation):
        q_values, _ = network(observation, training=False)
        return tf.argmax(q_values, axis=-1, output_type=self.env.action_spec().dtype)

    def policy(self):
        """The greedy policy of the acting network, for PolicySaver."""
        from tf_agents.policies import greedy_policy, q_policy

        return greedy_policy.GreedyPolicy(
            q_policy.QPolicy(self.env.time_step_spec(), self.env.action_spec(), q_network=self.acting_network())
        )


def build_dqn(config: DqnConfig, info) -> DqnProgram:
    return DqnProgram(config, info.seed)
