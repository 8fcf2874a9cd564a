# Checks and runs the ONNX files `netc export onnx` writes, for ONNXExportTests (needs onnx and onnxruntime).
#
#   onnx_driver.py JOB...  for each JOB directory: validate model.onnx with the onnx checker (full_check, which
#                          also infers every shape), then run input.npy through ONNX Runtime -> output.npy
import os
import sys

import numpy as np
import onnx
import onnxruntime


def run(job):
    path = os.path.join(job, "model.onnx")
    onnx.checker.check_model(onnx.load(path), full_check=True)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    (output,) = session.run(None, {session.get_inputs()[0].name: np.load(os.path.join(job, "input.npy"))})
    np.save(os.path.join(job, "output.npy"), output)


if __name__ == "__main__":
    for job in sys.argv[1:]:
        run(job)
