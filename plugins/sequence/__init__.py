"""The `sequence` topic: language models from n-grams to recurrent and
convolutional networks, measured in bits per token against the n-gram
baselines. Declares the plugin; models and loaders are imported on first use."""
from keraslab.core import __version__
from keraslab.core.contract import DatasetSpec, ModelSpec, Plugin
from keraslab.plugins.sequence import config

_MODELS = "keraslab.plugins.sequence.models"
_DATA = "keraslab.plugins.sequence.data"
_LANGUAGE_REPORT = "keraslab.plugins.sequence.report:write_language_model_report"


def _language_model(name, description, builder, model_config):
    return ModelSpec(name=name, description=description, build=f"{_MODELS}:{builder}", config=model_config,
                     task="classification", default_dataset="text", input_name="text",
                     preset=config.language_model_preset, export=f"{_MODELS}:export_language_model",
                     report=_LANGUAGE_REPORT, serving_examples=f"{_MODELS}:text_of_windows")


plugin = Plugin(
    name="sequence",
    topic="sequence",
    version=__version__,
    description="Language models (n-gram, recurrent, convolutional) in bits per character, recurrent classifiers.",
    models=(
        _language_model("char-rnn", "Recurrent language model (simple, LSTM, GRU or IRNN cells, stacked).",
                        "build_recurrent_language_model", config.RecurrentLanguageModelConfig()),
        _language_model("nlm", "Bengio's neural language model: a window of embeddings, tanh layer, softmax.",
                        "build_neural_language_model", config.NeuralLanguageModelConfig()),
        _language_model("wavenet", "Causal, dilated 1-D convolutions with gated units (WaveNet) over tokens.",
                        "build_wavenet", config.WaveNetConfig()),
        ModelSpec(name="rnn-classifier", description="Many-to-one recurrent classifier (digits read row by row).",
                  build=f"{_MODELS}:build_recurrent_classifier", config=config.RecurrentClassifierConfig(),
                  default_dataset="digits-rows", input_name="sequence", preset=config.classifier_preset),
        ModelSpec(name="forecaster", description="Recurrent one-step forecaster of a series, beside AR(p).",
                  build=f"{_MODELS}:build_forecaster", config=config.ForecasterConfig(), task="regression",
                  default_dataset="sunspots", input_name="window", preset=config.forecaster_preset,
                  report="keraslab.plugins.sequence.forecasting:write_forecast_report"),
    ),
    datasets=(
        DatasetSpec("text", "Python's help topics (or data.path), character windows cut by position.",
                    f"{_DATA}:load_characters", f"{_DATA}:synthetic_characters"),
        DatasetSpec("sunspots", "statsmodels' yearly sunspots 1700-2008; test 1947-2008, validation 1927-1946.",
                    "keraslab.plugins.sequence.series:load_sunspots", "keraslab.plugins.sequence.series:synthetic_series"),
        DatasetSpec("co2", "statsmodels' Mauna Loa CO2, monthly 1958-2001, split by position.",
                    "keraslab.plugins.sequence.series:load_co2", "keraslab.plugins.sequence.series:synthetic_series"),
        DatasetSpec("digits-rows", "scikit-learn's digits as 8 steps of 8 pixels (0..16).",
                    f"{_DATA}:load_digit_rows", f"{_DATA}:synthetic_digit_rows"),
        DatasetSpec("digits-pixels", "scikit-learn's digits as 64 steps of one pixel (0..16).",
                    f"{_DATA}:load_digit_pixels", f"{_DATA}:synthetic_digit_pixels"),
    ),
    commands="keraslab.plugins.sequence.cli:commands",
)
