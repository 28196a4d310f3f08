"""AlphaZero-style self-play on tic-tac-toe (Silver et al., 2017 and 2018):
a policy-and-value network that guides Monte-Carlo tree search
(`keraslab.plugins.rl.mcts`) and learns from the games that search plays
against itself.

One iteration plays `games` games of self-play, each move chosen from the
search's visit counts π (sampled for the first `exploring_moves` moves,
the most visited after), with Dirichlet noise at the root. Every position
s of a game becomes an example (s, π, z), z ∈ {+1, 0, −1} the game's final
result for the player to move in s, in all 8 symmetries of the board. The
network f(s) = (p, v) is then fitted on the examples of the last `window`
iterations with

    l = −Σ_a π_a log p_a + (z − v)²   (+ L2 on the weights),

and the next iteration's search uses it. The players measured are the
search with the network (no noise, the most visited move) against a
random player and against the perfect (minimax) player, each side moving
first in half of the games.

`run_study` keeps its state in its output folder after every iteration
(the network's weights, the window's examples, the random generator) and
continues from there when run again with the same folder (with the same
settings, or more iterations). Each iteration fits with a fresh Adam.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import numpy as np

from keraslab.core.api import KeraslabError, pyplot, save_figure
from keraslab.plugins.rl import mcts
from keraslab.plugins.rl import tictactoe as game

STATE_FILE, WEIGHTS_FILE, RESULT_FILE, PLOT_FILE = "state.json", "state.npz", "alphazero.json", "alphazero.png"


@dataclasses.dataclass(frozen=True)
class AlphaZeroStudy:
    """The budget and settings of one study.

    Attributes:
        iterations: rounds of self-play then fitting.
        games: self-play games per iteration.
        simulations: MCTS simulations per move in self-play.
        evaluation_simulations: per move when the trained player is measured.
        evaluation_games: games against each opponent (half of them moving first).
        evaluate_every: measure the players every this many iterations (and after the last).
        c_puct: weight of the prior in the search's choice.
        noise_alpha: α of the root's Dirichlet noise in self-play (ε = 0.25).
        exploring_moves: moves of each self-play game sampled from π; the rest take the most
            visited. 9, every move, was measured best (docs/topics/rl.md): with 2 the value
            head learnt only the draws of near-perfect play, and the search lost up to 18% of
            its games to minimax on one seed in three.
        window: iterations whose examples the network is fitted on.
        epochs: passes over the window's examples per iteration.
        hidden_units: widths of the network's shared ReLU layers.
        learning_rate: Adam's step size.
        seed: of self-play, of the network's initialisation and of the opponents.
    """

    iterations: int = 20
    games: int = 50
    simulations: int = 50
    evaluation_simulations: int = 200
    evaluation_games: int = 100
    evaluate_every: int = 5
    c_puct: float = 1.5
    noise_alpha: float = 0.5
    exploring_moves: int = 9
    window: int = 10
    epochs: int = 10
    hidden_units: Tuple[int, ...] = (64, 64)
    learning_rate: float = 1e-3
    seed: int = 0

    def __post_init__(self):
        for name in (
            "iterations",
            "games",
            "simulations",
            "evaluation_simulations",
            "evaluate_every",
            "window",
            "epochs",
        ):
            if getattr(self, name) < 1:
                raise KeraslabError(f"The study's {name} must be at least 1, received {getattr(self, name)}.")
        if self.evaluation_games < 2 or self.evaluation_games % 2:
            raise KeraslabError(
                f"evaluation_games must be an even number of at least 2 (each side moves first in half), "
                f"received {self.evaluation_games}."
            )


# ----------------------------------------------------------------------------- the network


def build_network(study: AlphaZeroStudy):
    """f(s) = (policy logits over the 9 cells, value in [−1, 1]) on the 18 input planes."""
    import tensorflow as tf

    layers = tf.keras.layers
    inputs = tf.keras.Input(shape=(2 * game.CELLS,), name="board")
    x = inputs
    for i, units in enumerate(study.hidden_units):
        x = layers.Dense(
            units, activation="relu", kernel_regularizer=tf.keras.regularizers.l2(1e-4), name=f"dense_{i}"
        )(x)
    policy = layers.Dense(game.CELLS, name="policy")(x)
    value = layers.Dense(1, activation="tanh", name="value")(x)
    return tf.keras.Model(inputs, {"policy": policy, "value": value}, name="alphazero_tictactoe")


def fit_network(model, study: AlphaZeroStudy, iteration: int, boards, policies, results):
    """`study.epochs` passes of a fresh Adam over the window's examples, the
    shuffling seeded by (seed, iteration): an iteration fits the same
    whether the study ran straight through or was continued before it."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(study.seed * 100_003 + iteration)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(study.learning_rate),
        loss={
            "policy": tf.keras.losses.CategoricalCrossentropy(from_logits=True),
            "value": tf.keras.losses.MeanSquaredError(),
        },
    )
    return model.fit(
        game.features(boards),
        {"policy": policies, "value": results[:, None]},
        batch_size=256,
        epochs=study.epochs,
        shuffle=True,
        verbose=0,
    )


def network_evaluator(model) -> mcts.Evaluator:
    """The network as a NumPy function of one board (a Keras call per leaf
    would cost more than the rest of the search): softmax priors, value."""
    weights = {layer.name: [w.numpy().astype(np.float64) for w in layer.weights] for layer in model.layers}
    hidden = [weights[f"dense_{i}"] for i in range(sum(name.startswith("dense_") for name in weights))]
    (policy_kernel, policy_bias), (value_kernel, value_bias) = weights["policy"], weights["value"]

    def evaluate(board: np.ndarray) -> Tuple[np.ndarray, float]:
        x = game.features(board)[0].astype(np.float64)
        for kernel, bias in hidden:
            x = np.maximum(x @ kernel + bias, 0.0)
        logits = x @ policy_kernel + policy_bias
        priors = np.exp(logits - logits.max())
        return priors / priors.sum(), float(np.tanh(x @ value_kernel + value_bias)[0])

    return evaluate


# ----------------------------------------------------------------------------- self-play


def self_play_game(evaluate: mcts.Evaluator, study: AlphaZeroStudy, rng: np.random.Generator):
    """One game against itself: (boards, visit distributions, final results), one row per move."""
    board, boards, policies = game.empty_board(), [], []
    while game.outcome(board) is None:
        counts = mcts.search(board, evaluate, study.simulations, study.c_puct, rng=rng, noise_alpha=study.noise_alpha)
        policy = counts / counts.sum()
        boards.append(board)
        policies.append(policy)
        move = rng.choice(game.CELLS, p=policy) if len(boards) <= study.exploring_moves else int(np.argmax(counts))
        board = game.play(board, int(move))
    final = game.outcome(board)  # for the player who would move next: −1 if the last mover won, 0 a draw
    # The player to move in position t is the last mover when (moves − 1 − t) is even.
    moves = len(boards)
    results = [(-final if (moves - 1 - t) % 2 == 0 else final) for t in range(moves)]
    return np.array(boards), np.array(policies), np.array(results, np.float32)


def with_symmetries(boards: np.ndarray, policies: np.ndarray, results: np.ndarray):
    """Every example in the 8 symmetries of the board (cells and π permuted alike)."""
    return (
        np.concatenate([boards[:, p] for p in game.SYMMETRIES]),
        np.concatenate([policies[:, p] for p in game.SYMMETRIES]),
        np.tile(results, len(game.SYMMETRIES)),
    )


# ----------------------------------------------------------------------------- players and matches

Player = Callable[[np.ndarray, np.random.Generator], int]


def search_player(evaluate: mcts.Evaluator, simulations: int, c_puct: float) -> Player:
    """Plays the most visited move of a search without noise."""
    return lambda board, rng: int(np.argmax(mcts.search(board, evaluate, simulations, c_puct)))


def match(player: Player, opponent: Player, games: int, rng: np.random.Generator) -> Dict[str, float]:
    """`player` against `opponent`, each moving first in half of the games:
    the player's share of wins, draws and losses."""
    tally = {"win": 0, "draw": 0, "loss": 0}
    for g in range(games):
        board, turn = game.empty_board(), g % 2  # turn 0: the player moves
        while game.outcome(board) is None:
            board = game.play(board, (player if turn == 0 else opponent)(board, rng))
            turn = 1 - turn
        if game.outcome(board) == 0:
            tally["draw"] += 1
        else:  # the side that just moved won; `turn` is now the side to move
            tally["win" if turn == 1 else "loss"] += 1
    return {k: v / games for k, v in tally.items()}


def policy_agreement(evaluate: mcts.Evaluator) -> float:
    """Share of the positions reachable from the empty board, unfinished,
    where the network's most probable legal move is a perfect (minimax) one."""
    good = total = 0
    for board in reachable_positions():
        priors, _ = evaluate(board)
        legal = game.legal_moves(board)
        values = game.minimax_move_values(board)
        choice = int(legal[np.argmax(priors[legal])])
        good += values[choice] == max(values.values())
        total += 1
    return good / total


@functools.lru_cache(maxsize=1)
def reachable_positions() -> Tuple[np.ndarray, ...]:
    """Every unfinished position that play from the empty board reaches
    (4,520 of them; found once, then remembered)."""
    seen, frontier, found = set(), [game.empty_board()], []
    while frontier:
        board = frontier.pop()
        key = board.tobytes()
        if key in seen or game.outcome(board) is not None:
            continue
        seen.add(key)
        found.append(board)
        frontier.extend(game.play(board, int(m)) for m in game.legal_moves(board))
    return tuple(found)


def measure(model, study: AlphaZeroStudy, rng: np.random.Generator) -> Dict:
    evaluate = network_evaluator(model)
    player = search_player(evaluate, study.evaluation_simulations, study.c_puct)
    return {
        "against_random": match(player, game.random_move, study.evaluation_games, rng),
        "against_minimax": match(player, game.minimax_move, study.evaluation_games, rng),
        "policy_agreement": policy_agreement(evaluate),
    }


# ----------------------------------------------------------------------------- the study


def run_study(study: AlphaZeroStudy, out: Path, echo=print) -> Dict:
    """Runs (or continues) the study in `out`; writes alphazero.json and alphazero.png."""
    import tensorflow as tf

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tf.keras.utils.set_random_seed(study.seed)  # the network's initialisation
    model = build_network(study)
    state = load_state(out, study, model)
    rng = np.random.default_rng()
    rng.bit_generator.state = state["rng"] if state["rng"] else np.random.default_rng(study.seed).bit_generator.state
    window: List[Tuple[np.ndarray, np.ndarray, np.ndarray]] = state["window"]
    history: List[Dict] = state["history"]
    if state["iteration"]:
        echo(f"Continuing from iteration {state['iteration']} of {study.iterations} ({out}).")
    for iteration in range(state["iteration"] + 1, study.iterations + 1):
        evaluate = network_evaluator(model)
        games = [self_play_game(evaluate, study, rng) for _ in range(study.games)]
        window = (window + [with_symmetries(*(np.concatenate(part) for part in zip(*games)))])[-study.window :]
        boards, policies, results = (np.concatenate(part) for part in zip(*window))
        fitted = fit_network(model, study, iteration, boards, policies, results)
        row = {
            "iteration": iteration,
            "examples": int(len(boards)),
            "draws_in_self_play": float(np.mean([g[2][0] == 0 for g in games])),
            "policy_loss": float(fitted.history["policy_loss"][-1]),
            "value_loss": float(fitted.history["value_loss"][-1]),
        }
        if iteration % study.evaluate_every == 0 or iteration == study.iterations:
            row.update(measure(model, study, rng))
        history.append(row)
        save_state(out, study, model, iteration, window, history, rng)
        echo(describe(row, study))
    result = {"study": dataclasses.asdict(study), "iterations": history, "final": history[-1]}
    (out / RESULT_FILE).write_text(json.dumps(result, indent=2) + "\n")
    plot_study(history, out / PLOT_FILE)
    return result


def describe(row: Dict, study: AlphaZeroStudy) -> str:
    line = (
        f"iteration {row['iteration']:>3}/{study.iterations}: {row['examples']} examples, self-play draws "
        f"{row['draws_in_self_play']:.0%}, loss policy {row['policy_loss']:.3f} value {row['value_loss']:.3f}"
    )
    if "against_random" in row:
        r, m = row["against_random"], row["against_minimax"]
        line += (
            f"\n    vs random: {r['win']:.0%} won, {r['draw']:.0%} drawn, {r['loss']:.0%} lost; vs minimax: "
            f"{m['win']:.0%} won, {m['draw']:.0%} drawn, {m['loss']:.0%} lost; "
            f"network's own move perfect in {row['policy_agreement']:.1%} of positions"
        )
    return line


def save_state(out: Path, study, model, iteration: int, window, history, rng) -> None:
    """Weights and examples, then the JSON that names them: each written to a
    temporary file and renamed, so a study killed mid-write keeps its last state."""
    arrays = {f"weight_{i}": w for i, w in enumerate(model.get_weights())}
    for k, (boards, policies, results) in enumerate(window):
        arrays.update({f"boards_{k}": boards, f"policies_{k}": policies, f"results_{k}": results})
    partial = out / (WEIGHTS_FILE + ".partial.npz")
    np.savez(partial, **arrays)
    os.replace(partial, out / WEIGHTS_FILE)
    state = {
        "study": dataclasses.asdict(study),
        "iteration": iteration,
        "window": len(window),
        "history": history,
        "rng": rng.bit_generator.state,
    }
    partial = out / (STATE_FILE + ".partial")
    partial.write_text(json.dumps(state, indent=1) + "\n")
    os.replace(partial, out / STATE_FILE)


def load_state(out: Path, study: AlphaZeroStudy, model) -> Dict:
    """The saved state of a study in `out` (weights loaded into `model`), or a fresh one."""
    if not (out / STATE_FILE).is_file():
        return {"iteration": 0, "window": [], "history": [], "rng": None}
    state = json.loads((out / STATE_FILE).read_text())
    saved = {k: tuple(v) if isinstance(v, list) else v for k, v in state["study"].items()}
    wanted = dataclasses.asdict(study)
    changed = sorted(k for k in wanted if k != "iterations" and saved.get(k) != wanted[k])
    if changed:
        raise KeraslabError(
            f"{out} holds a study with other settings ({', '.join(changed)}); continue it with the same "
            "settings (only --iterations may grow) or choose another --out."
        )
    if state["iteration"] > study.iterations:
        raise KeraslabError(
            f"{out} holds a study {state['iteration']} iterations long; ask for at least that many, "
            f"received {study.iterations}."
        )
    with np.load(out / WEIGHTS_FILE) as arrays:
        model.set_weights([arrays[f"weight_{i}"] for i in range(len(model.get_weights()))])
        window = [
            (arrays[f"boards_{k}"], arrays[f"policies_{k}"], arrays[f"results_{k}"]) for k in range(state["window"])
        ]
    return {**state, "window": window}


def plot_study(history: List[Dict], path: Path) -> Path:
    """Losses per iteration; the trained player's results against both opponents."""
    plt = pyplot()
    fig, (losses, results) = plt.subplots(1, 2, figsize=(10, 3.8))
    steps = [r["iteration"] for r in history]
    losses.plot(steps, [r["policy_loss"] for r in history], marker=".", label="policy cross-entropy")
    losses.plot(steps, [r["value_loss"] for r in history], marker=".", label="value squared error")
    losses.set_xlabel("iteration")
    losses.set_title("the network's losses on its window")
    losses.legend(fontsize=8)
    measured = [r for r in history if "against_random" in r]
    at = [r["iteration"] for r in measured]
    for opponent, style in (("against_random", "-"), ("against_minimax", "--")):
        for outcome, color in (("win", "C2"), ("draw", "C0"), ("loss", "C3")):
            results.plot(
                at,
                [r[opponent][outcome] for r in measured],
                style,
                marker="o",
                color=color,
                label=f"{outcome}, {opponent.replace('against_', 'vs ')}",
            )
    results.set_ylim(-0.02, 1.02)
    results.set_xlabel("iteration")
    results.set_title("search with the network: share of games")
    results.legend(fontsize=7)
    return save_figure(fig, path)
