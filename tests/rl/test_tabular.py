"""Tabular methods from their equations, on gym's FrozenLake and Taxi."""

import json

import numpy as np
import pytest

from keraslab.core import actions
from keraslab.core.trainer.agents import load_trained_agent
from tests.rl.interruptions import cut_back_to

QUICK = ["agent.eval_episodes=100"]


def train(registry, tmp_path, agent, *overrides):
    return actions.start_training(registry, "rl", agent, runs_root=str(tmp_path), overrides=[*QUICK, *overrides])


def trained_program(registry, run):
    spec = registry.get("rl").model(run.state["model"])
    return load_trained_agent(spec, actions.load_run_config(spec, run), run)


def test_value_and_policy_iteration_agree_on_the_optimal_frozen_lake_policy(registry, tmp_path):
    value_run, value_summary = train(registry, tmp_path, "value-iteration")
    policy_run, policy_summary = train(registry, tmp_path, "policy-iteration")
    values, policies = trained_program(registry, value_run), trained_program(registry, policy_run)
    np.testing.assert_array_equal(values.greedy_policy(), policies.greedy_policy())
    # The exact probability of reaching the goal within FrozenLake's 100 steps; the optimum is about 0.74.
    for summary in (value_summary, policy_summary):
        assert summary["metrics"]["test"]["exact_return"] >= 0.73
        assert summary["metrics"]["test"]["mean_return"] > 0.6  # 100 gym episodes: ±0.045
    # Planners stop when converged, long before their budget.
    assert value_summary["env_steps"] < 20_000 and policy_run.metrics()[-1]["policy_changes"] == 0


def test_expected_return_is_the_success_rate_measured_in_gym(registry, tmp_path):
    run, _ = train(registry, tmp_path, "value-iteration")
    program = trained_program(registry, run)
    measured = program.evaluate(2000)
    assert measured["mean_return"] == pytest.approx(measured["exact_return"], abs=0.03)  # 3 standard errors


def test_q_learning_learns_frozen_lake_and_resumes_exactly(registry, tmp_path):
    budget = ["agent.env_steps=60000", "agent.eval_every_steps=20000", "model.epsilon_decay_steps=40000"]
    run, whole = train(registry, tmp_path, "q-learning", *budget)
    assert whole["metrics"]["test"]["exact_return"] > 0.5  # a random policy reaches the goal 1.5% of the time
    full = run.metrics()
    cut_back_to(run, 20_000)
    _, resumed = actions.resume_training(registry, str(run.path))
    assert [r["env_steps"] for r in run.metrics()] == [20000, 40000, 60000]
    # Q-table, episode state and random generators were restored: the same run.
    assert [r["q_start"] for r in run.metrics()] == pytest.approx([r["q_start"] for r in full])
    assert resumed["metrics"]["test"] == whole["metrics"]["test"]


def test_td0_converges_to_the_exact_values_of_its_policy(registry, tmp_path):
    run, _ = train(registry, tmp_path, "td0", "agent.env_steps=100000", "agent.eval_every_steps=25000")
    errors = [r["value_rmse"] for r in run.metrics()]
    assert errors[-1] < 0.05 and errors[-1] < errors[0]


def test_td0_evaluates_the_random_policy_too(registry, tmp_path):
    run, summary = train(
        registry,
        tmp_path,
        "td0",
        "model.policy=random",
        "agent.env_steps=50000",
        "agent.eval_every_steps=25000",
        "model.alpha=0.01",
    )
    errors = [r["value_rmse"] for r in run.metrics()]
    # The exact values have an RMS of 0.124: the all-zero estimate scores that.
    assert errors[-1] < 0.05 and errors[-1] < errors[0]
    assert summary["metrics"]["test"]["mean_return"] < 0.1  # it reaches the goal 1.5% of the time


def test_evaluate_and_play_a_trained_policy(cli_runner, registry, tmp_path):
    run, _ = train(registry, tmp_path, "value-iteration")
    result = cli_runner("rl", "evaluate", str(run.path), "--episodes", "300")
    assert result.exit_code == 0, result.output
    assert "Evaluation (300 episodes): mean_return" in result.output
    assert json.loads((run.path / "evaluation.json").read_text())["examples"] == 300
    gif = tmp_path / "lake.gif"
    played = cli_runner("rl", "play", str(run.path), "--out", str(gif), "--episodes", "2")
    assert played.exit_code == 0, played.output
    from PIL import Image

    with Image.open(gif) as image:
        assert image.n_frames > 4 and image.size[0] >= 200
    assert (run.path / "returns.png").is_file()


@pytest.mark.parametrize(
    "args, message",
    [
        (["dqn", "--env", "MountainCar-v9"], "Unknown environment 'MountainCar-v9'. Supported: CartPole-v1"),
        (["dqn", "--env", "Pendulum-v1"], "acts in discrete action spaces; 'Pendulum-v1' has continuous"),
        (["value-iteration", "--env", "CartPole-v1"], "needs a finite state space with a known model"),
        (["dqn", "--env", "FrozenLake-v1"], "takes vector observations; 'FrozenLake-v1' numbers its states"),
        (["q-learning", "--steps", "0"], "'agent.env_steps' must be at least 1"),
        (["q-learning", "--set", "model.alpha=0"], "'model.alpha' must be in (0, 1]"),
    ],
)
def test_impossible_runs_are_refused_before_any_write(cli_runner, tmp_path, args, message):
    result = cli_runner("rl", "train", *args, "--runs-root", str(tmp_path))
    assert result.exit_code == 2 and message in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_q_learning_reaches_the_targets(registry, tmp_path, seed):
    _, lake = train(registry, tmp_path, "q-learning", "agent.eval_episodes=1000", f"train.seed={seed}")
    assert lake["metrics"]["test"]["exact_return"] >= 0.70  # measured 0.740
    _, taxi = train(
        registry, tmp_path, "q-learning", "model.env=Taxi-v3", "agent.eval_episodes=1000", f"train.seed={seed}"
    )
    assert taxi["metrics"]["test"]["mean_return"] >= 7  # measured 7.91 (value iteration's optimum: 7.93)
