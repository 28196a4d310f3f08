"""The `generative` topic: autoencoders, VAEs, GANs, RBMs, normalizing flows
and autoregressive density models. Densities are reported in nats on
held-out data, so models of one dataset compare on one scale. Declares the
plugin; models and loaders are imported on first use."""

from keraslab.core.api import DatasetSpec, ModelSpec, Plugin, __version__
from keraslab.plugins.generative import config

_DATA = "keraslab.plugins.generative.data"
_FLOWS = "keraslab.plugins.generative.models.flows"
_VAE = "keraslab.plugins.generative.models.vae"
_GANS = "keraslab.plugins.generative.models.gans"
_AUTOREGRESSIVE = "keraslab.plugins.generative.models.autoregressive"
_POINTS_REPORT = "keraslab.plugins.generative.report:write_points_report"
_IMAGE_REPORT = "keraslab.plugins.generative.report:write_image_report"
_EXPORTS = "keraslab.plugins.generative.models.exports"


def _flow(name, description, builder):
    return ModelSpec(
        name=name,
        description=description,
        build=f"{_FLOWS}:{builder}",
        config=config.FlowConfig(),
        training="custom_step",
        task="density",
        default_dataset="moons",
        input_name="points",
        preset=config.flow_preset,
        export=f"{_FLOWS}:export_flow",
        report=_POINTS_REPORT,
    )


def _image_model(
    name,
    description,
    build,
    model_config,
    dataset="digits-binary",
    preset=config.image_preset,
    export=f"{_EXPORTS}:export_image_density",
    training="custom_step",
    task="density",
):
    return ModelSpec(
        name=name,
        description=description,
        build=build,
        config=model_config,
        training=training,
        task=task,
        default_dataset=dataset,
        input_name="image",
        preset=preset,
        export=export,
        report=_IMAGE_REPORT,
    )


plugin = Plugin(
    name="generative",
    topic="generative",
    version=__version__,
    description="Autoencoders, VAEs, GANs, RBMs, normalizing flows and autoregressive models, in nats.",
    models=(
        _flow(
            "realnvp", "RealNVP: affine coupling layers with Keras conditioners (Dinh et al., 2017).", "build_realnvp"
        ),
        _flow("maf", "Masked autoregressive flow: MADE conditioners (Papamakarios et al., 2017).", "build_maf"),
        _image_model(
            "autoencoder",
            "Autoencoder: dense or convolutional (model.architecture), denoising as an option.",
            "keraslab.plugins.generative.models.autoencoders:build_autoencoder",
            config.AutoencoderConfig(),
            dataset="digits",
            export="keraslab.plugins.generative.models.autoencoders:export_autoencoder",
            task="generative",
        ),
        _image_model(
            "linear-autoencoder",
            "Linear autoencoder: its decoder spans PCA's top code_dim components.",
            "keraslab.plugins.generative.models.autoencoders:build_autoencoder",
            config.AutoencoderConfig(linear=True, code_dim=4),
            dataset="digits",
            preset=config.linear_autoencoder_preset,
            export="keraslab.plugins.generative.models.autoencoders:export_autoencoder",
            task="generative",
        ),
        _image_model(
            "vae",
            "Variational autoencoder, Bernoulli pixels, reparameterisation trick (Kingma and Welling, 2014).",
            f"{_VAE}:build_vae",
            config.VAEConfig(),
            export=f"{_VAE}:export_vae",
        ),
        _image_model(
            "beta-vae",
            "β-VAE: the KL term weighted by β (model.beta, default 2; Higgins et al., 2017).",
            f"{_VAE}:build_vae",
            config.VAEConfig(beta=2.0),
            export=f"{_VAE}:export_vae",
        ),
        _image_model(
            "cvae",
            "Conditional VAE: encoder and decoder see the digit's label (Sohn et al., 2015).",
            f"{_VAE}:build_vae",
            config.VAEConfig(conditional=True),
            export=f"{_VAE}:export_vae",
        ),
        _image_model(
            "vae-flow",
            "VAE whose posterior is refined by an inverse autoregressive flow (Kingma et al., 2016).",
            f"{_VAE}:build_vae",
            config.VAEConfig(flow_layers=4),
            export=f"{_VAE}:export_vae",
        ),
        _image_model(
            "gan",
            "GAN: non-saturating loss (model.loss=minimax as an option), one-sided label smoothing.",
            f"{_GANS}:build_gan",
            config.GANConfig(),
            dataset="digits",
            preset=config.gan_preset,
            export=f"{_GANS}:export_gan",
            task="generative",
        ),
        _image_model(
            "wgan-gp",
            "Wasserstein GAN with gradient penalty: 5 critic steps per generator step.",
            f"{_GANS}:build_gan",
            config.GANConfig(loss="wasserstein", critic_steps=5, dropout=0.0),
            dataset="digits",
            preset=config.gan_preset,
            export=f"{_GANS}:export_gan",
            task="generative",
        ),
        _image_model(
            "cgan",
            "Conditional GAN: generator and discriminator see the digit's label.",
            f"{_GANS}:build_gan",
            config.GANConfig(conditional=True),
            dataset="digits",
            preset=config.gan_preset,
            export=f"{_GANS}:export_gan",
            task="generative",
        ),
        _image_model(
            "rbm",
            "Binary RBM trained by contrastive divergence, CD-k (model.persistent=true: PCD).",
            "keraslab.plugins.generative.models.rbm:build_rbm",
            config.RBMConfig(),
            preset=config.rbm_preset,
            export="keraslab.plugins.generative.models.rbm:export_rbm",
            task="generative",
        ),
        _image_model(
            "nade",
            "NADE: one hidden layer shared by all 64 pixel conditionals (Larochelle and Murray, 2011).",
            f"{_AUTOREGRESSIVE}:build_nade",
            config.AutoregressiveConfig(hidden_units=(256,)),
        ),
        _image_model(
            "made",
            "MADE: a masked MLP, tfb.AutoregressiveNetwork (Germain et al., 2015).",
            f"{_AUTOREGRESSIVE}:build_made",
            config.AutoregressiveConfig(hidden_units=(512, 512), dropout=0.2),
        ),
        _image_model(
            "pixelcnn",
            "PixelCNN: masked convolutions with gated residual blocks (van den Oord et al., 2016).",
            f"{_AUTOREGRESSIVE}:build_pixelcnn",
            config.AutoregressiveConfig(dropout=0.3),
        ),
        _image_model(
            "gated-pixelcnn",
            "Gated PixelCNN: vertical and horizontal stacks, no blind spot (van den Oord et al., 2016).",
            "keraslab.plugins.generative.models.gated_pixelcnn:build_gated_pixelcnn",
            config.AutoregressiveConfig(conv_layers=5, dropout=0.3),
        ),
    ),
    datasets=(
        DatasetSpec(
            "moons",
            "3,000 points of scikit-learn's two moons (noise 0.05), standardised.",
            f"{_DATA}:load_moons",
            f"{_DATA}:synthetic_points",
        ),
        DatasetSpec(
            "circles",
            "3,000 points of two concentric circles (noise 0.05), standardised.",
            f"{_DATA}:load_circles",
            f"{_DATA}:synthetic_points",
        ),
        DatasetSpec(
            "ring-of-gaussians",
            "3,000 points of 8 Gaussians on a circle: eight modes, standardised.",
            f"{_DATA}:load_ring_of_gaussians",
            f"{_DATA}:synthetic_points",
        ),
        DatasetSpec(
            "digits",
            "scikit-learn's 1,797 digits as 8×8×1 images in [0, 1], labelled.",
            f"{_DATA}:load_digits",
            f"{_DATA}:synthetic_digits",
        ),
        DatasetSpec(
            "digits-binary",
            "The digits binarised at half intensity, for the Bernoulli models.",
            f"{_DATA}:load_binary_digits",
            f"{_DATA}:synthetic_binary_digits",
        ),
    ),
    commands="keraslab.plugins.generative.cli:commands",
)
