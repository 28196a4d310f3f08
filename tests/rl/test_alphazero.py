"""Tic-tac-toe, MCTS and the AlphaZero-style study: rules and perfect play
by hand, search with a perfect evaluator, a short study that learns and
continues exactly; the targets over seeds 0-2 in `make test-slow`."""

import json

import numpy as np
import pytest

from keraslab.plugins.rl import alphazero, mcts
from keraslab.plugins.rl import tictactoe as game

# Boards are seen by the player to move: +1 theirs, -1 the opponent's.
MOVER_WINS_AT_2 = np.array([1, 1, 0, -1, -1, 0, 0, 0, 0], np.int8)  # the mover completes the top row at 2
MUST_BLOCK_AT_5 = np.array([1, 0, 0, -1, -1, 0, 0, 0, 1], np.int8)  # the opponent threatens the middle row at 5


def test_outcome_is_seen_by_the_player_to_move():
    lost = np.array([-1, -1, -1, 1, 1, 0, 0, 0, 0], np.int8)
    full = np.array([1, -1, 1, 1, -1, -1, -1, 1, 1], np.int8)
    assert game.outcome(lost) == -1 and game.outcome(full) == 0 and game.outcome(game.empty_board()) is None
    # Playing hands the board over: the mover's stone appears as the next player's opponent's.
    after = game.play(MOVER_WINS_AT_2, 2)
    assert after[2] == -1 and game.outcome(after) == -1


def test_perfect_play_by_hand():
    assert game.minimax_value(game.empty_board()) == 0  # tic-tac-toe is a draw
    assert game.minimax_value(MOVER_WINS_AT_2) == 1
    assert game.minimax_move(MOVER_WINS_AT_2, np.random.default_rng(0)) == 2
    values = game.minimax_move_values(MUST_BLOCK_AT_5)
    assert values[5] >= 0 and all(v == -1 for m, v in values.items() if m != 5)  # anything else loses
    # 5,478 positions are reachable, 958 of them finished: 4,520 to move in.
    assert len(alphazero.reachable_positions()) == 4520


def test_the_eight_symmetries_map_lines_to_lines():
    assert len({tuple(p) for p in game.SYMMETRIES}) == 8
    lines = {frozenset(line) for line in game.LINES.tolist()}
    for permutation in game.SYMMETRIES:
        assert sorted(permutation.tolist()) == list(range(9))
        inverse = np.argsort(permutation)
        assert {frozenset(inverse[line].tolist()) for line in game.LINES} == lines


def test_search_with_a_perfect_evaluator_wins_and_blocks():
    counts = mcts.search(MOVER_WINS_AT_2, mcts.minimax_evaluator, simulations=50)
    assert int(np.argmax(counts)) == 2 and counts.sum() == 50
    assert int(np.argmax(mcts.search(MUST_BLOCK_AT_5, mcts.minimax_evaluator, simulations=100))) == 5
    with pytest.raises(ValueError, match="seeded generator"):  # no unseeded noise
        mcts.search(game.empty_board(), mcts.uniform_evaluator, 10, noise_alpha=0.5)
    with pytest.raises(ValueError, match="over"):
        mcts.search(np.array([-1, -1, -1, 1, 1, 0, 0, 0, 0], np.int8), mcts.uniform_evaluator, 10)


def test_self_play_results_alternate_from_the_last_mover():
    study = alphazero.AlphaZeroStudy(simulations=10)
    boards, policies, results = alphazero.self_play_game(mcts.minimax_evaluator, study, np.random.default_rng(3))
    assert np.allclose(policies.sum(axis=1), 1.0) and len(boards) == len(results)
    if results[-1] != 0:  # a decided game: the last mover won, and each earlier position alternates
        assert results[-1] == 1 and np.all(results[:-1] == -results[1:])
    # Symmetries permute boards and policies alike: each policy's mass stays on empty cells.
    boards8, policies8, results8 = alphazero.with_symmetries(boards, policies, results)
    assert len(boards8) == 8 * len(boards) and np.all(policies8[boards8 != 0] == 0)
    assert np.array_equal(results8[: len(results)], results)


def test_matches_count_from_the_players_side():
    rng = np.random.default_rng(0)
    assert alphazero.match(game.minimax_move, game.minimax_move, 10, rng) == {"win": 0.0, "draw": 1.0, "loss": 0.0}
    against_random = alphazero.match(game.minimax_move, game.random_move, 40, rng)
    assert against_random["loss"] == 0 and against_random["win"] > 0.6


SHORT = dict(games=30, simulations=25, evaluation_simulations=50, evaluation_games=20, evaluate_every=5, seed=0)


def test_a_short_study_learns_perfect_moves(tmp_path):
    untrained = alphazero.policy_agreement(mcts.uniform_evaluator)  # 0.587: a random legal move is often perfect
    result = alphazero.run_study(alphazero.AlphaZeroStudy(iterations=5, **SHORT), tmp_path, echo=lambda _: None)
    final = result["final"]
    assert final["policy_agreement"] >= untrained + 0.15
    assert final["against_random"]["win"] >= 0.7
    assert (tmp_path / alphazero.PLOT_FILE).stat().st_size > 5_000
    assert json.loads((tmp_path / alphazero.RESULT_FILE).read_text())["final"] == final


def test_a_stopped_study_continues_exactly(tmp_path):
    straight = alphazero.run_study(
        alphazero.AlphaZeroStudy(iterations=2, **SHORT), tmp_path / "straight", echo=lambda _: None
    )

    def killed_after_the_first_iteration(line):
        if line.startswith("iteration"):
            raise KeyboardInterrupt  # as a Ctrl-C right after iteration 1's state was written

    with pytest.raises(KeyboardInterrupt):
        alphazero.run_study(
            alphazero.AlphaZeroStudy(iterations=2, **SHORT), tmp_path / "stopped", echo=killed_after_the_first_iteration
        )
    lines = []
    continued = alphazero.run_study(
        alphazero.AlphaZeroStudy(iterations=2, **SHORT), tmp_path / "stopped", echo=lines.append
    )
    assert lines[0].startswith("Continuing from iteration 1 of 2")
    assert continued["iterations"] == straight["iterations"]
    with (
        np.load(tmp_path / "straight" / alphazero.WEIGHTS_FILE) as a,
        np.load(tmp_path / "stopped" / alphazero.WEIGHTS_FILE) as b,
    ):
        assert all(np.allclose(a[k], b[k]) for k in a.files)


def test_the_command_refuses_bad_settings_and_other_studies(cli_runner, tmp_path):
    odd = cli_runner("rl", "alphazero", "--evaluation-games", "3", "--out", str(tmp_path / "a"))
    assert odd.exit_code == 2 and "evaluation_games must be an even number" in odd.output
    assert not (tmp_path / "a").exists()
    args = ["--iterations", "1", "--games", "2", "--simulations", "4", "--evaluation-simulations", "4"]
    first = cli_runner("rl", "alphazero", *args, "--evaluation-games", "2", "--out", str(tmp_path / "b"))
    assert first.exit_code == 0, first.output
    assert "against minimax" in first.output and (tmp_path / "b" / alphazero.RESULT_FILE).is_file()
    other = cli_runner("rl", "alphazero", *args, "--evaluation-games", "4", "--out", str(tmp_path / "b"))
    assert other.exit_code == 2 and "other settings (evaluation_games)" in other.output


@pytest.mark.slow
def test_the_trained_search_never_loses_to_minimax_and_beats_random(tmp_path):
    """The default study on seeds 0, 1 and 2: no loss in 100 games against
    the perfect player, at least 90% won against a random one."""
    finals = []
    for seed in (0, 1, 2):
        study = alphazero.AlphaZeroStudy(seed=seed)
        finals.append(alphazero.run_study(study, tmp_path / f"seed{seed}", echo=print)["final"])
    print("against minimax", [f["against_minimax"] for f in finals])
    print("against random", [f["against_random"] for f in finals])
    assert all(f["against_minimax"]["loss"] == 0 for f in finals)
    assert min(f["against_random"]["win"] for f in finals) >= 0.90
