"""First-order optimizers written from their update equations.

Each is a `tf.keras.optimizers.Optimizer` subclass, so the shared trainer
(and `Model.fit`) can use it like Keras' own; each follows the same
definition as the Keras optimizer of the same name, so the two agree step for
step (tested to 1e-6). Notation: parameters θ, gradient g_t, learning rate η.

* `PlainSGD`:  θ ← θ − η g
* `Momentum`:  v ← μ v − η g;  θ ← θ + v                    (Polyak, 1964)
* `Nesterov`:  v ← μ v − η g;  θ ← θ + μ v − η g            (Nesterov, 1983;
  the look-ahead form of Sutskever et al., 2013)
* `AdaGrad`:   G ← G + g²;  θ ← θ − η g / √(G + ε), G₀ = 0.1   (Duchi et al., 2011)
* `RMSprop`:   s ← ρ s + (1 − ρ) g²;  θ ← θ − η g / √(s + ε)   (Tieleman & Hinton, 2012)
* `Adam`:      m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
  α_t = η √(1 − β₂ᵗ) / (1 − β₁ᵗ);  θ ← θ − α_t m / (√v + ε̂)  (Kingma & Ba, 2015,
  with the bias correction folded into the step size, as in their §2)
"""

from __future__ import annotations

import tensorflow as tf


class _FromEquations(tf.keras.optimizers.Optimizer):
    """Base: one slot list per name in `SLOTS`, each slot initialised to a constant."""

    SLOTS: tuple = ()
    SLOT_INIT: float = 0.0

    def __init__(self, learning_rate=0.01, name=None, **kwargs):
        super().__init__(name=name or type(self).__name__, **kwargs)
        self._learning_rate = self._build_learning_rate(learning_rate)

    def build(self, var_list):
        super().build(var_list)
        if getattr(self, "_slots_built", False):
            return
        self._slots_built = True
        self._slots = {
            slot: [
                self.add_variable_from_reference(
                    v, slot, initial_value=tf.fill(v.shape, tf.cast(self.SLOT_INIT, v.dtype))
                )
                for v in var_list
            ]
            for slot in self.SLOTS
        }

    def slot(self, name: str, variable):
        return self._slots[name][self._index_dict[self._var_key(variable)]]

    def get_config(self):
        config = super().get_config()
        config["learning_rate"] = self._serialize_hyperparameter(self._learning_rate)
        return config


class PlainSGD(_FromEquations):
    """θ ← θ − η g."""

    def update_step(self, gradient, variable):
        variable.assign_sub(tf.cast(self.learning_rate, variable.dtype) * gradient)


class Momentum(_FromEquations):
    """Heavy-ball momentum: v ← μ v − η g; θ ← θ + v."""

    SLOTS = ("velocity",)

    def __init__(self, learning_rate=0.01, momentum=0.9, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = momentum

    def update_step(self, gradient, variable):
        lr = tf.cast(self.learning_rate, variable.dtype)
        velocity = self.slot("velocity", variable)
        velocity.assign(self.momentum * velocity - lr * gradient)
        variable.assign_add(velocity)


class Nesterov(Momentum):
    """Nesterov momentum: v ← μ v − η g; θ ← θ + μ v − η g (gradient at the look-ahead point)."""

    def update_step(self, gradient, variable):
        lr = tf.cast(self.learning_rate, variable.dtype)
        velocity = self.slot("velocity", variable)
        velocity.assign(self.momentum * velocity - lr * gradient)
        variable.assign_add(self.momentum * velocity - lr * gradient)


class AdaGrad(_FromEquations):
    """G ← G + g²; θ ← θ − η g / √(G + ε): each coordinate's step shrinks with its history."""

    SLOTS = ("accumulator",)
    SLOT_INIT = 0.1

    def __init__(self, learning_rate=0.001, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.epsilon = epsilon

    def update_step(self, gradient, variable):
        lr = tf.cast(self.learning_rate, variable.dtype)
        accumulator = self.slot("accumulator", variable)
        accumulator.assign_add(gradient * gradient)
        variable.assign_sub(lr * gradient / tf.sqrt(accumulator + self.epsilon))


class RMSprop(_FromEquations):
    """s ← ρ s + (1 − ρ) g²; θ ← θ − η g / √(s + ε): AdaGrad with a forgetting average."""

    SLOTS = ("mean_square",)

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def update_step(self, gradient, variable):
        lr = tf.cast(self.learning_rate, variable.dtype)
        mean_square = self.slot("mean_square", variable)
        mean_square.assign(self.rho * mean_square + (1 - self.rho) * tf.square(gradient))
        variable.assign_sub(lr * gradient * tf.math.rsqrt(mean_square + self.epsilon))


class Adam(_FromEquations):
    """Adam with bias correction (see the module docstring for the equations)."""

    SLOTS = ("first_moment", "second_moment")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def update_step(self, gradient, variable):
        lr = tf.cast(self.learning_rate, variable.dtype)
        t = tf.cast(self.iterations + 1, variable.dtype)
        m, v = self.slot("first_moment", variable), self.slot("second_moment", variable)
        m.assign(self.beta_1 * m + (1 - self.beta_1) * gradient)
        v.assign(self.beta_2 * v + (1 - self.beta_2) * tf.square(gradient))
        step = (
            lr
            * tf.sqrt(1 - tf.pow(tf.cast(self.beta_2, variable.dtype), t))
            / (1 - tf.pow(tf.cast(self.beta_1, variable.dtype), t))
        )
        variable.assign_sub(step * m / (tf.sqrt(v) + self.epsilon))


#: The optimizers by name, each with the Keras optimizer of the same definition.
OPTIMIZERS = {
    "sgd": PlainSGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": AdaGrad,
    "rmsprop": RMSprop,
    "adam": Adam,
}


def keras_counterpart(name: str, learning_rate: float) -> tf.keras.optimizers.Optimizer:
    """Keras' own optimizer of the same definition, for comparisons."""
    keras = tf.keras.optimizers
    return {
        "sgd": lambda: keras.SGD(learning_rate),
        "momentum": lambda: keras.SGD(learning_rate, momentum=0.9),
        "nesterov": lambda: keras.SGD(learning_rate, momentum=0.9, nesterov=True),
        "adagrad": lambda: keras.Adagrad(learning_rate),
        "rmsprop": lambda: keras.RMSprop(learning_rate),
        "adam": lambda: keras.Adam(learning_rate),
    }[name]()
