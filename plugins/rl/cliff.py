"""Cliff walking (Sutton & Barto, 2018, Example 6.6), as a gym 0.23 environment
with a known model.

A 4 × 12 grid: the walk starts in the bottom-left cell and ends in the
bottom-right one. Every step costs −1; the ten cells between them on the
bottom row are a cliff: stepping into one costs −100 and sends the walker
back to the start (the episode goes on). The shortest walk, along the
cliff's edge, returns −13; a walk one row further up returns −15 and the
one along the top row −17.

gym 0.23 ships a cliff-walking environment, but it cannot be made with
NumPy ≥ 1.24 (it uses the removed alias `np.bool`), so keraslab has its own,
registered as `keraslab/CliffWalking-v0` with the same states, actions
(0 up, 1 right, 2 down, 3 left), rewards and transition table `P`.
"""

from __future__ import annotations

import functools
from typing import Dict, List, Tuple

import numpy as np

ENV_ID = "keraslab/CliffWalking-v0"
ROWS, COLUMNS = 4, 12
START, GOAL = (ROWS - 1, 0), (ROWS - 1, COLUMNS - 1)
MOVES = ((-1, 0), (0, 1), (1, 0), (0, -1))  # up, right, down, left
STEP_REWARD, CLIFF_REWARD = -1.0, -100.0
MAX_EPISODE_STEPS = 500  # a time limit (a truncation) for walks that wander


def _index(row: int, column: int) -> int:
    return row * COLUMNS + column


def _is_cliff(row: int, column: int) -> bool:
    return row == ROWS - 1 and 0 < column < COLUMNS - 1


def transition_table() -> Dict[int, Dict[int, List[Tuple[float, int, float, bool]]]]:
    """gym's toy-text model: P[s][a] = [(probability, next state, reward, done)]."""
    table: Dict[int, Dict[int, List[Tuple[float, int, float, bool]]]] = {}
    for row in range(ROWS):
        for column in range(COLUMNS):
            table[_index(row, column)] = {}
            for action, (d_row, d_column) in enumerate(MOVES):
                to_row = min(max(row + d_row, 0), ROWS - 1)
                to_column = min(max(column + d_column, 0), COLUMNS - 1)
                if _is_cliff(to_row, to_column):
                    outcome = (1.0, _index(*START), CLIFF_REWARD, False)
                else:
                    outcome = (1.0, _index(to_row, to_column), STEP_REWARD, (to_row, to_column) == GOAL)
                table[_index(row, column)][action] = [outcome]
    return table


CELL = 24  # pixels a cell in a rendered frame


def render_grid(state: int) -> np.ndarray:
    """An RGB frame (uint8, 4·24 × 12·24) of the grid with the walker at `state`."""
    image = np.full((ROWS * CELL, COLUMNS * CELL, 3), 235, np.uint8)
    for row in range(ROWS):
        for column in range(COLUMNS):
            if _is_cliff(row, column):
                colour = (60, 60, 60)
            elif (row, column) == START:
                colour = (190, 210, 240)
            elif (row, column) == GOAL:
                colour = (170, 225, 170)
            else:
                continue
            image[row * CELL : (row + 1) * CELL, column * CELL : (column + 1) * CELL] = colour
    image[::CELL, :] = image[:, ::CELL] = 200  # grid lines
    row, column = divmod(state, COLUMNS)
    margin = CELL // 4
    image[row * CELL + margin : (row + 1) * CELL - margin, column * CELL + margin : (column + 1) * CELL - margin] = (
        210,
        40,
        40,
    )
    return image


def register() -> None:
    """Registers the environment with gym once (gym is imported here, on first use)."""
    import gym
    from gym.envs.registration import register as gym_register

    if ENV_ID not in gym.envs.registry.env_specs:
        gym_register(id=ENV_ID, entry_point=f"{__name__}:CliffWalking", max_episode_steps=MAX_EPISODE_STEPS)


@functools.lru_cache(maxsize=None)
def _environment_class():
    import gym

    class CliffWalking(gym.Env):
        """The grid as a gym environment: integer observations, four actions."""

        metadata = {"render_modes": ["rgb_array"]}

        def __init__(self):
            self.P = transition_table()
            self.initial_state_distrib = np.zeros(ROWS * COLUMNS)
            self.initial_state_distrib[_index(*START)] = 1.0
            self.observation_space = gym.spaces.Discrete(ROWS * COLUMNS)
            self.action_space = gym.spaces.Discrete(len(MOVES))
            self.state = _index(*START)

        def reset(self, *, seed=None, return_info=False, options=None):
            super().reset(seed=seed)
            self.state = _index(*START)
            return (self.state, {}) if return_info else self.state

        def step(self, action):
            ((_, next_state, reward, done),) = self.P[self.state][int(action)]
            self.state = next_state
            return next_state, reward, done, {}

        def render(self, mode="rgb_array"):
            """The grid as an RGB image: the cliff dark, start and goal tinted, the walker red."""
            return render_grid(self.state)

    return CliffWalking


def __getattr__(name: str):
    # gym's entry point names `CliffWalking`; the class is built on first use so
    # that importing this module does not import gym.
    if name == "CliffWalking":
        return _environment_class()
    raise AttributeError(name)
