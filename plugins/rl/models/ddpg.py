"""DDPG with tf-agents' `DdpgAgent` (Lillicrap et al., 2016), for
continuous actions.

The critic minimises (Q(s, a) − y)², y = r + γ Q'(s', μ'(s')); the actor
follows ∇_a Q(s, a)|_{a = μ(s)} ∇_θ μ(s); the primed target networks move
by τ towards the online ones after every update. Behaviour adds
Ornstein–Uhlenbeck noise to μ(s), clipped to the action bounds (drawn from
the run's checkpointed `exploration` stream, the noise state in the
checkpoint too). The
replay loop is `off_policy.ReplayProgram`'s; the actor is what acts
greedily, is selected, played and exported.
"""

from __future__ import annotations

import tensorflow as tf

from keraslab.plugins.rl.config import DdpgConfig
from keraslab.plugins.rl.models.off_policy import ReplayProgram


class DdpgProgram(ReplayProgram):
    def make_agent(self):
        from tf_agents.agents.ddpg import actor_network, critic_network, ddpg_agent

        c = self.config
        actor = actor_network.ActorNetwork(
            self.env.observation_spec(), self.env.action_spec(), fc_layer_params=tuple(c.actor_units)
        )
        critic = critic_network.CriticNetwork(
            (self.env.observation_spec(), self.env.action_spec()),
            observation_fc_layer_params=tuple(c.critic_observation_units),
            joint_fc_layer_params=tuple(c.critic_joint_units),
        )
        agent = ddpg_agent.DdpgAgent(
            self.env.time_step_spec(),
            self.env.action_spec(),
            actor_network=actor,
            critic_network=critic,
            actor_optimizer=tf.keras.optimizers.Adam(c.actor_learning_rate),
            critic_optimizer=tf.keras.optimizers.Adam(c.critic_learning_rate),
            ou_stddev=c.ou_stddev,
            ou_damping=c.ou_damping,
            target_update_tau=c.target_update_tau,
            target_update_period=1,
            gamma=c.gamma,
            train_step_counter=tf.Variable(0, dtype=tf.int64, name="updates"),
        )
        return agent, actor

    def behaviour_policy(self):
        """μ(s) + Ornstein–Uhlenbeck noise, clipped to the bounds (as `DdpgAgent.collect_policy`)."""
        from tf_agents.policies import actor_policy

        from keraslab.plugins.rl.models.seeded_policies import SeededOUNoisePolicy

        actor = actor_policy.ActorPolicy(
            self.env.time_step_spec(), self.env.action_spec(), actor_network=self.network, clip=False
        )
        return SeededOUNoisePolicy(actor, self.config.ou_stddev, self.config.ou_damping, self.exploration)

    def network_action(self, network, observation):
        action, _ = network(observation, step_type=None, network_state=(), training=False)
        return action

    def policy(self):
        """The deterministic actor μ(s), clipped to the action bounds, for PolicySaver."""
        from tf_agents.policies import actor_policy

        return actor_policy.ActorPolicy(
            self.env.time_step_spec(), self.env.action_spec(), actor_network=self.acting_network(), clip=True
        )


def build_ddpg(config: DdpgConfig, info) -> DdpgProgram:
    return DdpgProgram(config, info.seed)
