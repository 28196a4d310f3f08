"""Generative adversarial networks of images.

A generator G maps noise z ~ N(0, I) to an image; a discriminator D scores
images as real or generated (Goodfellow et al., 2014, "Generative
adversarial nets"). Each training step updates D `critic_steps` times,
then G once:

* discriminator: minimise −log D(x) − log(1 − D(G(z))), with one-sided label
  smoothing (real images labelled s < 1, generated ones 0; Salimans et al.,
  2016, "Improved techniques for training GANs");
* `non-saturating` generator: minimise −log D(G(z)) (strong gradients while D
  wins); `minimax`: minimise log(1 − D(G(z))), the game as first written;
* `wasserstein` (WGAN-GP; Gulrajani et al., 2017, "Improved training of
  Wasserstein GANs"): a critic f minimises E f(G(z)) − E f(x) +
  λ E (‖∇f(x̂)‖ − 1)², x̂ = εx + (1 − ε)G(z), and G minimises −E f(G(z));
* `cgan` (Mirza and Osindero, 2014): both networks see the label.

Samples come from an exponential moving average of the generator's
weights, θ̄ ← β θ̄ + (1 − β) θ after every generator update (β =
`model.generator_average`; Yazıcı et al., 2019, "The unusual effectiveness
of averaging in GAN training"). The players' game makes the last iterate
circle around an equilibrium, and which digits it favours changes from
epoch to epoch; the average sits nearer the middle. Training uses the
live generator; `generate`, `sample` and the export the averaged one.

Both players use the trainer's optimizer configuration; the discriminator
gets its own copy. Adam's β₁ is set to `model.adam_beta_1` for both (0.5 as
in Radford et al., 2016; WGAN-GP's authors use 0.5 with β₂ 0.9).
"""

from __future__ import annotations

import tensorflow as tf

from keraslab.core.api import DataInfo, KeraslabError
from keraslab.plugins.generative.config import GANConfig
from keraslab.plugins.generative.models.density import (
    GenerativeModel,
    LabelConditioning,
    features_of,
    labels_of,
    stateless_seed,
)


class GAN(LabelConditioning, GenerativeModel):
    """Generator and discriminator (critic) of images; see the module docstring."""

    def __init__(self, config: GANConfig, image_shape, num_classes: int, **kwargs):
        super().__init__(sample_shape=image_shape, **kwargs)
        self.config = config
        self.num_classes = num_classes
        self.generator_layers = self._generator_layers("generator")
        # The averaged generator: the same layers, never trained, moved towards the live ones.
        self.averaged_layers = self._generator_layers("averaged_generator") if config.generator_average else []
        for layer in self.averaged_layers:
            layer.trainable = False
        self.critic_layers = []
        for i, units in enumerate(reversed(config.hidden_units)):
            self.critic_layers += [tf.keras.layers.Dense(units, name=f"critic_{i}"), tf.keras.layers.LeakyReLU(0.2)]
            if config.dropout:
                self.critic_layers.append(tf.keras.layers.Dropout(config.dropout))
        self.to_score = tf.keras.layers.Dense(1, name="critic_out")
        self.critic_loss_tracker = tf.keras.metrics.Mean(name="critic_loss")
        self.real_score_tracker = tf.keras.metrics.Mean(name="critic_real_score")

    @property
    def own_metrics(self):
        return (self.critic_loss_tracker, self.real_score_tracker)

    def compile(self, optimizer="adam", **kwargs):
        super().compile(optimizer=optimizer, **kwargs)
        self.critic_optimizer = self.optimizer.__class__.from_config(self.optimizer.get_config())
        for player in (self.optimizer, self.critic_optimizer):
            if hasattr(player, "beta_1"):
                player.beta_1 = self.config.adam_beta_1

    def _generator_layers(self, name: str):
        hidden = [
            tf.keras.layers.Dense(units, activation="relu", name=f"{name}_{i}")
            for i, units in enumerate(self.config.hidden_units)
        ]
        return [*hidden, tf.keras.layers.Dense(self.pixels, activation="sigmoid", name=f"{name}_out")]

    def _generate_with(self, layers, z, labels=None):
        hidden = self.with_label(z, labels)
        for layer in layers:
            hidden = layer(hidden)
        return tf.reshape(hidden, [-1, *self.image_shape])

    def live_generate(self, z, labels=None):
        """The generator being trained."""
        return self._generate_with(self.generator_layers, z, labels)

    def generate(self, z, labels=None):
        """The generator samples come from: the averaged one if there is one."""
        return self._generate_with(self.averaged_layers or self.generator_layers, z, labels)

    def start_average(self) -> None:
        """Sets the averaged generator to the live one (once both are built)."""
        for averaged, live in zip(self.averaged_variables, self.generator_variables):
            averaged.assign(live)

    def _update_average(self) -> None:
        beta = self.config.generator_average
        for averaged, live in zip(self.averaged_variables, self.generator_variables):
            averaged.assign(beta * averaged + (1.0 - beta) * live)

    def critic(self, images, labels=None, training=False):
        """The discriminator's logit (or the Wasserstein critic's score)."""
        hidden = self.with_label(tf.reshape(images, [-1, self.pixels]), labels)
        for layer in self.critic_layers:
            hidden = layer(hidden, training=training)
        return self.to_score(hidden)[:, 0]

    @property
    def generator_variables(self):
        return [v for layer in self.generator_layers for v in layer.trainable_variables]

    @property
    def averaged_variables(self):
        return [v for layer in self.averaged_layers for v in layer.weights]

    @property
    def critic_variables(self):
        return [v for layer in (*self.critic_layers, self.to_score) for v in layer.trainable_variables]

    def critic_by_label(self, images):
        """A conditional critic's score of each image under every label, (n, classes)."""
        return self.under_every_label(self.critic, images)

    def call(self, inputs, training=None):
        """The critic's score; a conditional critic's best score over labels."""
        if self.conditional:
            return tf.reduce_max(self.critic_by_label(inputs), axis=-1)
        return self.critic(inputs, training=training)

    def sample(self, count, seed, labels=None):
        z = tf.random.stateless_normal(tf.stack([count, self.config.latent_dim]), seed=stateless_seed(seed))
        return self.generate(z, labels)

    def _noise(self, batch):
        return tf.random.normal(tf.stack([batch, self.config.latent_dim]))

    def critic_loss(self, real, labels, training):
        fake = self.live_generate(self._noise(tf.shape(real)[0]), labels)
        real_score = self.critic(real, labels, training)
        fake_score = self.critic(fake, labels, training)
        if self.config.loss == "wasserstein":
            loss = tf.reduce_mean(fake_score) - tf.reduce_mean(real_score)
            loss += self.config.gradient_penalty * self._gradient_penalty(real, fake, labels, training)
        else:
            smoothed = self.config.label_smoothing * tf.ones_like(real_score)
            loss = tf.reduce_mean(
                tf.nn.sigmoid_cross_entropy_with_logits(labels=smoothed, logits=real_score)
            ) + tf.reduce_mean(tf.nn.softplus(fake_score))  # −log(1 − σ(s)) = softplus(s)
        return loss, real_score

    def _gradient_penalty(self, real, fake, labels, training):
        epsilon = tf.random.uniform([tf.shape(real)[0], *([1] * len(self.image_shape))])
        mixed = epsilon * real + (1.0 - epsilon) * fake
        with tf.GradientTape() as tape:
            tape.watch(mixed)
            score = self.critic(mixed, labels, training)
        norms = tf.norm(tf.reshape(tape.gradient(score, mixed), [tf.shape(real)[0], -1]), axis=-1)
        return tf.reduce_mean((norms - 1.0) ** 2)

    def generator_loss(self, batch, labels, training):
        fake_score = self.critic(self.live_generate(self._noise(batch), labels), labels, training)
        if self.config.loss == "wasserstein":
            return -tf.reduce_mean(fake_score)
        if self.config.loss == "minimax":
            return -tf.reduce_mean(tf.nn.softplus(fake_score))  # log(1 − σ(s)) = −softplus(s)
        return tf.reduce_mean(tf.nn.softplus(-fake_score))  # −log σ(s) = softplus(−s)

    def train_step(self, data):
        real = features_of(data)
        labels = labels_of(data) if self.conditional else None
        for _ in range(self.config.critic_steps):
            with tf.GradientTape() as tape:
                critic_loss, real_score = self.critic_loss(real, labels, training=True)
            gradients = tape.gradient(critic_loss, self.critic_variables)
            self.critic_optimizer.apply_gradients(zip(gradients, self.critic_variables))
        with tf.GradientTape() as tape:
            generator_loss = self.generator_loss(tf.shape(real)[0], labels, training=True)
        gradients = tape.gradient(generator_loss, self.generator_variables)
        self.optimizer.apply_gradients(zip(gradients, self.generator_variables))
        if self.averaged_layers:
            self._update_average()
        return self._record(generator_loss, critic_loss, real_score)

    def test_step(self, data):
        real = features_of(data)
        labels = labels_of(data) if self.conditional else None
        critic_loss, real_score = self.critic_loss(real, labels, training=False)
        return self._record(self.generator_loss(tf.shape(real)[0], labels, training=False), critic_loss, real_score)

    def _record(self, generator_loss, critic_loss, real_score):
        self.loss_tracker.update_state(generator_loss)
        self.critic_loss_tracker.update_state(critic_loss)
        self.real_score_tracker.update_state(tf.reduce_mean(real_score))
        return {m.name: m.result() for m in self.metrics}


def build_gan(config: GANConfig, info: DataInfo) -> GAN:
    if len(info.input_shape) != 3:
        raise KeraslabError(
            f"GANs here generate images (height, width, channels); this dataset's examples have "
            f"shape {info.input_shape}."
        )
    if config.conditional and not info.num_classes:
        raise KeraslabError(
            "A conditional GAN needs labelled images (digits, or a file whose last column holds labels 0–9)."
        )
    name = "cgan" if config.conditional else ("wgan_gp" if config.loss == "wasserstein" else "gan")
    model = GAN(config, info.input_shape, info.num_classes or 0, name=name)
    labels = tf.zeros([1], tf.int64) if config.conditional else None
    noise = tf.zeros([1, config.latent_dim])
    model.critic(model.live_generate(noise, labels), labels)
    model.generate(noise, labels)
    model.start_average()
    return model


def export_gan(model: GAN, context) -> dict:
    """`sample`: seed, count (or labels) → images; `serving_default`: images
    → `critic_score` (the discriminator's logit: higher is "more real"; for
    a cGAN one score per label, `critic_score_by_label`)."""
    from keraslab.plugins.generative.models.exports import image_spec, sample_signature

    def scores(images):
        if not model.conditional:
            return {"critic_score": model.critic(images)}
        return {"critic_score_by_label": model.critic_by_label(images)}

    return {"serving_default": tf.function(scores, input_signature=[image_spec(context)]), **sample_signature(model)}
