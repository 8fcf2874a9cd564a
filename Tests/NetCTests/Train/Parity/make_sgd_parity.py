#!/usr/bin/env python3
# Makes the fixture the Swift SGDParityTests compare netc's training step against: CIFAR ResNet-20 in PyTorch
# with the zoo's module names (the class of ../../Interpret/Parity/make_parity.py), on the weights
# `netc init-weights --seed 20` wrote, takes three SGD steps (lr 0.1, momentum 0.9, weight decay 1e-4) in
# training mode on one seeded batch of 8 in float64. Saved (as float32 safetensors): the batch and labels, the
# loss of each step, every parameter and running statistic after step 1 and after step 3, and the step-1
# gradients and step-3 momentum buffers of a few representative tensors. Weights are not committed: the test
# re-creates them from the seed. Not run in CI.
#
# Usage (torch, numpy, safetensors; the repository's venv has them):
#   swift build -c release && /work/venv/bin/python Tests/NetCTests/Train/Parity/make_sgd_parity.py

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
sys.path.insert(0, str(ROOT / "Tests/NetCTests/Interpret/Parity"))
from make_parity import CifarResNet, load_strictly  # noqa: E402

FORMAT = 1
SEED = 20
BATCH = 8
STEPS = 3
LR, MOMENTUM, WEIGHT_DECAY = 0.1, 0.9, 1e-4
REPRESENTATIVE = ["conv1.weight", "layer2.0.conv1.weight", "layer3.2.bn2.weight", "layer3.2.bn2.bias", "fc.weight",
                  "fc.bias"]


def state(model):
    """Parameters and running statistics under their state_dict names, as float32."""
    return {k: v.detach().float().clone() for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}


def main():
    parser = argparse.ArgumentParser(description="Make the PyTorch SGD parity fixture of netc's training step.")
    parser.add_argument("--netc", default=str(ROOT / ".build/release/netc"), help="the netc executable")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        weights = Path(scratch) / "resnet20.safetensors"
        subprocess.run(
            [args.netc, "init-weights", str(ROOT / "Models/resnet20.net"), "-o", str(weights), "--seed", str(SEED),
             "--batch", str(BATCH)], check=True)
        model = CifarResNet(3)
        load_strictly(model, weights)
        initial = load_file(weights)
    abs_sum = float(sum(t.double().abs().sum() for t in initial.values()))
    model = model.double().train()
    generator = torch.Generator().manual_seed(SEED)
    x = torch.randn(BATCH, 3, 32, 32, generator=generator, dtype=torch.float32)
    y = torch.randint(0, 10, (BATCH,), generator=generator)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
    names = {p: n for n, p in model.named_parameters()}
    fixture = {"input": x, "labels": y.float()}
    losses = []
    for step in range(1, STEPS + 1):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x.double()), y)
        loss.backward()
        if step == 1:
            for p, n in names.items():
                if n in REPRESENTATIVE:
                    fixture[f"grad1.{n}"] = p.grad.detach().float().clone()
        optimizer.step()
        losses.append(loss.item())
        if step in (1, STEPS):
            fixture.update({f"step{step}.{k}": v for k, v in state(model).items()})
    for p, n in names.items():
        if n in REPRESENTATIVE:
            fixture[f"momentum{STEPS}.{n}"] = optimizer.state[p]["momentum_buffer"].detach().float().clone()
    fixture["loss"] = torch.tensor(losses, dtype=torch.float32)
    metadata = {
        "format": str(FORMAT), "seed": str(SEED), "batch": str(BATCH), "steps": str(STEPS), "lr": str(LR),
        "momentum": str(MOMENTUM), "weight_decay": str(WEIGHT_DECAY), "weights_abs_sum": repr(abs_sum),
        "torch": torch.__version__,
    }
    save_file({k: v.contiguous() for k, v in fixture.items()}, str(HERE / "resnet20_sgd.safetensors"), metadata)
    print(json.dumps({"loss": losses, "weights_abs_sum": abs_sum}))


if __name__ == "__main__":
    main()
