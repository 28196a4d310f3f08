"""Tic-tac-toe, its perfect (minimax) player and a random one.

A position is a 3 × 3 board flattened to 9 cells, seen by the player to
move: +1 their stones, −1 the opponent's, 0 empty. Playing a move and
turning the board to the other player's view is `−(board with +1 at the
move)`, so every function speaks of "the player to move" and never of X or
O. Values are for the player to move too: `outcome` is −1 when the
opponent has just completed a line, 0 for a full board, None while the game
goes on; `minimax_value` is the value under perfect play (0 from the empty
board: tic-tac-toe is a draw).
"""

from __future__ import annotations

import functools
from typing import Optional, Tuple

import numpy as np

CELLS = 9
LINES = np.array([[0, 1, 2], [3, 4, 5], [6, 7, 8], [0, 3, 6], [1, 4, 7], [2, 5, 8], [0, 4, 8], [2, 4, 6]])


def empty_board() -> np.ndarray:
    return np.zeros(CELLS, np.int8)


def legal_moves(board: np.ndarray) -> np.ndarray:
    return np.flatnonzero(board == 0)


def play(board: np.ndarray, move: int) -> np.ndarray:
    """The board after the player to move takes `move`, seen by the next player."""
    if board[move] != 0:
        raise ValueError(f"Cell {move} is taken; legal moves: {legal_moves(board).tolist()}.")
    after = board.copy()
    after[move] = 1
    return -after


def outcome(board: np.ndarray) -> Optional[int]:
    """For the player to move: −1 if the opponent has a line (they just won),
    0 if the board is full, None if the game goes on. The player to move
    can never already have a line: they have not moved since."""
    if np.any(board[LINES].sum(axis=1) == -3):
        return -1
    if not np.any(board == 0):
        return 0
    return None


@functools.lru_cache(maxsize=None)
def _negamax(cells: Tuple[int, ...]) -> int:
    board = np.array(cells, np.int8)
    done = outcome(board)
    if done is not None:
        return done
    return max(-_negamax(tuple(play(board, m))) for m in legal_moves(board))


def minimax_value(board: np.ndarray) -> int:
    """The game's value under perfect play for the player to move: +1 win, 0 draw, −1 loss."""
    return _negamax(tuple(int(c) for c in board))


def minimax_move_values(board: np.ndarray) -> dict:
    """{legal move: its value under perfect play for the player who makes it}."""
    return {int(m): -minimax_value(play(board, m)) for m in legal_moves(board)}


def minimax_move(board: np.ndarray, rng: np.random.Generator) -> int:
    """A perfect move, chosen at random among the moves of the best value."""
    values = minimax_move_values(board)
    best = max(values.values())
    return int(rng.choice([m for m, v in values.items() if v == best]))


def random_move(board: np.ndarray, rng: np.random.Generator) -> int:
    return int(rng.choice(legal_moves(board)))


# The 8 symmetries of the square as permutations of the cells: new[i] = old[permutation[i]].
_GRID = np.arange(CELLS).reshape(3, 3)
SYMMETRIES = np.array(
    [np.rot90(grid, k).reshape(-1) for grid in (_GRID, _GRID.T) for k in range(4)],
    np.int64,
)


def features(boards: np.ndarray) -> np.ndarray:
    """(n, 18) float32 inputs of a network: the mover's stones, then the opponent's."""
    boards = np.asarray(boards).reshape(-1, CELLS)
    return np.concatenate([boards == 1, boards == -1], axis=1).astype(np.float32)
