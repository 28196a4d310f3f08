"""Export for serving (`serving`), its signatures (`signatures`) and a local
TF Serving-style predict (`predict`). These modules import TensorFlow."""
