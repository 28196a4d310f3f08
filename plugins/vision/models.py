"""Vision models. Every model takes raw pixels: scaling to [0, 1] (by the
training images' maximum) and training-time augmentation are layers of the
model, so an export needs no preprocessing by its client."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keraslab.core.api import DataInfo, OwnLossModel, classifier_outputs, image_signatures
from keraslab.plugins.vision.config import (
    AlexNetConfig,
    Augmentation,
    CNNConfig,
    InceptionConfig,
    MLPConfig,
    ResNetConfig,
)

layers = tf.keras.layers


def batch_norm(name: str) -> layers.BatchNormalization:
    """Batch norm whose moving averages follow the weights within tens of
    steps (momentum 0.9, not Keras' 0.99): these datasets give 40 steps per
    epoch, and with 0.99 evaluation lags training for many epochs."""
    return layers.BatchNormalization(momentum=0.9, name=name)


def image_input(info: DataInfo) -> tf.keras.Input:
    return tf.keras.Input(shape=info.input_shape, name="image", dtype=tf.float32)


def scale_and_augment(x, info: DataInfo, augmentation: Augmentation):
    """Rescale to [0, 1] with the training images' maximum, then (in training
    only) shift, rotate, zoom and add noise. These layers compute in float32
    under a mixed-precision policy too (Keras' image transforms take no
    bfloat16); the first layer after them casts to the policy's dtype."""
    peak = float(np.max(info.train_features)) or 1.0
    x = layers.Rescaling(1.0 / peak, name="to_unit_range", dtype="float32")(x)
    if augmentation.enabled:
        a = augmentation
        if a.shift:
            x = layers.RandomTranslation(a.shift, a.shift, fill_mode="constant", name="shift", dtype="float32")(x)
        if a.rotation:
            x = layers.RandomRotation(a.rotation, fill_mode="constant", name="rotate", dtype="float32")(x)
        if a.zoom:
            x = layers.RandomZoom(a.zoom, fill_mode="constant", name="zoom", dtype="float32")(x)
        if a.noise:
            x = layers.GaussianNoise(a.noise, name="noise", dtype="float32")(x)
    return x


def export_classifier(model, context):
    """serving_default (float pixels) and serving_uint8 (uint8 pixels):
    `probabilities` and `class_id`."""
    return image_signatures(context, lambda image: classifier_outputs(model(image, training=False)))


def classifier_head(x, info: DataInfo, dense_units: int, dropout: float):
    if dense_units:
        x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    if dropout:
        x = layers.Dropout(dropout, name="dropout")(x)
    return layers.Dense(int(info.num_classes), name="logits")(x)


def build_mlp(config: MLPConfig, info: DataInfo) -> tf.keras.Model:
    """Pixels flattened into a multi-layer perceptron."""
    inputs = image_input(info)
    x = layers.Flatten()(scale_and_augment(inputs, info, config.augmentation))
    for i, units in enumerate(config.hidden_units):
        x = layers.Dense(units, activation="relu", name=f"hidden_{i}")(x)
        if config.dropout:
            x = layers.Dropout(config.dropout)(x)
    return tf.keras.Model(inputs, layers.Dense(int(info.num_classes), name="logits")(x), name="mlp")


def build_cnn(config: CNNConfig, info: DataInfo) -> tf.keras.Model:
    """Conv/pool blocks (LeNet's pattern, LeCun et al., 1998) and a dense head."""
    inputs = image_input(info)
    x = scale_and_augment(inputs, info, config.augmentation)
    for b, filters in enumerate(config.filters):
        for c in range(config.convs_per_block):
            x = layers.Conv2D(
                filters,
                config.kernel_size,
                strides=config.stride if c == 0 else 1,
                padding=config.padding,
                dilation_rate=config.dilation,
                use_bias=not config.batch_norm,
                name=f"conv{b}_{c}",
            )(x)
            if config.batch_norm:
                x = batch_norm(f"bn{b}_{c}")(x)
            x = layers.ReLU()(x)
        if min(x.shape[1], x.shape[2]) > 2:
            x = layers.MaxPooling2D(2, name=f"pool{b}")(x)
    x = layers.Flatten()(x)
    return tf.keras.Model(inputs, classifier_head(x, info, config.dense_units, config.dropout), name="cnn")


def build_alexnet(config: AlexNetConfig, info: DataInfo) -> tf.keras.Model:
    """AlexNet scaled to small images: a 5×5 then 3×3 convolutions, ReLU,
    overlapping 3×3/2 max-pooling, two wide dense layers with dropout."""
    inputs = image_input(info)
    x = scale_and_augment(inputs, info, config.augmentation)
    first, *rest = config.filters
    x = layers.Conv2D(first, 5, padding="same", activation="relu", name="conv1")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    for i, filters in enumerate(rest):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"conv{i + 2}")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)
    x = layers.Flatten()(x)
    for i in range(2):
        x = layers.Dense(config.dense_units, activation="relu", name=f"fc{i + 1}")(x)
        x = layers.Dropout(config.dropout)(x)
    return tf.keras.Model(inputs, layers.Dense(int(info.num_classes), name="logits")(x), name="alexnet")


def inception_module(x, width: int, name: str):
    """Four parallel branches, concatenated: 1×1; 1×1 → 3×3; 1×1 → 5×5;
    3×3 max-pool → 1×1. The 1×1 reductions keep the 3×3 and 5×5 cheap."""
    conv = lambda f, k, n: layers.Conv2D(f, k, padding="same", activation="relu", name=f"{name}_{n}")  # noqa: E731
    b1 = conv(width, 1, "1x1")(x)
    b2 = conv(width, 3, "3x3")(conv(width // 2, 1, "3x3_reduce")(x))
    b3 = conv(width // 2, 5, "5x5")(conv(width // 4, 1, "5x5_reduce")(x))
    b4 = conv(width // 2, 1, "pool_proj")(layers.MaxPooling2D(3, strides=1, padding="same")(x))
    return layers.Concatenate(name=f"{name}_concat")([b1, b2, b3, b4])


def build_inception(config: InceptionConfig, info: DataInfo) -> tf.keras.Model:
    inputs = image_input(info)
    x = scale_and_augment(inputs, info, config.augmentation)
    x = layers.Conv2D(config.width, 3, padding="same", activation="relu", name="stem")(x)
    for i in range(config.modules):
        x = inception_module(x, config.width * (i + 1), f"inception{i + 1}")
        if min(x.shape[1], x.shape[2]) > 2:
            x = layers.MaxPooling2D(2)(x)
    x = layers.GlobalAveragePooling2D()(x)
    return tf.keras.Model(inputs, classifier_head(x, info, 0, config.dropout), name="inception")


def residual_block(x, filters: int, stride: int, config: ResNetConfig, name: str):
    """y = ReLU(F(x) + s(x)), F = conv-BN-ReLU-conv-BN; s is the identity, or
    a 1×1 projection where the shape changes. Without shortcuts: y = ReLU(F(x))."""
    f = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False, name=f"{name}_conv1")(x)
    f = layers.ReLU()(batch_norm(f"{name}_bn1")(f))
    f = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv2")(f)
    f = batch_norm(f"{name}_bn2")(f)
    if not config.shortcuts:
        return layers.ReLU()(f)
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        if config.projection:
            shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False, name=f"{name}_project")(x)
            shortcut = batch_norm(f"{name}_project_bn")(shortcut)
        else:  # option A of He et al.: subsample and pad channels with zeros
            shortcut = layers.Lambda(
                lambda t: tf.pad(t[:, ::stride, ::stride, :], [[0, 0], [0, 0], [0, 0], [0, filters - t.shape[-1]]])
            )(x)
    return layers.ReLU()(layers.Add(name=f"{name}_add")([f, shortcut]))


def build_resnet(config: ResNetConfig, info: DataInfo) -> tf.keras.Model:
    inputs = image_input(info)
    x = scale_and_augment(inputs, info, config.augmentation)
    x = layers.Conv2D(config.filters[0], 3, padding="same", use_bias=False, name="stem")(x)
    x = layers.ReLU()(batch_norm("stem_bn")(x))
    for s, filters in enumerate(config.filters):
        for b in range(config.blocks_per_stage):
            stride = 2 if (s > 0 and b == 0 and min(x.shape[1], x.shape[2]) > 2) else 1
            x = residual_block(x, filters, stride, config, f"stage{s}_block{b}")
    x = layers.GlobalAveragePooling2D()(x)
    name = "resnet" if config.shortcuts else "plainnet"
    return tf.keras.Model(inputs, classifier_head(x, info, 0, config.dropout), name=name)


def conv_pair(x, filters: int, name: str):
    for i in range(2):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv{i}")(x)
        x = layers.ReLU()(batch_norm(f"{name}_bn{i}")(x))
    return x


def build_segmentation(config, info: DataInfo) -> tf.keras.Model:
    """Encoder (conv pairs and 2×2 pooling), bottleneck, decoder (2×2
    transposed convolutions with stride 2, the learnable upsampling, each
    followed by the skip from the encoder stage of the same size and a conv
    pair), and a 1×1 convolution to per-pixel class logits."""
    inputs = image_input(info)
    x = scale_and_augment(inputs, info, Augmentation(enabled=False))  # geometric noise would move the masks
    skips = []
    for s, filters in enumerate(config.filters):
        x = conv_pair(x, filters, f"encode{s}")
        skips.append(x)
        x = layers.MaxPooling2D(2, name=f"pool{s}")(x)
    x = conv_pair(x, config.bottleneck, "bottleneck")
    for s, filters in reversed(list(enumerate(config.filters))):
        x = layers.Conv2DTranspose(filters, 2, strides=2, padding="same", name=f"upsample{s}")(x)
        if config.skip_connections:
            x = layers.Concatenate(name=f"skip{s}")([x, skips[s]])
        x = conv_pair(x, filters, f"decode{s}")
    logits = layers.Conv2D(int(info.num_classes), 1, name="pixel_logits")(x)
    return tf.keras.Model(inputs, logits, name="segmentation")


def export_segmentation(model, context):
    """serving_default: per-pixel `probabilities` and the `mask` of class ids."""

    def outputs(image):
        probabilities = tf.nn.softmax(model(image, training=False), axis=-1)
        return {"probabilities": probabilities, "mask": tf.argmax(probabilities, axis=-1)}

    return image_signatures(context, outputs)


def box_iou(a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    """IoU of boxes (y0, x0, y1, x1), row by row: area(a ∩ b) / area(a ∪ b)."""
    top_left = tf.maximum(a[:, :2], b[:, :2])
    bottom_right = tf.minimum(a[:, 2:], b[:, 2:])
    inter = tf.reduce_prod(tf.maximum(bottom_right - top_left, 0.0), axis=-1)
    area = lambda box: tf.reduce_prod(tf.maximum(box[:, 2:] - box[:, :2], 0.0), axis=-1)  # noqa: E731
    return inter / tf.maximum(area(a) + area(b) - inter, 1e-9)


class Detector(OwnLossModel):
    """Single-object detection: class logits and a box (y0, x0, y1, x1) in [0, 1].

    Loss = cross-entropy(class) + λ · smooth-L1(box) (Girshick, 2015: the
    Fast R-CNN box loss, robust to outliers early in training).
    """

    def __init__(self, config, info: DataInfo, classes: int):
        super().__init__(name="detection")
        inputs = image_input(info)
        x = scale_and_augment(inputs, info, Augmentation(enabled=False))  # shifts would move the boxes
        for s, filters in enumerate(config.filters):
            x = conv_pair(x, filters, f"stage{s}")
            x = layers.MaxPooling2D(2)(x)
        x = layers.Flatten()(x)
        x = layers.Dense(config.dense_units, activation="relu")(x)
        outputs = {
            "logits": layers.Dense(classes, name="class_logits")(x),
            "box": layers.Dense(4, activation="sigmoid", name="box")(x),
        }
        self.network = tf.keras.Model(inputs, outputs)
        self.box_weight = config.box_weight
        self.accuracy_tracker = tf.keras.metrics.SparseCategoricalAccuracy(name="accuracy")
        self.iou_tracker = tf.keras.metrics.Mean(name="box_iou")

    def call(self, x, training=False):
        return self.network(x, training=training)

    @property
    def own_metrics(self):
        return [self.accuracy_tracker, self.iou_tracker]

    def own_loss(self, data, training):
        x, target = data
        classes, boxes = tf.cast(target[:, 0], tf.int64), target[:, 1:]
        out = self(x, training=training)
        class_loss = tf.reduce_mean(
            tf.keras.losses.sparse_categorical_crossentropy(classes, out["logits"], from_logits=True)
        )
        box_loss = tf.reduce_mean(tf.keras.losses.huber(boxes, out["box"], delta=0.1))
        self.accuracy_tracker.update_state(classes, out["logits"])
        self.iou_tracker.update_state(box_iou(boxes, out["box"]))
        return class_loss + self.box_weight * box_loss


def build_detection(config, info: DataInfo) -> tf.keras.Model:
    from keraslab.plugins.vision.data import SHAPES

    model = Detector(config, info, len(SHAPES))
    model(tf.zeros([1, *info.input_shape]))
    return model


def export_detection(model, context):
    """serving_default: `box` (y0, x0, y1, x1 in [0, 1]), `class_id`, `probabilities`."""

    def outputs(image):
        out = model(image, training=False)
        probabilities = tf.nn.softmax(out["logits"], axis=-1)
        return {"box": out["box"], "class_id": tf.argmax(probabilities, axis=-1), "probabilities": probabilities}

    return image_signatures(context, outputs)


class Siamese(OwnLossModel):
    """A shared encoder f with ‖f(x)‖ = 1, trained on every pair (i, j) of a
    batch with the contrastive loss (Hadsell, Chopra & LeCun, 2006):

        L = mean over pairs of  y d² + (1 − y) max(0, m − d)²,  d = ‖f(x_i) − f(x_j)‖,

    y = 1 for a same-class pair. Examples of `held_out_classes` are dropped
    from every training batch.
    """

    def __init__(self, config, info: DataInfo):
        super().__init__(name="siamese")
        inputs = image_input(info)
        x = scale_and_augment(inputs, info, Augmentation())
        for s, filters in enumerate(config.filters):
            x = conv_pair(x, filters, f"stage{s}")
            if min(x.shape[1], x.shape[2]) > 2:
                x = layers.MaxPooling2D(2)(x)
        x = layers.Dense(config.embedding_size, name="embedding")(layers.GlobalAveragePooling2D()(x))
        self.encoder = tf.keras.Model(inputs, layers.UnitNormalization(name="unit")(x))
        self.margin = config.margin
        self.held_out = tf.constant(list(config.held_out_classes) or [-1], tf.int64)

    def call(self, x, training=False):
        return self.encoder(x, training=training)

    def own_loss(self, data, training):
        x, labels = data
        if training:
            keep = tf.reduce_all(tf.not_equal(labels[:, None], self.held_out[None, :]), axis=1)
            x, labels = tf.boolean_mask(x, keep), tf.boolean_mask(labels, keep)
        embeddings = self(x, training=training)
        distances = tf.sqrt(
            tf.maximum(2.0 - 2.0 * tf.matmul(embeddings, embeddings, transpose_b=True), 1e-12)
        )  # unit vectors
        same = tf.cast(tf.equal(labels[:, None], labels[None, :]), tf.float32)
        off_diagonal = 1.0 - tf.eye(tf.shape(labels)[0])
        pair_loss = same * distances**2 + (1.0 - same) * tf.nn.relu(self.margin - distances) ** 2
        return tf.reduce_sum(pair_loss * off_diagonal) / tf.maximum(tf.reduce_sum(off_diagonal), 1.0)


def build_siamese(config, info: DataInfo) -> tf.keras.Model:
    model = Siamese(config, info)
    model(tf.zeros([1, *info.input_shape]))
    return model


def export_siamese(model, context):
    """serving_default: the unit-length `embedding` of each image."""
    return image_signatures(context, lambda image: {"embedding": model(image, training=False)})
