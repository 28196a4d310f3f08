"""The generative topic's models, one module a family:

* `density`: what every model here shares (the log-likelihood loss, the
  binary-image check, stateless sampling seeds);
* `flows`: RealNVP and MAF normalizing flows;
* `autoencoders`: dense, convolutional, denoising and linear autoencoders;
* `vae`: the VAE, β-VAE, conditional VAE and VAE with an IAF posterior;
* `gans`: GAN, WGAN-GP and conditional GAN;
* `rbm`: the restricted Boltzmann machine (CD-k and persistent CD);
* `autoregressive`: NADE, MADE and PixelCNN;
* `exports`: the serving signatures they share.
"""
