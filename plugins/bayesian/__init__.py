"""The `bayesian` topic: Bayes by backprop with TFP layers, Monte-Carlo
dropout, ensembles, heteroscedastic, multi-task and evidential regression,
evidential classification; every model reports its uncertainty, not only
its prediction. Declares the plugin; models and loaders are imported on
first use."""

from keraslab.core.api import DatasetSpec, ModelSpec, Plugin, __version__
from keraslab.plugins.bayesian import config

_MODELS = "keraslab.plugins.bayesian.models"
_DATA = "keraslab.plugins.bayesian.data"
_CLASSIFIER_REPORT = "keraslab.plugins.bayesian.report:write_classifier_report"
_REGRESSION_REPORT = "keraslab.plugins.bayesian.report:write_regression_report"


def _classifier(name, description, builder, model_config, training, preset=config.classifier_preset):
    return ModelSpec(
        name=name,
        description=description,
        build=f"{_MODELS}:{builder}",
        config=model_config,
        training=training,
        default_dataset="digits",
        preset=preset,
        report=_CLASSIFIER_REPORT,
    )


plugin = Plugin(
    name="bayesian",
    topic="bayesian",
    version=__version__,
    description="Bayes by backprop, MC dropout and heteroscedastic regression: predictions with uncertainty.",
    models=(
        _classifier(
            "bnn-flipout",
            "Bayes by backprop, DenseFlipout layers, KL / N.",
            "build_variational",
            config.VariationalConfig(),
            "variational",
            config.variational_preset,
        ),
        _classifier(
            "bnn-flipout-conv",
            "Bayes by backprop, Convolution2DFlipout then DenseFlipout layers.",
            "build_variational",
            config.VariationalConfig(conv_filters=(16, 32), hidden_units=(64,)),
            "variational",
            config.variational_preset,
        ),
        _classifier(
            "bnn-reparam",
            "Bayes by backprop, DenseReparameterization layers, KL / N.",
            "build_variational",
            config.VariationalConfig(estimator="reparameterization"),
            "variational",
            config.variational_preset,
        ),
        _classifier(
            "mc-dropout",
            "MLP whose dropout stays on at prediction: T stochastic passes.",
            "build_dropout_mlp",
            config.DropoutConfig(),
            "variational",
        ),
        _classifier(
            "deterministic",
            "The same MLP, one deterministic pass: the softmax baseline.",
            "build_dropout_mlp",
            config.DropoutConfig(monte_carlo=False),
            "fit",
        ),
        ModelSpec(
            name="evidential-classifier",
            description="Dirichlet evidence per class (Sensoy et al., 2018): prediction and vacuity in one pass.",
            build="keraslab.plugins.bayesian.dirichlet:build_evidential_classifier",
            config=config.EvidentialClassifierConfig(),
            training="custom_step",
            default_dataset="digits",
            preset=config.classifier_preset,
            export="keraslab.plugins.bayesian.dirichlet:export_evidential_classifier",
            report=_CLASSIFIER_REPORT,
        ),
        ModelSpec(
            name="heteroscedastic",
            description="Regressor of mean and noise σ(x), Gaussian NLL.",
            build=f"{_MODELS}:build_heteroscedastic",
            config=config.HeteroscedasticConfig(),
            training="custom_step",
            task="regression",
            default_dataset="gap-1d",
            preset=config.heteroscedastic_preset,
            export=f"{_MODELS}:export_regressor",
            report=_REGRESSION_REPORT,
        ),
        ModelSpec(
            name="bnn-flipout-regressor",
            description="Bayes by backprop regressor of μ and σ, DenseFlipout.",
            build=f"{_MODELS}:build_bayesian_regressor",
            config=config.VariationalConfig(hidden_units=(64, 64)),
            training="custom_step",
            task="regression",
            default_dataset="gap-1d",
            preset=config.regression_preset,
            export=f"{_MODELS}:export_bayesian_regressor",
            report=_REGRESSION_REPORT,
        ),
        ModelSpec(
            name="homoscedastic",
            description="Multi-task regression weighted by one learned σ per task.",
            build=f"{_MODELS}:build_homoscedastic",
            config=config.HeteroscedasticConfig(),
            training="custom_step",
            task="regression",
            default_dataset="two-tasks",
            preset=config.regression_preset,
            export=f"{_MODELS}:export_regressor",
            report=_REGRESSION_REPORT,
        ),
        ModelSpec(
            name="evidential",
            description="Deep evidential regression: aleatoric and epistemic in one pass.",
            build=f"{_MODELS}:build_evidential",
            config=config.EvidentialConfig(),
            training="custom_step",
            task="regression",
            default_dataset="gap-1d",
            preset=config.regression_preset,
            export=f"{_MODELS}:export_regressor",
            report=_REGRESSION_REPORT,
        ),
    ),
    datasets=(
        DatasetSpec(
            "digits",
            "scikit-learn's 1,797 digits as 64 pixel features (0..16), or data.path's table or image folder.",
            f"{_DATA}:load_digits",
            "keraslab.core.api:synthetic_digit_table",
        ),
        DatasetSpec(
            "gap-1d",
            "y = x sin x + noise of known σ(x), no training inputs in (−1, 1).",
            f"{_DATA}:load_gap",
            f"{_DATA}:synthetic_gap",
        ),
        DatasetSpec(
            "two-tasks",
            "Two targets of one input with noise σ 0.1 and 0.5 (multi-task weighting).",
            f"{_DATA}:load_two_tasks",
            f"{_DATA}:synthetic_two_tasks",
        ),
        DatasetSpec(
            "diabetes",
            "scikit-learn's 442 patients, 10 features, disease progression.",
            "keraslab.core.api:diabetes_table",
            "keraslab.core.api:synthetic_regression_table",
        ),
    ),
    commands="keraslab.plugins.bayesian.cli:commands",
)
