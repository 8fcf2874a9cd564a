# Runs the PyTorch modules `netc emit pytorch` writes, for PyTorchParityTests (needs torch and safetensors).
#
#   pytorch_driver.py run JOB...  for each JOB directory: load model.py's Network, load weights.safetensors with
#                                 strict=True, run input.npy in eval mode -> output.npy, and save the module's own
#                                 state_dict -> state_dict.safetensors (the PyTorch -> netc direction)
#   pytorch_driver.py run64 JOB...  the same in float64 -> output64.npy: exact arithmetic, as a yardstick for how
#                                 much float32 rounding alone moves an ill-conditioned net's output
#   pytorch_driver.py ddp JOB     train model.py's Network for a few SGD steps under DistributedDataParallel (one
#                                 CPU process, gloo), starting from weights.safetensors; save the trained
#                                 state_dict -> trained.safetensors and its eval-mode output on input.npy -> output.npy
import importlib.util
import os
import sys

import numpy as np
import torch
import torch.distributed as dist
from safetensors.torch import load_file, save_file
from torch.nn.parallel import DistributedDataParallel


def load_network(job):
    spec = importlib.util.spec_from_file_location("generated_model", os.path.join(job, "model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    network = module.Network()
    network.load_state_dict(load_file(os.path.join(job, "weights.safetensors")), strict=True)
    return network


def evaluate(network, job, dtype=torch.float32, name="output.npy"):
    network.eval()
    with torch.no_grad():
        output = network.to(dtype)(torch.from_numpy(np.load(os.path.join(job, "input.npy"))).to(dtype))
    # Saved as float32 (what netc reads): rounding the exact result once costs 6e-8 relative at most.
    np.save(os.path.join(job, name), output.numpy().astype(np.float32))


def run(jobs):
    for job in jobs:
        network = load_network(job)
        evaluate(network, job)
        save_file(network.state_dict(), os.path.join(job, "state_dict.safetensors"))


def run64(jobs):
    for job in jobs:
        evaluate(load_network(job), job, torch.float64, "output64.npy")


def ddp(job):
    dist.init_process_group("gloo", init_method="file://" + os.path.join(job, "rendezvous"), rank=0, world_size=1)
    network = load_network(job)
    model = DistributedDataParallel(network)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    generator = torch.Generator().manual_seed(0)
    model.train()
    for _ in range(3):
        images = torch.randn(8, *np.load(os.path.join(job, "input.npy")).shape[1:], generator=generator)
        labels = torch.randint(0, 10, (8,), generator=generator)
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(images), labels).backward()
        optimizer.step()
    # Trained weights leave DDP through its wrapped module, so their names carry no 'module.' prefix.
    save_file(model.module.state_dict(), os.path.join(job, "trained.safetensors"))
    evaluate(model.module, job)
    dist.destroy_process_group()


if __name__ == "__main__":
    torch.set_num_threads(2)
    if sys.argv[1] == "run":
        run(sys.argv[2:])
    elif sys.argv[1] == "run64":
        run64(sys.argv[2:])
    elif sys.argv[1] == "ddp":
        ddp(sys.argv[2])
    else:
        sys.exit(f"unknown mode {sys.argv[1]}")
