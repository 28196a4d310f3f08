"""The optimizer lab: second-order methods and the compare-optimizers command."""

import json

import numpy as np
import pytest

from keraslab.plugins.foundations import lab, second_order


def test_newton_solves_a_quadratic_in_one_step():
    problem = lab.quadratic()
    step = second_order.newton_step(problem.loss, problem.start)
    # For f = ½(w − w*)ᵀA(w − w*): g = A(w − w*), H = A, so w − H⁻¹g = w* exactly.
    np.testing.assert_allclose(step, problem.minimiser, atol=1e-12)
    assert lab.run_method(problem, "newton", 10, 1e-12).steps_to_tolerance == 1


def test_gauss_newton_is_exact_on_linear_residuals():
    problem = lab.quadratic()  # r(w) = L(w − w*): Gauss–Newton's JᵀJ is the Hessian
    np.testing.assert_allclose(
        second_order.gauss_newton_step(problem.residuals, problem.start), problem.minimiser, atol=1e-12
    )


def test_damping_interpolates_between_newton_and_gradient_descent():
    problem = lab.quadratic()
    w = problem.start
    gradient, _ = second_order.gradient_and_hessian(problem.loss, w)
    heavy = second_order.newton_step(problem.loss, w, damping=1e6)
    # (H + λI)⁻¹g → g / λ as λ → ∞: a tiny gradient step.
    np.testing.assert_allclose(w - heavy, gradient / 1e6, rtol=1e-3)


def test_momentum_beats_plain_descent_in_the_ravine():
    results = {r.method: r for r in lab.compare("quadratic", ["sgd", "momentum", "nesterov"], 500, 1e-6)}
    assert results["momentum"].steps_to_tolerance < results["sgd"].steps_to_tolerance
    assert results["nesterov"].steps_to_tolerance < results["momentum"].steps_to_tolerance


def test_lbfgs_reaches_rosenbrocks_minimum():
    result = lab.run_method(lab.rosenbrock(), "lbfgs", 100, 1e-6)
    assert result.steps_to_tolerance is not None
    np.testing.assert_allclose(result.path[-1], [1.0, 1.0], atol=1e-2)


def test_compare_optimizers_command(cli_runner, tmp_path):
    result = cli_runner(
        "foundations",
        "compare-optimizers",
        "--problem",
        "quadratic",
        "--optimizers",
        "sgd,momentum,newton",
        "--steps",
        "300",
        "--out",
        str(tmp_path / "lab"),
    )
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split() for line in result.output.splitlines()[1:4]}
    assert rows["newton"][1] == "1"
    saved = json.loads((tmp_path / "lab" / "results.json").read_text())
    assert [r["method"] for r in saved] == ["sgd", "momentum", "newton"]
    assert (tmp_path / "lab" / "trajectories.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    "args, message",
    [
        (["--problem", "himmelblau"], "Unknown problem 'himmelblau'. Available: quadratic, rosenbrock, logistic."),
        (["--optimizers", "sgd,adamw"], "Unknown optimizer 'adamw'. Available: "),
        (["--tolerance", "nan"], "--tolerance must be a finite number > 0"),
        (["--steps", "0"], "--steps must be at least 1"),
        (["--problem", "logistic", "--optimizers", "gauss-newton"], "Gauss-Newton needs a least-squares problem"),
    ],
)
def test_bad_lab_input(cli_runner, tmp_path, args, message):
    result = cli_runner("foundations", "compare-optimizers", *args, "--out", str(tmp_path / "x"))
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "x").exists()
