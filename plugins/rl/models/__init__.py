"""The rl topic's agents, one module a family:

* `tabular`: value and policy iteration with the environment's model,
  Q-learning and TD(0) on finite state spaces;
* `deep`: what the tf-agents agents share (environment, step counter,
  greedy acting network, keeping the best network);
* `off_policy`: agents with a replay buffer, `dqn` (DQN and double DQN)
  and `ddpg`;
* `policy_gradient`: REINFORCE and PPO.
"""
