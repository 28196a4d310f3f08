"""Behaviour policies whose randomness a checkpoint holds.

tf-agents' exploring policies (`EpsilonGreedyPolicy`, `RandomTFPolicy`,
`OUNoisePolicy`, a stochastic `ActorPolicy`) draw with stateful random ops
(`tf.random.uniform(seed=...)`): the position of such a stream lives in the
op's kernel, not in a variable, so no checkpoint can hold it and a resumed
run draws other numbers than the uninterrupted one would have. The policies
here draw from a `tf.random.Generator`, whose state is a variable: put the
generator in the checkpoint and a resumed run draws exactly what the
uninterrupted run drew. Each one keeps the rule of the tf-agents policy it
replaces:

* `SeededRandomPolicy`: uniform over the action spec (discrete: each action
  with probability 1/|A|; continuous: uniform in [minimum, maximum]);
* `SeededEpsilonGreedyPolicy`: the greedy action with probability 1 − ε,
  else a uniform one;
* `SeededOUNoisePolicy`: μ(s) + x, x ← (1 − damping) x + N(0, stddev²),
  clipped to the action bounds (Ornstein–Uhlenbeck noise as tf-agents'
  `common.OUProcess` draws it; Lillicrap et al., 2016);
* `SeededSamplingPolicy`: a sample of the wrapped policy's action
  distribution π(· | s), drawn with a stateless seed from the generator.
"""

from __future__ import annotations

from typing import Callable

import tensorflow as tf
from tf_agents.policies import tf_policy
from tf_agents.specs import tensor_spec
from tf_agents.trajectories import policy_step
from tf_agents.utils import nest_utils


def uniform_actions(action_spec, outer_shape, generator: tf.random.Generator):
    """A batch of actions drawn uniformly from a bounded `action_spec`."""

    def draw(spec):
        shape = tf.concat([outer_shape, tf.constant(spec.shape.as_list(), tf.int32)], axis=0)
        if tensor_spec.is_discrete(spec):
            # maxval is exclusive for integers: every action in [minimum, maximum] alike.
            return generator.uniform(shape, minval=spec.minimum, maxval=spec.maximum + 1, dtype=spec.dtype)
        low = tf.constant(spec.minimum, spec.dtype)
        high = tf.constant(spec.maximum, spec.dtype)
        return low + (high - low) * generator.uniform(shape, dtype=spec.dtype)

    return tf.nest.map_structure(draw, action_spec)


class SeededRandomPolicy(tf_policy.TFPolicy):
    """Uniformly random actions (tf-agents' `RandomTFPolicy`) from `generator`."""

    def __init__(self, time_step_spec, action_spec, generator: tf.random.Generator):
        super().__init__(time_step_spec, action_spec, clip=False)
        self._generator = generator

    def _variables(self):
        return []

    def _action(self, time_step, policy_state, seed):
        # A random action reads nothing of the time step; without this
        # dependency a graph may take the environment's next step (a
        # py_function) while it is still returning the current one, which
        # tf-agents' TFPyEnvironment refuses as concurrent execution.
        with tf.control_dependencies(tf.nest.flatten(time_step)):
            outer_shape = nest_utils.get_outer_shape(time_step, self._time_step_spec)
            actions = uniform_actions(self.action_spec, outer_shape, self._generator)
        return policy_step.PolicyStep(actions, policy_state, ())

    def _distribution(self, time_step, policy_state):
        raise NotImplementedError("SeededRandomPolicy draws actions; it has no distribution.")


class _SeededWrapper(tf_policy.TFPolicy):
    """A policy acting through `wrapped_policy` (same specs, same variables)
    with draws from `generator`."""

    def __init__(self, wrapped_policy, generator: tf.random.Generator, clip: bool):
        super().__init__(
            wrapped_policy.time_step_spec,
            wrapped_policy.action_spec,
            wrapped_policy.policy_state_spec,
            wrapped_policy.info_spec,
            clip=clip,
        )
        self._wrapped_policy, self._generator = wrapped_policy, generator

    def _variables(self):
        return self._wrapped_policy.variables()

    def _distribution(self, time_step, policy_state):
        raise NotImplementedError(f"{type(self).__name__} draws actions; it has no distribution.")


class SeededEpsilonGreedyPolicy(_SeededWrapper):
    """`greedy_policy`'s action with probability 1 − ε, a uniform one with
    probability ε (tf-agents' `EpsilonGreedyPolicy`), drawn from `generator`.

    Args:
        greedy_policy: the policy followed when not exploring.
        epsilon: a callable giving ε now (a schedule of the step counter).
        generator: the random stream; checkpoint it with the run.
    """

    def __init__(self, greedy_policy, epsilon: Callable[[], tf.Tensor], generator: tf.random.Generator):
        super().__init__(greedy_policy, generator, clip=False)
        self._epsilon = epsilon

    def epsilon(self) -> tf.Tensor:
        return tf.convert_to_tensor(self._epsilon() if callable(self._epsilon) else self._epsilon)

    def _action(self, time_step, policy_state, seed):
        greedy = self._wrapped_policy.action(time_step, policy_state)
        outer_shape = nest_utils.get_outer_shape(time_step, self._time_step_spec)
        random = uniform_actions(self.action_spec, outer_shape, self._generator)
        explore = self._generator.uniform(outer_shape) < tf.cast(self.epsilon(), tf.float32)
        action = tf.nest.map_structure(lambda r, g: tf.where(explore, r, g), random, greedy.action)
        return policy_step.PolicyStep(action, greedy.state, greedy.info)


class SeededOUNoisePolicy(_SeededWrapper):
    """`wrapped_policy`'s action plus Ornstein–Uhlenbeck noise, clipped to
    the action bounds (tf-agents' `OUNoisePolicy`), drawn from `generator`.

    x_{t+1} = (1 − damping) x_t + ε_t, ε_t ~ N(0, stddev²), x_0 = 0; the
    noise state x is a variable (in `variables()`, so checkpoint the policy).
    """

    def __init__(self, wrapped_policy, stddev: float, damping: float, generator: tf.random.Generator):
        super().__init__(wrapped_policy, generator, clip=True)
        self._stddev, self._damping = stddev, damping
        self.noise = tf.nest.map_structure(
            lambda spec: tf.Variable(tf.zeros(spec.shape, spec.dtype), trainable=False, name="ou_noise"),
            self.action_spec,
        )

    def _variables(self):
        return self._wrapped_policy.variables() + tf.nest.flatten(self.noise)

    def _action(self, time_step, policy_state, seed):
        step = self._wrapped_policy.action(time_step, policy_state)

        def add_noise(action, noise):
            drawn = self._generator.normal(noise.shape, stddev=self._stddev, dtype=noise.dtype)
            return action + noise.assign((1.0 - self._damping) * noise + drawn)

        return step._replace(action=tf.nest.map_structure(add_noise, step.action, self.noise))


class SeededSamplingPolicy(_SeededWrapper):
    """Samples `wrapped_policy`'s action distribution with stateless seeds
    drawn from `generator`; the info (and log-probability, where the wrapped
    policy emits one) is the wrapped policy's, so an agent trains on its
    experience exactly as on the wrapped policy's own."""

    def __init__(self, wrapped_policy, generator: tf.random.Generator):
        # Clip exactly where the wrapped policy clips (PPO's collect policy does not).
        super().__init__(wrapped_policy, generator, clip=getattr(wrapped_policy, "_clip", True))

    def _action(self, time_step, policy_state, seed):
        step = self._wrapped_policy.distribution(time_step, policy_state)
        distributions = tf.nest.flatten(step.action)
        # A stateless seed (two int32s) per distribution: sampling with it draws the same numbers every time.
        seeds = tf.unstack(self._generator.uniform_full_int([len(distributions), 2], dtype=tf.int32))
        actions = tf.nest.pack_sequence_as(step.action, [d.sample(seed=s) for d, s in zip(distributions, seeds)])
        info = step.info
        if self._wrapped_policy.emit_log_probability:
            log_probability = tf.nest.map_structure(lambda a, d: d.log_prob(a), actions, step.action)
            info = policy_step.set_log_probability(info, log_probability)
        return policy_step.PolicyStep(actions, step.state, info)

    def _distribution(self, time_step, policy_state):
        return self._wrapped_policy.distribution(time_step, policy_state)
