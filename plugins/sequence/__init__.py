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
    description="Language models (n-gram, recurrent) in bits per character, text generation.",
    models=(
        _language_model("char-rnn", "Recurrent language model (simple, LSTM, GRU or IRNN cells, stacked).",
                        "build_recurrent_language_model", config.RecurrentLanguageModelConfig()),
        _language_model("nlm", "Bengio's neural language model: a window of embeddings, tanh layer, softmax.",
                        "build_neural_language_model", config.NeuralLanguageModelConfig()),
        _language_model("wavenet", "Causal, dilated 1-D convolutions with gated units (WaveNet) over tokens.",
                        "build_wavenet", config.WaveNetConfig()),
    ),
    datasets=(
        DatasetSpec("text", "Python's help topics (or data.path), character windows cut by position.",
                    f"{_DATA}:load_characters", f"{_DATA}:synthetic_characters"),
    ),
    commands="keraslab.plugins.sequence.cli:commands",
)
