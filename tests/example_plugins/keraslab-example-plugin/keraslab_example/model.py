import tensorflow as tf


def build_tiny(config, info):
    inputs = tf.keras.Input(shape=info.input_shape, name="features")
    hidden = tf.keras.layers.Dense(config.hidden_units, activation="relu")(inputs)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(info.num_classes)(hidden))
