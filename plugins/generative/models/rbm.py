"""A binary restricted Boltzmann machine trained by contrastive divergence.

Visible v ∈ {0,1}^D and hidden h ∈ {0,1}^H units with energy
E(v, h) = −bᵀv − cᵀh − vᵀWh, so p(v) = exp(−F(v)) / Z with the free energy

    F(v) = −bᵀv − Σ_j softplus(c_j + vᵀW_j).

The log-likelihood gradient is −∂F(v)/∂θ + E_model[∂F/∂θ]; contrastive
divergence (Hinton, 2002, "Training products of experts by minimizing
contrastive divergence") estimates the model expectation with a sample v_k
after k Gibbs steps h ~ p(h|v) = σ(c + vW), v ~ p(v|h) = σ(b + hWᵀ) started
at the data (CD-k), or carried over from the last update (persistent CD;
Tieleman, 2008). The step minimises F(v_data) − F(sg(v_k)), whose gradient is
that estimate.

Progress is measured by the pseudo-log-likelihood Σ_d log p(v_d | v_−d),
estimated without bias as D · log σ(F(ṽ) − F(v)) with ṽ equal to v but for one
randomly chosen pixel, flipped (nats per image, higher is better).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keraslab.core.api import DataInfo
from keraslab.plugins.generative.config import RBMConfig
from keraslab.plugins.generative.models.density import GenerativeModel, binary_image_shape, features_of

SAMPLING_STEPS = 1000


class RBM(GenerativeModel):
    """A Bernoulli–Bernoulli RBM; see the module docstring."""

    def __init__(self, config: RBMConfig, image_shape, visible_mean: np.ndarray, **kwargs):
        super().__init__(sample_shape=image_shape, **kwargs)
        self.config = config
        # Hinton's practical guide: small weights, visible biases log(p / (1 − p)) of the pixel frequencies.
        self.coupling = self.add_weight(
            name="W",
            shape=(self.pixels, config.hidden_units),
            initializer=tf.keras.initializers.RandomNormal(stddev=0.01),
        )
        frequency = np.clip(visible_mean.reshape(-1), 0.01, 0.99)
        self.visible_bias = self.add_weight(
            name="b", shape=(self.pixels,), initializer=tf.constant_initializer(np.log(frequency / (1 - frequency)))
        )
        self.hidden_bias = self.add_weight(name="c", shape=(config.hidden_units,), initializer="zeros")
        self.chains = self.add_weight(
            name="persistent_chains",
            shape=(config.chains, self.pixels),
            trainable=False,
            initializer=tf.keras.initializers.Constant(0.0),
        )
        self.pll_tracker = tf.keras.metrics.Mean(name="pseudo_log_likelihood")
        self.reconstruction_tracker = tf.keras.metrics.Mean(name="reconstruction_error")

    @property
    def own_metrics(self):
        return (self.pll_tracker, self.reconstruction_tracker)

    def free_energy(self, v):
        return -tf.linalg.matvec(v, self.visible_bias) - tf.reduce_sum(
            tf.nn.softplus(self.hidden_bias + v @ self.coupling), axis=-1
        )

    def hidden_probabilities(self, v):
        return tf.sigmoid(self.hidden_bias + v @ self.coupling)

    def visible_probabilities(self, h):
        return tf.sigmoid(self.visible_bias + tf.matmul(h, self.coupling, transpose_b=True))

    def gibbs_step(self, v, hidden_uniform, visible_uniform):
        """v → h ~ p(h|v) → (v' ~ p(v|h), p(v|h)), driven by the given uniforms."""
        h = tf.cast(hidden_uniform < self.hidden_probabilities(v), tf.float32)
        probabilities = self.visible_probabilities(h)
        return tf.cast(visible_uniform < probabilities, tf.float32), probabilities

    def _gibbs(self, v, steps):
        for _ in range(steps):
            v, _ = self.gibbs_step(
                v, tf.random.uniform([tf.shape(v)[0], self.config.hidden_units]), tf.random.uniform(tf.shape(v))
            )
        return v

    def pseudo_log_likelihood(self, v):
        """D · log σ(F(ṽ) − F(v)) per example, ṽ = v with one random pixel flipped."""
        flip = tf.one_hot(tf.random.uniform([tf.shape(v)[0]], 0, self.pixels, dtype=tf.int32), self.pixels)
        flipped = v + flip - 2.0 * v * flip
        return self.pixels * tf.math.log_sigmoid(self.free_energy(flipped) - self.free_energy(v))

    def reconstruction_error(self, v):
        """Mean squared error of E[v | h ~ p(h|v)] against v, per pixel."""
        reconstructed = self.visible_probabilities(self.hidden_probabilities(v))
        return tf.reduce_mean((reconstructed - v) ** 2, axis=-1)

    def call(self, inputs, training=None):
        return self.free_energy(tf.reshape(inputs, [-1, self.pixels]))

    def train_step(self, data):
        v = tf.reshape(features_of(data), [-1, self.pixels])
        if self.config.persistent:
            negative = self._gibbs(self.chains, self.config.cd_steps)
            self.chains.assign(negative)
        else:
            negative = self._gibbs(v, self.config.cd_steps)
        negative = tf.stop_gradient(negative)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(self.free_energy(v)) - tf.reduce_mean(self.free_energy(negative))
        variables = [self.coupling, self.visible_bias, self.hidden_bias]
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return self._record(loss, v)

    def test_step(self, data):
        v = tf.reshape(features_of(data), [-1, self.pixels])
        loss = tf.reduce_mean(self.free_energy(v)) - tf.reduce_mean(self.free_energy(self._gibbs(v, 1)))
        return self._record(loss, v)

    def _record(self, loss, v):
        self.loss_tracker.update_state(loss)
        self.pll_tracker.update_state(self.pseudo_log_likelihood(v))
        self.reconstruction_tracker.update_state(self.reconstruction_error(v))
        return {m.name: m.result() for m in self.metrics}

    def sample(self, count, seed, labels=None, steps: int = SAMPLING_STEPS, keep_every: int = 0):
        """p(v|h) after `steps` Gibbs steps from uniform random pixels; with
        `keep_every`, also the chain's state every that many steps."""
        seed = tf.cast(seed, tf.int64)

        def uniform(shape, step, stream):
            return tf.random.stateless_uniform(shape, seed=tf.stack([seed, 2 * step + stream + 1]))

        v = tf.cast(uniform(tf.stack([count, self.pixels]), tf.constant(-1, tf.int64), 0) < 0.5, tf.float32)
        hidden_shape = tf.stack([count, self.config.hidden_units])

        def body(step, v, probabilities):
            v, probabilities = self.gibbs_step(v, uniform(hidden_shape, step, 0), uniform(tf.shape(v), step, 1))
            return step + 1, v, probabilities

        if keep_every:
            states, step, probabilities = [], tf.constant(0, tf.int64), tf.zeros_like(v)
            for _ in range(steps // keep_every):
                stop = step + keep_every
                step, v, probabilities = tf.while_loop(
                    lambda s, *_, stop=stop: s < stop, body, (step, v, probabilities)
                )
                states.append(tf.reshape(probabilities, [-1, *self.image_shape]))
            return tf.stack(states, axis=1)
        _, _, probabilities = tf.while_loop(
            lambda s, *_: s < steps, body, (tf.constant(0, tf.int64), v, tf.zeros_like(v))
        )
        return tf.reshape(probabilities, [-1, *self.image_shape])

    def extra_measures(self, splits) -> dict:
        v = tf.reshape(tf.constant(splits.test.features), [-1, self.pixels])
        pll = np.mean([self.pseudo_log_likelihood(v).numpy().mean() for _ in range(20)])
        return {
            "test_pseudo_log_likelihood": float(pll),
            "test_reconstruction_error": float(self.reconstruction_error(v).numpy().mean()),
            "cd_steps": self.config.cd_steps,
            "persistent": self.config.persistent,
            "gibbs_steps_per_sample": SAMPLING_STEPS,
        }

    def write_pictures(self, splits, run_path) -> None:
        """reconstructions.png (test digits above E[v|h(v)]) and gibbs_chains.png
        (8 chains from noise, their state every 125 steps)."""
        from keraslab.plugins.generative.pictures import save_grid

        x = splits.test.features[:32]
        reconstructed = (
            self.visible_probabilities(self.hidden_probabilities(tf.reshape(tf.constant(x), [-1, self.pixels])))
            .numpy()
            .reshape(x.shape)
        )
        rows = np.concatenate([np.concatenate([x[i : i + 8], reconstructed[i : i + 8]]) for i in range(0, 32, 8)])
        save_grid(
            rows, run_path / "reconstructions.png", f"{self.name}: test digits, and below them E[v | h]", columns=8
        )
        chains = self.sample(8, 1, keep_every=SAMPLING_STEPS // 8).numpy()
        save_grid(
            chains.reshape(-1, *self.image_shape),
            run_path / "gibbs_chains.png",
            f"{self.name}: 8 Gibbs chains from noise, every {SAMPLING_STEPS // 8} steps (left to right)",
            columns=chains.shape[1],
        )


def build_rbm(config: RBMConfig, info: DataInfo) -> RBM:
    binary_image_shape(info, "rbm")
    features = info.train_features
    mean = features.mean(axis=0) if features is not None else np.full(info.input_shape, 0.5)
    model = RBM(config, info.input_shape, mean, name="rbm")
    model(tf.zeros([1, *info.input_shape]))
    return model


def export_rbm(model: RBM, context) -> dict:
    """`serving_default`: images → `free_energy`, `reconstruction`,
    `hidden_probabilities`; `sample`: seed, count → p(v|h) after 1,000 Gibbs steps."""
    from keraslab.plugins.generative.models.exports import image_spec, sample_signature

    def outputs(images):
        v = tf.reshape(images, [-1, model.pixels])
        hidden = model.hidden_probabilities(v)
        return {
            "free_energy": model.free_energy(v),
            "hidden_probabilities": hidden,
            "reconstruction": tf.reshape(model.visible_probabilities(hidden), [-1, *model.image_shape]),
        }

    return {"serving_default": tf.function(outputs, input_signature=[image_spec(context)]), **sample_signature(model)}
