"""Evidential classification (Sensoy, Kaplan & Kandemir, 2018, "Evidential
deep learning to quantify classification uncertainty").

The network's K outputs are non-negative evidence e_k(x) = exp(z_k)
(or softplus, or ReLU: `model.evidence`),
the parameters of a Dirichlet over the class probabilities,

    α_k = e_k + 1,   S = Σ_k α_k,   E[p_k] = α_k / S,   vacuity u = K / S.

u is 1 when there is no evidence at all (α = 1: the uniform Dirichlet) and
falls as evidence grows: one forward pass gives a prediction and how much
evidence stands behind it. The loss of an example with one-hot label y is
the expected squared error under the Dirichlet (eq. 5),

    Σ_k (y_k − p̂_k)² + p̂_k (1 − p̂_k) / (S + 1),   p̂ = α / S,

plus λ_t KL(Dir(α̃) ‖ Dir(1)) with α̃ = y + (1 − y) ⊙ α: the evidence of the
wrong classes is pulled back towards none. λ_t = min(1, t / T) grows over
the first T epochs (t counts the training examples seen, in epochs), so the
network first learns to classify (eq. 6 and section 4).

The model returns log α as its logits: softmax(log α) = α / S is the
Dirichlet's mean, so accuracy, NLL, ECE and the export's probabilities are
those of E[p], and K / Σ exp(logits) is the vacuity.
"""

from __future__ import annotations

import tensorflow as tf

from keraslab.core.api import DataInfo, OwnLossModel, serving_default
from keraslab.plugins.bayesian.config import EvidentialClassifierConfig
from keraslab.plugins.bayesian.models import features_input, standardizer

layers = tf.keras.layers


EVIDENCE = {
    "softplus": tf.nn.softplus,
    "relu": tf.nn.relu,
    "exp": lambda z: tf.exp(tf.minimum(z, 10.0)),
}


def expected_squared_error(one_hot: tf.Tensor, alpha: tf.Tensor) -> tf.Tensor:
    """E_{p ~ Dir(α)} ‖y − p‖² = Σ_k (y_k − p̂_k)² + p̂_k (1 − p̂_k) / (S + 1), per example."""
    strength = tf.reduce_sum(alpha, axis=-1, keepdims=True)
    mean = alpha / strength
    return tf.reduce_sum(tf.square(one_hot - mean) + mean * (1.0 - mean) / (strength + 1.0), axis=-1)


def kl_from_uniform_dirichlet(alpha: tf.Tensor) -> tf.Tensor:
    """KL(Dir(α) ‖ Dir(1)) per example:
    log Γ(S) − log Γ(K) − Σ_k log Γ(α_k) + Σ_k (α_k − 1)(ψ(α_k) − ψ(S)), S = Σ_k α_k."""
    classes = tf.cast(tf.shape(alpha)[-1], alpha.dtype)
    strength = tf.reduce_sum(alpha, axis=-1, keepdims=True)
    return (
        tf.math.lgamma(strength[:, 0])
        - tf.math.lgamma(classes)
        - tf.reduce_sum(tf.math.lgamma(alpha), axis=-1)
        + tf.reduce_sum((alpha - 1.0) * (tf.math.digamma(alpha) - tf.math.digamma(strength)), axis=-1)
    )


def vacuity(logits: tf.Tensor) -> tf.Tensor:
    """u = K / S from the model's logits log α."""
    alpha = tf.exp(tf.cast(logits, tf.float32))
    return tf.cast(tf.shape(alpha)[-1], tf.float32) / tf.reduce_sum(alpha, axis=-1)


class EvidentialClassifier(OwnLossModel):
    """A ReLU MLP ending in K evidence units, trained on the loss
    of the module docstring. `dirichlet_outputs` tells the reports that its
    logits are log α (they then score the vacuity too)."""

    dirichlet_outputs = True
    predictive_samples = 1

    def __init__(self, config: EvidentialClassifierConfig, info: DataInfo):
        super().__init__(name="evidential_classifier")
        inputs = features_input(info)
        x = standardizer(info)(layers.Flatten()(inputs))
        for i, units in enumerate(config.hidden_units):
            x = layers.Dense(units, activation="relu", name=f"dense_{i}")(x)
        z = layers.Dense(int(info.num_classes), name="evidence_logits")(x)
        self.network = tf.keras.Model(inputs, layers.Lambda(EVIDENCE[config.evidence], name="evidence")(z))
        self.classes = int(info.num_classes)
        self.annealing_examples = float(config.annealing_epochs) * float(info.num_train_examples)
        self.examples_seen = self.add_weight(
            name="examples_seen",
            shape=(),
            initializer="zeros",
            trainable=False,
            aggregation=tf.VariableAggregation.SUM,
        )
        self.accuracy_tracker = tf.keras.metrics.SparseCategoricalAccuracy(name="accuracy")
        self.vacuity_tracker = tf.keras.metrics.Mean(name="vacuity")

    def call(self, x, training=False):
        """log α, of shape (n, K)."""
        return tf.math.log(self.network(x, training=training) + 1.0)

    @property
    def own_metrics(self):
        return [self.accuracy_tracker, self.vacuity_tracker]

    def annealing_weight(self) -> tf.Tensor:
        """λ_t = min(1, examples seen / (T × N))."""
        if self.annealing_examples <= 0:
            return tf.constant(1.0)
        return tf.minimum(1.0, self.examples_seen / self.annealing_examples)

    def own_loss(self, data, training):
        x, y = data
        alpha = self.network(x, training=training) + 1.0
        labels = tf.reshape(tf.cast(y, tf.int32), [-1])
        one_hot = tf.one_hot(labels, self.classes, dtype=alpha.dtype)
        if training:
            self.examples_seen.assign_add(tf.cast(tf.shape(x)[0], self.examples_seen.dtype))
        wrong_classes_alpha = one_hot + (1.0 - one_hot) * alpha  # α̃: the true class's evidence removed
        kl = kl_from_uniform_dirichlet(wrong_classes_alpha)
        loss = expected_squared_error(one_hot, alpha) + self.annealing_weight() * kl
        self.accuracy_tracker.update_state(labels, alpha)
        self.vacuity_tracker.update_state(self.classes / tf.reduce_sum(alpha, axis=-1))
        return tf.reduce_mean(loss)


def build_evidential_classifier(config: EvidentialClassifierConfig, info: DataInfo) -> tf.keras.Model:
    model = EvidentialClassifier(config, info)
    model(tf.zeros([1, *info.input_shape]))
    return model


def export_evidential_classifier(model, context):
    """serving_default: `probabilities` E[p] = α / S, `class_id`, the
    `vacuity` K / S and the total `evidence` S − K."""

    def outputs(features):
        logits = model(features, training=False)
        alpha = tf.exp(logits)
        strength = tf.reduce_sum(alpha, axis=-1)
        probabilities = alpha / strength[:, None]
        return {
            "probabilities": probabilities,
            "class_id": tf.argmax(probabilities, axis=-1),
            "vacuity": vacuity(logits),
            "evidence": strength - float(model.classes),
        }

    return serving_default(context, outputs)
