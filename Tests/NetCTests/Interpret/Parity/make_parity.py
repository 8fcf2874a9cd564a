#!/usr/bin/env python3
# Makes the PyTorch parity fixtures the Swift ParityTests compare the interpreter against: for each zoo net,
# `netc init-weights --seed S --randomize-bn` writes weights, the same net built in PyTorch (torchvision's,
# or written here with the zoo's module names) loads them strictly and runs a seeded input in float64; the
# input and the logits are saved as small .npy files with a manifest. Weights are not committed: the test
# re-creates them from the seed. Not run in CI.
#
# Usage, from anywhere (needs torch, torchvision, numpy, safetensors; the repository's venv has them):
#   swift build -c release && /work/venv/bin/python Tests/NetCTests/Interpret/Parity/make_parity.py

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from safetensors import safe_open
from safetensors.torch import load_file

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
# Bump when the fixture layout or the meaning of a field changes; the Swift test checks it.
FORMAT = 1

# name, model file, input [C, H, W], seed, input standard deviation. Reduced sizes keep the Swift test fast
# (3x64x64 for ImageNet nets; AlexNet as published needs 99x99 for its last pool to have an output). The
# paper's AlexNet took mean-subtracted raw pixel values, the scale its LRN constants (k = 2, alpha = 1e-4)
# were chosen for: at unit scale the LRN would barely change anything and the test could not check it.
MODELS = [
    ("resnet18", "Models/resnet18.net", [3, 64, 64], 18, 1.0),
    ("resnet50", "Models/resnet50.net", [3, 64, 64], 50, 1.0),
    ("resnext50_32x4d", "Models/resnext50_32x4d.net", [3, 64, 64], 5032, 1.0),
    ("alexnet", "Models/alexnet.net", [3, 64, 64], 1012, 1.0),
    ("resnet20", "Models/resnet20.net", [3, 32, 32], 20, 1.0),
    ("alexnet_paper", "Models/alexnet_paper.net", [3, 99, 99], 2012, 60.0),
]
BATCH = 2


class CifarBasicBlock(nn.Module):
    """The ResNet paper's CIFAR block with an option A shortcut: subsample, zero-pad channels evenly."""

    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.stride = stride
        self.extra = planes - inplanes

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x[:, :, :: self.stride, :: self.stride]
        if self.extra:
            shortcut = F.pad(shortcut, (0, 0, 0, 0, self.extra // 2, self.extra - self.extra // 2))
        return F.relu(out + shortcut)


class CifarResNet(nn.Module):
    def __init__(self, n, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        stages, inplanes = [], 16
        for planes, stride in [(16, 1), (32, 2), (64, 2)]:
            blocks = []
            for i in range(n):
                blocks.append(CifarBasicBlock(inplanes, planes, stride if i == 0 else 1))
                inplanes = planes
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = stages
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class ConvGroup(nn.Module):
    """AlexNet paper's conv group; its LRN has alpha not divided by size, so PyTorch's alpha is alpha * size."""

    def __init__(self, inplanes, out, kernel, stride=1, pad=0, groups=1, norm=False, pool=False):
        super().__init__()
        self.conv = nn.Conv2d(inplanes, out, kernel, stride, pad, groups=groups)
        self.norm = nn.LocalResponseNorm(5, alpha=1e-4 * 5, beta=0.75, k=2.0) if norm else None
        self.pool = nn.MaxPool2d(3, 2) if pool else None

    def forward(self, x):
        x = F.relu(self.conv(x))
        if self.norm is not None:
            x = self.norm(x)
        return self.pool(x) if self.pool is not None else x


class AlexNetPaper(nn.Module):
    def __init__(self, features):
        super().__init__()
        self.conv1 = ConvGroup(3, 96, 11, stride=4, norm=True, pool=True)
        self.conv2 = ConvGroup(96, 256, 5, pad=2, groups=2, norm=True, pool=True)
        self.conv3 = ConvGroup(256, 384, 3, pad=1)
        self.conv4 = ConvGroup(384, 384, 3, pad=1, groups=2)
        self.conv5 = ConvGroup(384, 256, 3, pad=1, groups=2, pool=True)
        self.fc6 = nn.Linear(features, 4096)
        self.fc7 = nn.Linear(4096, 4096)
        self.fc8 = nn.Linear(4096, 1000)

    def forward(self, x):
        x = self.conv5(self.conv4(self.conv3(self.conv2(self.conv1(x)))))
        x = torch.flatten(x, 1)
        return self.fc8(F.relu(self.fc7(F.relu(self.fc6(x)))))


def build(name, input_shape):
    if name == "resnet20":
        return CifarResNet(3)
    if name == "alexnet_paper":
        # The flattened size depends on the input size (no adaptive pool in the paper's net).
        with torch.no_grad():
            probe = AlexNetPaper(1)
            size = probe.conv5(probe.conv4(probe.conv3(probe.conv2(probe.conv1(torch.zeros(1, *input_shape))))))
        return AlexNetPaper(size.numel())
    return getattr(torchvision.models, name)(weights=None)


def load_strictly(model, path):
    """Every tensor of the file is a parameter of the model and every parameter is in the file, except
    num_batches_tracked, which netc does not write and inference does not read."""
    missing, unexpected = model.load_state_dict(load_file(path), strict=False)
    stray = [key for key in missing if not key.endswith("num_batches_tracked")]
    if stray or unexpected:
        sys.exit(f"error: {path}: missing {stray}, unexpected {unexpected}")


def main():
    parser = argparse.ArgumentParser(description="Make the PyTorch parity fixtures of the interpreter.")
    parser.add_argument("--netc", default=str(ROOT / ".build/release/netc"), help="the netc executable")
    args = parser.parse_args()
    torch.manual_seed(0)
    entries = []
    scheme = None
    with tempfile.TemporaryDirectory() as scratch:
        for name, model_file, input_shape, seed, scale in MODELS:
            weights = Path(scratch) / f"{name}.safetensors"
            size = "x".join(map(str, input_shape))
            subprocess.run(
                [args.netc, "init-weights", str(ROOT / model_file), "-o", str(weights), "--seed", str(seed),
                 "--randomize-bn", "--batch", str(BATCH), "--input", size],
                check=True)
            with safe_open(str(weights), "pt") as file:
                metadata = file.metadata()
            scheme = metadata["netc.init"]
            model = build(name, input_shape)
            load_strictly(model, weights)
            # float64 makes PyTorch's result exact to ~1e-15, so the test measures the interpreter alone.
            model = model.double().eval()
            generator = torch.Generator().manual_seed(seed)
            x = torch.randn(BATCH, *input_shape, generator=generator, dtype=torch.float32) * scale
            with torch.no_grad():
                logits = model(x.double())
            state = load_file(weights)
            abs_sum = float(sum(t.double().abs().sum() for t in state.values()))
            np.save(HERE / f"{name}_input.npy", x.numpy())
            np.save(HERE / f"{name}_logits.npy", logits.float().numpy())
            entries.append({
                "name": name, "model": model_file, "seed": seed, "batch": BATCH, "input": input_shape,
                "input_scale": scale, "weights_abs_sum": abs_sum,
            })
            print(f"{name}: logits max |{logits.abs().max().item():.4g}|, weights |sum| {abs_sum:.6g}")
    manifest = {
        "format": FORMAT, "netc_init": scheme, "torch": torch.__version__,
        "torchvision": torchvision.__version__, "models": entries,
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
