"""PyTorch's image-folder reader, the second baseline of figure 9's input
throughput: `torchvision.datasets.ImageFolder` with a `DataLoader` of two
worker processes, the loader a PyTorch user writes for a folder of photos.

Runs in the PyTorch environment (.venv-torch) through `bench.session`, so
it imports nothing of keraslab or TensorFlow. Each image is decoded by PIL,
resized to 32×32 (bilinear, as keraslab's and Keras' readers resize) and
turned into a float tensor; batches of 128, shuffled by a seeded generator.
One epoch is timed from the first `next` to the last batch, so the workers'
start-up at each epoch (what `persistent_workers=False`, the default,
costs) counts, as it does for a user.
"""

from __future__ import annotations

import time
from typing import Dict


def throughput_session(params: Dict) -> Dict:
    """Params: folder, batch, workers, warmup, repeats. Returns images/s of each timed epoch."""
    import torch
    from torchvision import datasets, transforms

    torch.set_num_threads(1)  # the decoding happens in the workers; the main process only collates
    to_tensor = transforms.Compose(
        [transforms.Resize((32, 32), interpolation=transforms.InterpolationMode.BILINEAR), transforms.PILToTensor()]
    )
    folder = datasets.ImageFolder(params["folder"], transform=lambda image: to_tensor(image.convert("RGB")).float())
    generator = torch.Generator().manual_seed(0)
    loader = torch.utils.data.DataLoader(
        folder, batch_size=int(params["batch"]), shuffle=True, num_workers=int(params["workers"]), generator=generator
    )
    rates = []
    for _ in range(params["warmup"] + params["repeats"]):
        started = time.perf_counter()
        seen = sum(len(targets) for _, targets in loader)
        rates.append(seen / (time.perf_counter() - started))
    return {"rates": rates[params["warmup"] :], "torch": torch.__version__, "images": len(folder)}
