"""The `foundations` topic: linear models and multi-layer perceptrons on
embedded tables, the machinery every other topic relies on.

This module only declares the plugin; the models and loaders it names are
imported when first used, so listing it never imports TensorFlow.
"""

from keraslab.core.api import DatasetSpec, ModelSpec, Plugin, __version__
from keraslab.plugins.foundations import config

_MODELS = "keraslab.plugins.foundations.models"
_DATA = "keraslab.plugins.foundations.data"

plugin = Plugin(
    name="foundations",
    topic="foundations",
    version=__version__,
    description="Linear models and MLPs on embedded tables: the machinery every topic relies on.",
    models=(
        ModelSpec(
            name="mlp",
            description="Multi-layer perceptron classifier (digits by default).",
            build=f"{_MODELS}:build_mlp",
            config=config.MLPConfig(),
            default_dataset="digits",
            preset=config.mlp_preset,
        ),
        ModelSpec(
            name="logistic-regression",
            description="Binary logistic regression, p(y=1|x) = sigmoid(w.x + b) (breast cancer).",
            build=f"{_MODELS}:build_logistic_regression",
            config=config.LinearConfig(),
            default_dataset="breast-cancer",
            preset=config.linear_preset,
        ),
        ModelSpec(
            name="softmax-regression",
            description="Multinomial logistic regression, softmax(Wx + b) (digits).",
            build=f"{_MODELS}:build_softmax_regression",
            config=config.LinearConfig(),
            default_dataset="digits",
            preset=config.linear_preset,
        ),
        ModelSpec(
            name="perceptron",
            description="Rosenblatt's perceptron, trained by the perceptron rule (breast cancer).",
            build=f"{_MODELS}:build_perceptron",
            config=config.LinearConfig(),
            training="custom_step",
            default_dataset="breast-cancer",
            preset=config.perceptron_preset,
            export=f"{_MODELS}:export_perceptron",
        ),
        ModelSpec(
            name="linear-regression",
            description="Linear regression by gradient descent on the squared error (diabetes).",
            build=f"{_MODELS}:build_linear_regression",
            config=config.LinearConfig(),
            task="regression",
            default_dataset="diabetes",
            preset=config.regression_preset,
        ),
    ),
    datasets=(
        DatasetSpec(
            "digits",
            "scikit-learn's 1,797 8x8 handwritten digits, 64 features, 10 classes.",
            "keraslab.core.api:digit_table",
            "keraslab.core.api:synthetic_digit_table",
        ),
        DatasetSpec(
            "breast-cancer",
            "Wisconsin breast cancer, 569 tumours, 30 features, 2 classes.",
            f"{_DATA}:load_breast_cancer",
            f"{_DATA}:synthetic_breast_cancer",
        ),
        DatasetSpec(
            "xor",
            "Noisy XOR in 2-D, 400 points: no line separates the classes.",
            f"{_DATA}:make_xor",
            f"{_DATA}:synthetic_xor",
        ),
        DatasetSpec(
            "digits-small",
            "400 of the digits (40 per class): small enough to overfit.",
            f"{_DATA}:load_digits_small",
            "keraslab.core.api:synthetic_digit_table",
        ),
        DatasetSpec(
            "diabetes",
            "scikit-learn's diabetes, 442 patients, 10 features, a continuous target.",
            "keraslab.core.api:diabetes_table",
            "keraslab.core.api:synthetic_regression_table",
        ),
        DatasetSpec(
            "polynomial-curve",
            "300 noisy points of a cubic in x on [-1, 1] (known degree 3).",
            f"{_DATA}:make_polynomial_curve",
            f"{_DATA}:make_polynomial_curve",
        ),
    ),
    commands="keraslab.plugins.foundations.cli:commands",
    main_job=1,  # else foundations' MLP
)
