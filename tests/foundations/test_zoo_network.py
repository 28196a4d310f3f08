"""A network of zoo modules trains on digits exactly as the same Keras network."""

import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits

from keraslab.plugins.foundations.zoo import ZooMLP


def test_zoo_network_matches_keras_layers_on_digits():
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target
    order = np.random.default_rng(1).permutation(len(x))
    train, test = order[:1400], order[1400:]
    keras = tf.keras.Sequential(
        [tf.keras.Input((64,)), tf.keras.layers.Dense(32, activation="relu"), tf.keras.layers.Dense(10)]
    )
    tf.keras.utils.set_random_seed(0)
    keras.build((None, 64))
    zoo = ZooMLP([w.numpy() for w in keras.weights])
    keras_loss = tf.keras.losses.CategoricalCrossentropy(from_logits=True)
    one_hot = tf.one_hot(y, 10)
    keras_sgd, zoo_sgd = tf.keras.optimizers.SGD(0.5), tf.keras.optimizers.SGD(0.5)
    rng = np.random.default_rng(0)
    for _ in range(300):
        batch = rng.choice(train, 64, replace=False)
        xb, yb = tf.constant(x[batch]), tf.gather(one_hot, batch)
        with tf.GradientTape() as tape:
            ours = zoo.loss(xb, yb)
        zoo_sgd.apply_gradients(zip(tape.gradient(ours, zoo.trainable_variables), zoo.trainable_variables))
        with tf.GradientTape() as tape:
            theirs = keras_loss(yb, keras(xb))
        keras_sgd.apply_gradients(zip(tape.gradient(theirs, keras.trainable_variables), keras.trainable_variables))
        np.testing.assert_allclose(float(ours), float(theirs), rtol=1e-4)
    accuracy = np.mean(np.argmax(zoo(tf.constant(x[test])), axis=1) == y[test])
    keras_accuracy = np.mean(np.argmax(keras(x[test]), axis=1) == y[test])
    assert accuracy >= 0.9  # held-out digits; chance is 0.1
    assert abs(accuracy - keras_accuracy) <= 0.005
