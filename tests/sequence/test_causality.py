"""Every language model is causal: the logits at position t do not depend
on any token after t (teacher forcing would otherwise let it read its answers)."""

import numpy as np
import pytest

from keraslab.core.contract import DataInfo
from keraslab.plugins.sequence import config
from keraslab.plugins.sequence.models import language as models

INFO = DataInfo(input_shape=(None,), num_classes=12, num_train_examples=10, class_names=tuple("abcdefghijkl"))
BUILDERS = {
    "char-rnn": (models.build_recurrent_language_model, config.RecurrentLanguageModelConfig(units=(16, 16))),
    "irnn": (models.build_recurrent_language_model, config.RecurrentLanguageModelConfig(cell="irnn", units=(16,))),
    "nlm": (models.build_neural_language_model, config.NeuralLanguageModelConfig(context=4, hidden_units=16)),
    "wavenet": (models.build_wavenet, config.WaveNetConfig(channels=8, skip_channels=8, dilations=(1, 2, 4))),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_changing_a_later_token_leaves_earlier_predictions_alone(name):
    build, model_config = BUILDERS[name]
    model = build(model_config, INFO)
    ids = np.random.default_rng(0).integers(0, 12, size=(1, 20)).astype(np.int32)
    changed = ids.copy()
    changed[0, 10] = (ids[0, 10] + 1) % 12
    before, after = model(ids, training=False).numpy(), model(changed, training=False).numpy()
    np.testing.assert_allclose(before[0, :10], after[0, :10], atol=1e-6)
    assert np.abs(before[0, 10:] - after[0, 10:]).max() > 1e-6  # ... and position 10 onwards does see it


def test_wavenet_sees_exactly_its_receptive_field():
    model_config = config.WaveNetConfig(channels=8, skip_channels=8, dilations=(1, 2, 4))
    model = models.build_wavenet(model_config, INFO)
    assert model_config.receptive_field == 9
    ids = np.random.default_rng(1).integers(0, 12, size=(1, 30)).astype(np.int32)
    changed = ids.copy()
    changed[0, 5] = (ids[0, 5] + 1) % 12
    difference = np.abs(model(ids).numpy() - model(changed).numpy()).max(axis=-1)[0]
    # Position t sees tokens t − 8 .. t (2 + 1 + 2 + 4 = 9): a change at 5 reaches positions 5..13 only.
    assert np.flatnonzero(difference > 1e-6).tolist() == list(range(5, 14))
