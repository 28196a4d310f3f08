"""The `vision` topic: CNNs from LeNet-style to residual and inception on
digits and generated shapes. Declares the plugin; models and loaders are
imported on first use."""

from keraslab.core.api import DatasetSpec, ModelSpec, Plugin, __version__
from keraslab.plugins.vision import config

_MODELS = "keraslab.plugins.vision.models"
_DATA = "keraslab.plugins.vision.data"


def _classifier(name, description, builder, model_config, preset=config.image_preset):
    return ModelSpec(
        name=name,
        description=description,
        build=f"{_MODELS}:{builder}",
        config=model_config,
        default_dataset="digits",
        input_name="image",
        preset=preset,
        export=f"{_MODELS}:export_classifier",
        report="keraslab.plugins.vision.report:write_classifier_report",
    )


plugin = Plugin(
    name="vision",
    topic="vision",
    version=__version__,
    description="CNNs from LeNet-style to residual and inception, on digits and generated shapes.",
    models=(
        _classifier(
            "cnn",
            "Conv/pool blocks with batch norm and a dense head (configurable).",
            "build_cnn",
            config.CNNConfig(),
            preset=config.classifier_preset,
        ),
        _classifier(
            "mlp", "Pixels into a multi-layer perceptron.", "build_mlp", config.MLPConfig(), preset=config.mlp_preset
        ),
        _classifier(
            "alexnet",
            "AlexNet's recipe scaled down: ReLU, dropout, weight decay, SGD+momentum.",
            "build_alexnet",
            config.AlexNetConfig(),
            preset=config.alexnet_preset,
        ),
        _classifier(
            "inception",
            "GoogLeNet inception modules with 1x1 reductions.",
            "build_inception",
            config.InceptionConfig(),
            preset=config.inception_preset,
        ),
        _classifier(
            "resnet",
            "Residual network; shortcuts=false gives the plain network.",
            "build_resnet",
            config.ResNetConfig(),
            preset=config.classifier_preset,
        ),
        ModelSpec(
            name="segmentation",
            description="Fully convolutional encoder-decoder with skips (shape masks).",
            build=f"{_MODELS}:build_segmentation",
            config=config.SegmentationConfig(),
            default_dataset="shape-masks",
            input_name="image",
            preset=config.image_preset,
            export=f"{_MODELS}:export_segmentation",
            report="keraslab.plugins.vision.report:write_segmentation_report",
        ),
        ModelSpec(
            name="detection",
            description="One box and its class per shapes scene (smooth-L1 + cross-entropy).",
            build=f"{_MODELS}:build_detection",
            config=config.DetectionConfig(),
            training="custom_step",
            task="regression",
            default_dataset="shape-boxes",
            input_name="image",
            preset=config.detection_preset,
            export=f"{_MODELS}:export_detection",
            report="keraslab.plugins.vision.report:write_detection_report",
        ),
        ModelSpec(
            name="siamese",
            description="Shared encoder trained with a contrastive loss on digit pairs.",
            build=f"{_MODELS}:build_siamese",
            config=config.SiameseConfig(),
            training="custom_step",
            task="generative",
            default_dataset="digits",
            input_name="image",
            preset=config.siamese_preset,
            export=f"{_MODELS}:export_siamese",
            report="keraslab.plugins.vision.report:write_siamese_report",
        ),
    ),
    datasets=(
        DatasetSpec(
            "digits",
            "scikit-learn's 1,797 digits as 8x8x1 images; or --data FOLDER of class sub-folders.",
            f"{_DATA}:load_digits",
            f"{_DATA}:synthetic_digits",
        ),
        DatasetSpec(
            "shapes",
            "1,500 generated 32x32 scenes: circle, square or triangle on noise.",
            f"{_DATA}:load_shapes",
            f"{_DATA}:synthetic_shapes",
        ),
        DatasetSpec(
            "shape-masks",
            "The shapes scenes with per-pixel labels (background, circle, square, triangle).",
            f"{_DATA}:load_shape_masks",
            f"{_DATA}:synthetic_shape_masks",
        ),
        DatasetSpec(
            "shape-boxes",
            "The shapes scenes with (class, box) targets, one object per scene.",
            f"{_DATA}:load_shape_boxes",
            f"{_DATA}:synthetic_shape_boxes",
        ),
    ),
    commands="keraslab.plugins.vision.cli:commands",
    main_job=2,  # `make run` trains vision's CNN when vision is installed
)
