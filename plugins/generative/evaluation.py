"""Judging image samples with a digits classifier trained for the purpose.

The evaluation classifier is an MLP trained on the training split of the
digits (data seed 0), in [0, 1] and binarised, so it reads the samples of
continuous and of binary models alike. It is trained once per process with
fixed seeds. From it:

* class shares: the fraction of unconditional samples put in each class; a
  generator that has collapsed onto a few modes leaves classes empty;
* conditional accuracy: how often a conditional model's sample of digit c
  is classified as c;
* Fréchet distance (Heusel et al., 2017, the FID's formula on this
  classifier's 32 penultimate features):
  ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁ Σ₂)^½) between the features of samples
  and of the real test images.
"""

from __future__ import annotations

import functools

import numpy as np
import tensorflow as tf

FEATURES = 32


@functools.lru_cache(maxsize=1)
def evaluation_classifier():
    """(classifier returning logits, feature extractor, its test accuracy)."""
    from keraslab.core.api import DataConfig, split_examples
    from keraslab.plugins.generative.data import load_digits

    splits = split_examples(load_digits(DataConfig()), 0.15, 0.15, 0)
    train = splits.train.features
    images = np.concatenate([train, (train > 0.5).astype(np.float32)])
    labels = np.concatenate([splits.train.targets, splits.train.targets])
    init = tf.keras.initializers.GlorotUniform
    inputs = tf.keras.Input((8, 8, 1))
    hidden = tf.keras.layers.Flatten()(inputs)
    hidden = tf.keras.layers.Dense(128, activation="relu", kernel_initializer=init(seed=1))(hidden)
    features = tf.keras.layers.Dense(FEATURES, activation="relu", kernel_initializer=init(seed=2))(hidden)
    logits = tf.keras.layers.Dense(10, kernel_initializer=init(seed=3))(features)
    classifier = tf.keras.Model(inputs, logits, name="evaluation_classifier")
    classifier.compile(
        tf.keras.optimizers.Adam(1e-3),
        tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        steps_per_execution=32,
    )
    order = np.random.default_rng(0).permutation(len(images))
    classifier.fit(images[order], labels[order], batch_size=64, epochs=60, verbose=0, shuffle=False)
    accuracy = classifier.evaluate(splits.test.features, splits.test.targets, verbose=0)[1]
    return classifier, tf.keras.Model(inputs, features), float(accuracy)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """‖μ_a − μ_b‖² + Tr(Σ_a + Σ_b − 2 (Σ_a Σ_b)^½) of two sets of feature rows."""
    from scipy import linalg

    mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
    # A small ridge keeps (Σ_a Σ_b)^½ defined where ReLU features never fire.
    ridge = 1e-6 * np.eye(a.shape[1])
    cov_a, cov_b = np.cov(a, rowvar=False) + ridge, np.cov(b, rowvar=False) + ridge
    root, _ = linalg.sqrtm(cov_a @ cov_b, disp=False)
    return float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a + cov_b - 2 * np.real(root)))


def judge_samples(model, splits, count: int, seed: int) -> dict:
    """The evaluation classifier's view of `count` samples of `model`."""
    classifier, featurizer, accuracy = evaluation_classifier()
    result = {"count": count, "classifier_test_accuracy": accuracy}
    if getattr(model, "conditional", False):
        requested = np.repeat(np.arange(10), count // 10)
        samples = model.sample(len(requested), seed, tf.constant(requested)).numpy()
        predicted = classifier.predict(samples, verbose=0, batch_size=512).argmax(-1)
        result["conditional_accuracy"] = float(np.mean(predicted == requested))
        result["conditional_accuracy_by_digit"] = [float(np.mean(predicted[requested == c] == c)) for c in range(10)]
    else:
        samples = model.sample(count, seed).numpy()
        predicted = classifier.predict(samples, verbose=0, batch_size=512).argmax(-1)
    shares = np.bincount(predicted, minlength=10) / len(predicted)
    result["class_shares"] = [float(s) for s in shares]
    result["smallest_class_share"] = float(shares.min())
    real = featurizer.predict(splits.test.features, verbose=0, batch_size=512)
    fake = featurizer.predict(samples, verbose=0, batch_size=512)
    result["frechet_distance"] = frechet_distance(fake, real)
    return result
