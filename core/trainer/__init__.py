"""The shared trainer (imports TensorFlow): see `keraslab.core.trainer.loop`."""
