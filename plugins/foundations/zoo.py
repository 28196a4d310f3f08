"""The module zoo: each module's forward pass and its hand-written backward pass.

Every function is a `tf.custom_gradient`: TensorFlow calls our backward pass
instead of differentiating the forward one, so `gradcheck` really checks our
maths. Notation: upstream gradient ḡ = ∂L/∂y for output y.

| module | forward | backward |
| --- | --- | --- |
| linear | y = xW + b | ∂x = ḡWᵀ, ∂W = xᵀḡ, ∂b = Σ_batch ḡ |
| relu | y = max(x, 0) | ḡ · 1[x > 0] |
| leaky_relu | y = x if x > 0 else αx | ḡ · (1 if x > 0 else α) |
| sigmoid | y = 1 / (1 + e^(−x)) | ḡ · y(1 − y) |
| tanh | y = tanh x | ḡ · (1 − y²) |
| softplus | y = log(1 + eˣ) | ḡ · σ(x) |
| softmax | y_i = e^(x_i) / Σ_j e^(x_j) | y ⊙ (ḡ − ⟨ḡ, y⟩) |
| cross_entropy | L = −Σ t log p / n | ∂p = −t / (n p) |
| cross_entropy_with_logits | L = −Σ t log softmax(z) / n | ∂z = (softmax(z) − t) / n |
| squared_loss | L = Σ (y − t)² / (2n) | ∂y = (y − t) / n, ∂t = −(y − t) / n |
| add | y = a + b | ∂a = ḡ, ∂b = ḡ |
| multiply | y = a ⊙ b | ∂a = ḡ ⊙ b, ∂b = ḡ ⊙ a |
| reduce_sum | y = Σ_axis x | ḡ broadcast back along the axis |
| reduce_max | y = max_axis x | ḡ routed to the arg-max entry |
| conv2d | y[n,i,j,o] = Σ x[n,i+u,j+v,c] k[u,v,c,o] (valid, stride 1) | ∂x = full correlation of ḡ with the flipped kernel; ∂k[u,v,c,o] = Σ x[n,i+u,j+v,c] ḡ[n,i,j,o] |
| max_pool | 2×2 windows, stride 2 | ḡ routed to each window's arg-max |

The cross-entropy and squared losses average over the batch (n examples).
"""

from __future__ import annotations

import tensorflow as tf


@tf.custom_gradient
def linear(x, w, b):
    y = tf.matmul(x, w) + b

    def backward(g):
        return tf.matmul(g, w, transpose_b=True), tf.matmul(x, g, transpose_a=True), tf.reduce_sum(g, axis=0)

    return y, backward


@tf.custom_gradient
def relu(x):
    y = tf.maximum(x, tf.zeros_like(x))

    def backward(g):
        return g * tf.cast(x > 0, x.dtype)

    return y, backward


def leaky_relu(x, alpha: float = 0.01):
    @tf.custom_gradient
    def forward(x):
        positive = x > 0
        y = tf.where(positive, x, alpha * x)

        def backward(g):
            return g * tf.where(positive, tf.ones_like(x), alpha * tf.ones_like(x))

        return y, backward

    return forward(x)


@tf.custom_gradient
def sigmoid(x):
    y = 1.0 / (1.0 + tf.exp(-x))

    def backward(g):
        return g * y * (1.0 - y)

    return y, backward


@tf.custom_gradient
def tanh(x):
    y = tf.tanh(x)

    def backward(g):
        return g * (1.0 - y * y)

    return y, backward


@tf.custom_gradient
def softplus(x):
    # log(1 + eˣ) = max(x, 0) + log(1 + e^(−|x|)), stable for large |x|.
    y = tf.maximum(x, tf.zeros_like(x)) + tf.math.log1p(tf.exp(-tf.abs(x)))

    def backward(g):
        return g / (1.0 + tf.exp(-x))

    return y, backward


@tf.custom_gradient
def softmax(x):
    shifted = tf.exp(x - tf.reduce_max(x, axis=-1, keepdims=True))
    y = shifted / tf.reduce_sum(shifted, axis=-1, keepdims=True)

    def backward(g):
        return y * (g - tf.reduce_sum(g * y, axis=-1, keepdims=True))

    return y, backward


@tf.custom_gradient
def cross_entropy(probabilities, targets):
    """Mean over the batch of −Σ_k t_k log p_k, for one-hot (or soft) targets."""
    n = tf.cast(tf.shape(probabilities)[0], probabilities.dtype)
    loss = -tf.reduce_sum(targets * tf.math.log(probabilities)) / n

    def backward(g):
        return -g * targets / (n * probabilities), -g * tf.math.log(probabilities) / n

    return loss, backward


@tf.custom_gradient
def cross_entropy_with_logits(logits, targets):
    """Mean over the batch of −Σ_k t_k log softmax(z)_k, computed stably."""
    n = tf.cast(tf.shape(logits)[0], logits.dtype)
    shifted = logits - tf.reduce_max(logits, axis=-1, keepdims=True)
    log_probabilities = shifted - tf.math.log(tf.reduce_sum(tf.exp(shifted), axis=-1, keepdims=True))
    loss = -tf.reduce_sum(targets * log_probabilities) / n

    def backward(g):
        probabilities = tf.exp(log_probabilities)
        totals = tf.reduce_sum(targets, axis=-1, keepdims=True)  # 1 for one-hot targets
        return g * (probabilities * totals - targets) / n, -g * log_probabilities / n

    return loss, backward


@tf.custom_gradient
def squared_loss(predictions, targets):
    """Σ (y − t)² / (2n): half the mean squared error per example."""
    n = tf.cast(tf.shape(predictions)[0], predictions.dtype)
    residual = predictions - targets
    loss = tf.reduce_sum(residual * residual) / (2.0 * n)

    def backward(g):
        return g * residual / n, -g * residual / n

    return loss, backward


@tf.custom_gradient
def add(a, b):
    def backward(g):
        return g, g

    return a + b, backward


@tf.custom_gradient
def multiply(a, b):
    def backward(g):
        return g * b, g * a

    return a * b, backward


def reduce_sum(x, axis: int = -1):
    @tf.custom_gradient
    def forward(x):
        def backward(g):
            return tf.ones_like(x) * tf.expand_dims(g, axis)

        return tf.reduce_sum(x, axis=axis), backward

    return forward(x)


def reduce_max(x, axis: int = -1):
    @tf.custom_gradient
    def forward(x):
        y = tf.reduce_max(x, axis=axis)

        def backward(g):
            winners = tf.one_hot(tf.argmax(x, axis=axis), tf.shape(x)[axis], axis=axis, dtype=x.dtype)
            return winners * tf.expand_dims(g, axis)

        return y, backward

    return forward(x)


@tf.custom_gradient
def conv2d(x, kernel):
    """Valid 2-D cross-correlation, stride 1: x [n,h,w,c], kernel [kh,kw,c,o]."""
    y = tf.nn.conv2d(x, kernel, strides=1, padding="VALID")

    def backward(g):
        kh, kw = kernel.shape[0], kernel.shape[1]
        # ∂x: pad ḡ by (k−1) and correlate with the kernel flipped in space,
        # input and output channels swapped.
        padded = tf.pad(g, [[0, 0], [kh - 1, kh - 1], [kw - 1, kw - 1], [0, 0]])
        flipped = tf.transpose(tf.reverse(kernel, axis=[0, 1]), [0, 1, 3, 2])
        grad_x = tf.nn.conv2d(padded, flipped, strides=1, padding="VALID")
        # ∂k[u,v,c,o] = Σ_{n,i,j} x[n,i+u,j+v,c] ḡ[n,i,j,o]: correlate x with ḡ,
        # treating the batch as the channel being summed.
        grad_k = tf.nn.conv2d(tf.transpose(x, [3, 1, 2, 0]), tf.transpose(g, [1, 2, 0, 3]), strides=1, padding="VALID")
        return grad_x, tf.transpose(grad_k, [1, 2, 0, 3])

    return y, backward


@tf.custom_gradient
def max_pool(x):
    """2×2 max-pooling with stride 2 (height and width must be even)."""
    n, h, w, c = x.shape
    windows = tf.reshape(x, [-1, h // 2, 2, w // 2, 2, c])
    windows = tf.transpose(windows, [0, 1, 3, 5, 2, 4])  # n, h/2, w/2, c, 2, 2
    flat = tf.reshape(windows, [-1, h // 2, w // 2, c, 4])
    y = tf.reduce_max(flat, axis=-1)

    def backward(g):
        winners = tf.one_hot(tf.argmax(flat, axis=-1), 4, dtype=x.dtype) * g[..., None]
        grid = tf.reshape(winners, [-1, h // 2, w // 2, c, 2, 2])
        return tf.reshape(tf.transpose(grid, [0, 1, 4, 2, 5, 3]), [-1, h, w, c])

    return y, backward


#: Each module with the shapes of its arguments.
MODULES = {
    "linear": (linear, [(4, 5), (5, 3), (3,)]),
    "relu": (relu, [(4, 6)]),
    "leaky_relu": (leaky_relu, [(4, 6)]),
    "sigmoid": (sigmoid, [(4, 6)]),
    "tanh": (tanh, [(4, 6)]),
    "softplus": (softplus, [(4, 6)]),
    "softmax": (softmax, [(4, 6)]),
    "cross_entropy": (cross_entropy, [(4, 6), (4, 6)]),
    "cross_entropy_with_logits": (cross_entropy_with_logits, [(4, 6), (4, 6)]),
    "squared_loss": (squared_loss, [(4, 3), (4, 3)]),
    "add": (add, [(4, 6), (4, 6)]),
    "multiply": (multiply, [(4, 6), (4, 6)]),
    "reduce_sum": (reduce_sum, [(4, 6)]),
    "reduce_max": (reduce_max, [(4, 6)]),
    "conv2d": (conv2d, [(2, 6, 6, 2), (3, 3, 2, 3)]),
    "max_pool": (max_pool, [(2, 4, 4, 3)]),
}


class ZooMLP(tf.Module):
    """A two-layer perceptron composed only of zoo modules:
    logits = linear(relu(linear(x, W₁, b₁)), W₂, b₂), trained on
    cross_entropy_with_logits. Its gradients are our backward passes alone."""

    def __init__(self, weights):
        super().__init__()
        self.w1, self.b1, self.w2, self.b2 = (tf.Variable(w) for w in weights)

    def __call__(self, x):
        return linear(relu(linear(x, self.w1, self.b1)), self.w2, self.b2)

    def loss(self, x, one_hot):
        return cross_entropy_with_logits(self(x), one_hot)
