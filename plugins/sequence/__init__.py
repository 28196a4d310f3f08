"""The `sequence` topic: language models from n-grams to recurrent and
convolutional networks, measured in bits per token against the n-gram
baselines. Declares the plugin; models and loaders are imported on first use."""

from keraslab.core.api import DatasetSpec, ModelSpec, Plugin, __version__
from keraslab.plugins.sequence import config

_MODELS = "keraslab.plugins.sequence.models.language"
_DATA = "keraslab.plugins.sequence.data"
_SEQ2SEQ = "keraslab.plugins.sequence.models.seq2seq"
_PROBLEMS = "keraslab.plugins.sequence.data.problems"
_EMBEDDINGS = "keraslab.plugins.sequence.models.embeddings"
_EMBEDDING_REPORT = "keraslab.plugins.sequence.report.embeddings:write_embedding_report"
_WORDS = "keraslab.plugins.sequence.data.word_data"
_LANGUAGE_REPORT = "keraslab.plugins.sequence.report.language_model:write_language_model_report"


def _language_model(name, description, builder, model_config):
    return ModelSpec(
        name=name,
        data_config=config.SequenceDataConfig,
        description=description,
        build=f"{_MODELS}:{builder}",
        config=model_config,
        task="classification",
        default_dataset="text",
        input_name="text",
        preset=config.language_model_preset,
        export=f"{_MODELS}:export_language_model",
        report=_LANGUAGE_REPORT,
        serving_examples=f"{_MODELS}:text_of_windows",
    )


def _word_embedding(name, description, builder, model_config, task, dataset, preset):
    return ModelSpec(
        name=name,
        data_config=config.SequenceDataConfig,
        description=description,
        build=f"{_EMBEDDINGS}:{builder}",
        config=model_config,
        training="custom_step",
        task=task,
        default_dataset=dataset,
        input_name="word",
        preset=preset,
        export=f"{_EMBEDDINGS}:export_embedding",
        report=_EMBEDDING_REPORT,
        serving_examples=f"{_EMBEDDINGS}:vocabulary_words",
    )


plugin = Plugin(
    name="sequence",
    topic="sequence",
    version=__version__,
    description="Language models (n-gram, recurrent, convolutional) in bits per character, recurrent classifiers.",
    models=(
        _language_model(
            "char-rnn",
            "Recurrent language model (simple, LSTM, GRU or IRNN cells, stacked).",
            "build_recurrent_language_model",
            config.RecurrentLanguageModelConfig(),
        ),
        _language_model(
            "nlm",
            "Bengio's neural language model: a window of embeddings, tanh layer, softmax.",
            "build_neural_language_model",
            config.NeuralLanguageModelConfig(),
        ),
        _language_model(
            "wavenet",
            "Causal, dilated 1-D convolutions with gated units (WaveNet) over tokens.",
            "build_wavenet",
            config.WaveNetConfig(),
        ),
        ModelSpec(
            data_config=config.SequenceDataConfig,
            name="rnn-classifier",
            description="Many-to-one recurrent classifier (digits read row by row).",
            build=f"{_MODELS}:build_recurrent_classifier",
            config=config.RecurrentClassifierConfig(),
            default_dataset="digits-rows",
            input_name="sequence",
            preset=config.classifier_preset,
        ),
        ModelSpec(
            data_config=config.SequenceDataConfig,
            name="forecaster",
            description="Recurrent one-step forecaster of a series, beside AR(p).",
            build=f"{_MODELS}:build_forecaster",
            config=config.ForecasterConfig(),
            task="regression",
            default_dataset="sunspots",
            input_name="window",
            preset=config.forecaster_preset,
            report="keraslab.plugins.sequence.report.forecasts:write_forecast_report",
        ),
        ModelSpec(
            data_config=config.SequenceDataConfig,
            name="seq2seq",
            description="Encoder-decoder with Bahdanau attention (or without); greedy and beam search.",
            build=f"{_SEQ2SEQ}:build_seq2seq",
            config=config.Seq2SeqConfig(),
            training="custom_step",
            default_dataset="addition",
            input_name="text",
            preset=config.seq2seq_preset,
            export=f"{_SEQ2SEQ}:export_seq2seq",
            report="keraslab.plugins.sequence.report.seq2seq:write_seq2seq_report",
            serving_examples=f"{_PROBLEMS}:source_strings",
        ),
        _word_embedding(
            "word2vec",
            "Skip-gram word vectors trained with negative sampling (Mikolov et al., 2013).",
            "build_word2vec",
            config.Word2VecConfig(),
            "density",
            "skipgrams",
            config.word2vec_preset,
        ),
        _word_embedding(
            "glove",
            "GloVe word vectors: weighted least squares on log co-occurrence counts.",
            "build_glove",
            config.GloVeConfig(),
            "regression",
            "cooccurrences",
            config.glove_preset,
        ),
    ),
    datasets=(
        DatasetSpec(
            "text",
            "Python's help topics (or data.path), character windows cut by position.",
            f"{_DATA}:load_characters",
            f"{_DATA}:synthetic_characters",
        ),
        DatasetSpec(
            "sunspots",
            "statsmodels' yearly sunspots 1700-2008; test 1947-2008, validation 1927-1946.",
            "keraslab.plugins.sequence.data.series:load_sunspots",
            "keraslab.plugins.sequence.data.series:synthetic_series",
        ),
        DatasetSpec(
            "co2",
            "statsmodels' Mauna Loa CO2, monthly 1958-2001, split by position.",
            "keraslab.plugins.sequence.data.series:load_co2",
            "keraslab.plugins.sequence.data.series:synthetic_series",
        ),
        DatasetSpec(
            "digits-rows",
            "scikit-learn's digits as 8 steps of 8 pixels (0..16).",
            f"{_DATA}:load_digit_rows",
            f"{_DATA}:synthetic_digit_rows",
        ),
        DatasetSpec(
            "digits-pixels",
            "scikit-learn's digits as 64 steps of one pixel (0..16).",
            f"{_DATA}:load_digit_pixels",
            f"{_DATA}:synthetic_digit_pixels",
        ),
        DatasetSpec(
            "addition",
            'Generated sums "123+4567" -> "4690" of 1-5 digit numbers (or data.path: source<TAB>target lines).',
            f"{_PROBLEMS}:load_addition",
            f"{_PROBLEMS}:synthetic_addition",
        ),
        DatasetSpec(
            "dates",
            "Generated dates in 8 spelled-out formats -> ISO 8601 (or data.path: source<TAB>target lines).",
            f"{_PROBLEMS}:load_dates",
            f"{_PROBLEMS}:synthetic_dates",
        ),
        DatasetSpec(
            "skipgrams",
            "(word, context) pairs of a generated corpus of 8 word groups (or data.path's words).",
            f"{_WORDS}:load_skipgrams",
            f"{_WORDS}:synthetic_skipgrams",
        ),
        DatasetSpec(
            "cooccurrences",
            "Co-occurrence counts (1/distance) of the same corpus, cell by cell.",
            f"{_WORDS}:load_cooccurrences",
            f"{_WORDS}:synthetic_cooccurrences",
        ),
    ),
    commands="keraslab.plugins.sequence.cli:commands",
)
