"""Every zoo module's hand-written backward pass passes the gradient check."""

import numpy as np
import pytest
import tensorflow as tf

from keraslab.plugins.foundations import zoo
from keraslab.plugins.foundations.gradcheck import REFERENCES, check_module, example_inputs


@pytest.mark.parametrize("name", sorted(zoo.MODULES))
def test_backward_pass_passes_the_gradient_check(name):
    report = check_module(name)
    assert report.versus_finite_differences < 1e-5, report
    assert report.versus_autodiff < 1e-5, report


@pytest.mark.parametrize("name", sorted(zoo.MODULES))
def test_forward_pass_matches_the_reference(name):
    inputs = [tf.constant(x) for x in example_inputs(name, np.random.default_rng(1))]
    np.testing.assert_allclose(
        zoo.MODULES[name][0](*inputs), REFERENCES[name](*inputs), rtol=1e-7, atol=1e-12
    )  # leaky_relu: TF keeps alpha in float32


def test_checker_catches_a_wrong_backward_pass():
    @tf.custom_gradient
    def bad_sigmoid(x):
        y = tf.sigmoid(x)
        return y, lambda g: g * y  # missing the (1 − y) factor

    original = zoo.MODULES["sigmoid"]
    try:
        zoo.MODULES["sigmoid"] = (bad_sigmoid, original[1])
        report = check_module("sigmoid")
    finally:
        zoo.MODULES["sigmoid"] = original
    assert report.versus_finite_differences > 0.1
