"""Train one tiny run for the DDP test: ``torchrun --nproc_per_node K ddp_train.py STORE``.

Every rank calls :func:`rmtdiff.nets.runs.train_run` with the same arguments (rank 0 writes the run
folder under ``STORE``). With K = 1, or plain ``python``, this is the single-process reference.
"""

import sys

import numpy as np
import torch

from rmtdiff.nets import distributed

from rmtdiff.nets import networks

from rmtdiff.nets import runs

from rmtdiff.nets import training

NET = networks.network_preset("unet", "tiny", image_size=8)
TRAIN = training.TrainConfig(steps=12, batch_size=8, lr=1e-3, checkpoint_every=6, eval_images=8)


def main(store: str) -> None:
    torch.set_num_threads(1)
    distributed.init_from_env()
    images = np.random.default_rng(0).uniform(-1, 1, (32, 1, 8, 8)).astype(np.float32)
    held_out = np.random.default_rng(1).uniform(-1, 1, (8, 1, 8, 8)).astype(np.float32)
    run = runs.train_run(store, NET, TRAIN, images, held_out, range(4), {"test": "ddp"})
    print(f"rank {distributed.world()[0]} done: {run.path.name}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
