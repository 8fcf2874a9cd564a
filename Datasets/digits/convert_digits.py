#!/usr/bin/env python3
# Converts scikit-learn's handwritten digits (1,797 8x8 images, 16 grey levels, UCI's optdigits test set) to
# the CIFAR-10 binary layout `netc train` reads: records of 1 label byte + 3072 pixel bytes (32x32, red plane,
# green, blue). Each image is upscaled 4x by repeating pixels, grey levels 0..16 become 0..255, and the three
# channels are equal. The split is fixed: per class, a seeded shuffle puts 20% in the test set.
#
# Usage (needs numpy and scikit-learn: /work/venv/bin/pip install scikit-learn):
#   /work/venv/bin/python Datasets/digits/convert_digits.py
# writes data_batch_1.bin (training) and test_batch.bin next to this script; the same bytes on every run.

from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

HERE = Path(__file__).resolve().parent
SEED = 2024
TEST_FRACTION = 0.2


def records(images, labels):
    upscaled = np.kron(images, np.ones((1, 4, 4)))  # [n, 32, 32]
    pixels = np.rint(upscaled * 255.0 / 16.0).astype(np.uint8)
    planes = np.repeat(pixels[:, None, :, :], 3, axis=1).reshape(len(labels), 3072)
    return np.concatenate([labels.astype(np.uint8)[:, None], planes], axis=1).tobytes()


def main():
    digits = load_digits()
    images, labels = digits.images, digits.target
    random = np.random.RandomState(SEED)
    test = np.zeros(len(labels), dtype=bool)
    for digit in range(10):
        members = np.flatnonzero(labels == digit)
        chosen = random.permutation(members)[: int(round(len(members) * TEST_FRACTION))]
        test[chosen] = True
    train_order = random.permutation(np.flatnonzero(~test))
    test_order = np.flatnonzero(test)
    (HERE / "data_batch_1.bin").write_bytes(records(images[train_order], labels[train_order]))
    (HERE / "test_batch.bin").write_bytes(records(images[test_order], labels[test_order]))
    print(f"{len(train_order)} training and {len(test_order)} test images in {HERE}")


if __name__ == "__main__":
    main()
