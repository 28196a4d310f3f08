"""Monte-Carlo tree search guided by a policy and a value (PUCT; Silver et
al., 2017, "Mastering the game of Go without human knowledge").

Each simulation walks from the root choosing, at every node, the move a
that maximises

    Q(s, a) + c_puct · P(s, a) · √(Σ_b N(s, b) + 1) / (1 + N(s, a)),

Q = W / N the mean value of the move so far (0 before its first visit), P
the network's prior. At a leaf it asks the evaluator for (P, v) once and
backs v up the path, negating it at each level (players alternate). The
move to play follows the visit counts N(root, ·); at the root of a
self-play game Dirichlet noise is mixed into P so that every move gets
tried: P ← (1 − ε) P + ε Dir(α).

Games are those of `keraslab.plugins.rl.tictactoe`: boards seen by the
player to move, values for that player.
"""

from __future__ import annotations

from typing import Callable, List, Optional, Tuple

import numpy as np

from keraslab.plugins.rl import tictactoe as game

# (board) -> (priors over the 9 cells, value for the player to move)
Evaluator = Callable[[np.ndarray], Tuple[np.ndarray, float]]


class Node:
    """A position of the tree; statistics of its moves are arrays over `moves`."""

    __slots__ = ("board", "expanded", "terminal", "moves", "prior", "visits", "value_sum", "children")

    def __init__(self, board: np.ndarray):
        self.board = board
        self.expanded = False
        self.terminal: Optional[int] = None
        self.moves = np.empty(0, np.int64)
        self.prior = self.visits = self.value_sum = np.empty(0)
        self.children: List[Optional["Node"]] = []

    def expand(self, evaluate: Evaluator) -> float:
        """Reads the position once: its result if it is over, else the
        evaluator's priors for its moves; returns its value for the player to move."""
        self.expanded = True
        self.terminal = game.outcome(self.board)
        if self.terminal is not None:
            return float(self.terminal)
        priors, value = evaluate(self.board)
        self.moves = game.legal_moves(self.board)
        prior = np.asarray(priors, np.float64)[self.moves]
        self.prior = prior / prior.sum() if prior.sum() > 0 else np.full(len(self.moves), 1.0 / len(self.moves))
        self.visits = np.zeros(len(self.moves))
        self.value_sum = np.zeros(len(self.moves))
        self.children = [None] * len(self.moves)
        return float(value)

    def select(self, c_puct: float) -> int:
        mean = np.divide(self.value_sum, self.visits, out=np.zeros_like(self.value_sum), where=self.visits > 0)
        explore = c_puct * self.prior * np.sqrt(self.visits.sum() + 1.0) / (1.0 + self.visits)
        return int(np.argmax(mean + explore))


def search(
    board: np.ndarray,
    evaluate: Evaluator,
    simulations: int,
    c_puct: float = 1.5,
    rng: Optional[np.random.Generator] = None,
    noise_alpha: float = 0.0,
    noise_fraction: float = 0.25,
) -> np.ndarray:
    """Visit counts over the 9 cells after `simulations` simulations from
    `board` (an unfinished game); with `noise_alpha` > 0, Dirichlet noise
    at the root, drawn from `rng`."""
    root = Node(board)
    root.expand(evaluate)
    if root.terminal is not None:
        raise ValueError("The game is over: there is no move to search for.")
    if noise_alpha > 0:
        if rng is None:
            raise ValueError("Root noise needs a seeded generator: pass rng.")
        noise = rng.dirichlet(np.full(len(root.moves), noise_alpha))
        root.prior = (1 - noise_fraction) * root.prior + noise_fraction * noise
    for _ in range(simulations):
        node, path = root, []
        while node.expanded and node.terminal is None:
            i = node.select(c_puct)
            path.append((node, i))
            if node.children[i] is None:
                node.children[i] = Node(game.play(node.board, int(node.moves[i])))
            node = node.children[i]
        value = float(node.terminal) if node.expanded else node.expand(evaluate)
        for parent, i in reversed(path):
            value = -value  # the parent's mover sees the child's value negated
            parent.visits[i] += 1
            parent.value_sum[i] += value
    counts = np.zeros(game.CELLS)
    counts[root.moves] = root.visits
    return counts


def uniform_evaluator(board: np.ndarray) -> Tuple[np.ndarray, float]:
    """No knowledge: equal priors, value 0 (search alone)."""
    return np.full(game.CELLS, 1.0 / game.CELLS), 0.0


def minimax_evaluator(board: np.ndarray) -> Tuple[np.ndarray, float]:
    """Perfect knowledge: equal priors, the position's minimax value (for tests)."""
    return np.full(game.CELLS, 1.0 / game.CELLS), float(game.minimax_value(board))
