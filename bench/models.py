# The benchmark's models and what each engine needs for them, made from one set of netc weights: the weights and
# the generated C with its driver (netc), the PyTorch model and a float64 reference output (PyTorch), ONNX
# (ONNX Runtime, OpenVINO) and ncnn files converted by pnnx (ncnn). Everything goes to bench/work/<model>/.
import hashlib
import json
import os
import subprocess
import types
from dataclasses import dataclass

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
WEIGHTS_SEED = 1  # netc init-weights --seed; the input has its own seed
INPUT_SEED = 2


@dataclass(frozen=True)
class Model:
    net: str  # Models/<net>.net
    torchvision: str | None  # torchvision.models.<name>, or None for netc's emitted module
    size: int  # input height and width
    warm: int  # untimed runs at the start of each timing block (the previous engine cooled the caches)
    runs: int  # timed runs per block: blocks of about 0.3 s for the 224x224 nets


MODELS = {
    'resnet50': Model('resnet50', 'resnet50', 224, 1, 3),
    'resnet152': Model('resnet152', 'resnet152', 224, 1, 3),
    'resnext50_32x4d': Model('resnext50_32x4d', 'resnext50_32x4d', 224, 1, 3),
    'alexnet': Model('alexnet', 'alexnet', 224, 2, 5),
    'resnet20': Model('resnet20', None, 32, 20, 25),
}


def run(command, cwd=None):
    """Runs a command; raises RuntimeError with the end of its output when it fails."""
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode:
        text = (done.stderr or done.stdout).strip()
        raise RuntimeError(f'{os.path.basename(command[0])} {command[1]} failed ({done.returncode}): {text[-600:]}')
    return done.stdout


def build_driver(netc, repo, net, directory):
    """netc compile --prefix net, then driver.c linked with it at clang -O3 -march=native, with the generated
    file's threads; the driver's path."""
    os.makedirs(directory, exist_ok=True)
    source, header = os.path.join(directory, 'net.c'), os.path.join(directory, 'net.h')
    run([netc, 'compile', os.path.join(repo, 'Models', net + '.net'), '--prefix', 'net', '-o', source,
         '--header', header])
    driver = os.path.join(directory, 'driver')
    run(['clang', '-std=c11', '-O3', '-march=native', '-pthread', '-DNET_THREADS', '-I', directory,
         os.path.join(HERE, 'driver.c'), source, '-lm', '-o', driver])
    return driver


def netc_weights(netc, repo, net, directory, batch=None):
    """Seeded weights with randomized batch norms (running statistics calibrated on a seeded input), so that
    folded batch norms are exercised and the logits stay well scaled."""
    path = os.path.join(directory, 'weights.safetensors')
    run([netc, 'init-weights', os.path.join(repo, 'Models', net + '.net'), '-o', path, '--seed', str(WEIGHTS_SEED),
         '--randomize-bn'] + (['--batch', str(batch)] if batch else []))
    return path


def emitted_module(netc, repo, net, directory):
    path = os.path.join(directory, 'model.py')
    run([netc, 'emit', 'pytorch', os.path.join(repo, 'Models', net + '.net'), '-o', path])
    return path


def _version(package):
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _digest(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def prepare(name, netc, repo, work, log):
    """The job of one model: paths and facts the engines' workers read. A step that fails for one engine is
    recorded in the job (and that engine reported as failed) instead of stopping the benchmark."""
    spec = MODELS[name]
    directory = os.path.join(work, name)
    os.makedirs(directory, exist_ok=True)
    job = {'name': name, 'dir': directory, 'torchvision': spec.torchvision, 'size': spec.size,
           'warm': spec.warm, 'runs': spec.runs,
           'weights': netc_weights(netc, repo, spec.net, directory), 'driver': None, 'onnx': None}
    summary = json.loads(run([netc, 'summary', os.path.join(repo, 'Models', spec.net + '.net'), '--json']))
    job['macs'] = summary['macs']
    job['params'] = summary['params']
    x = np.random.default_rng(INPUT_SEED).standard_normal((1, 3, spec.size, spec.size), dtype=np.float32)
    job['input'], job['input_bin'] = os.path.join(directory, 'x.npy'), os.path.join(directory, 'x.bin')
    np.save(job['input'], x)
    x.tofile(job['input_bin'])
    if not spec.torchvision:
        job['module'] = emitted_module(netc, repo, spec.net, directory)
    try:
        log(f'  {name}: netc compile and clang -O3 -march=native')
        job['driver'] = build_driver(netc, repo, spec.net, os.path.join(directory, 'netc'))
    except RuntimeError as error:
        job['netc_error'] = str(error)
    _prepare_peers(job, log)
    return job


def _prepare_peers(job, log):
    """The float64 reference, ONNX and ncnn files, remade only when the weights or the exporters changed."""
    import torch
    directory = job['dir']
    key = {'weights': _digest(job['weights']), 'torch': torch.__version__, 'pnnx': _version('pnnx'),
           'module': _digest(job['module']) if job.get('module') else None, 'bench': _digest(__file__)}
    stamp = os.path.join(directory, 'peers.json')
    paths = {'reference': os.path.join(directory, 'y_reference.npy'), 'onnx': os.path.join(directory, 'model.onnx'),
             'ncnn_param': os.path.join(directory, 'ncnn', 'model.ncnn.param'),
             'ncnn_bin': os.path.join(directory, 'ncnn', 'model.ncnn.bin')}
    cached = json.load(open(stamp)) if os.path.exists(stamp) else {}
    if cached.get('key') != key:
        log(f'  {job["name"]}: PyTorch float64 reference, ONNX export, pnnx conversion')
        cached = {'key': key, 'errors': _export(job, paths)}
        with open(stamp, 'w') as f:
            json.dump(cached, f, indent=1)
    job['reference'] = paths['reference']
    errors = cached['errors']
    if 'onnx' in errors:
        job['onnx_error'] = errors['onnx']
    else:
        job['onnx'] = paths['onnx']
    if 'ncnn' in errors:
        job['ncnn_error'] = errors['ncnn']
    else:
        job['ncnn_param'], job['ncnn_bin'] = paths['ncnn_param'], paths['ncnn_bin']


def _export(job, paths):
    import warnings

    import torch
    from engines import torch_model
    warnings.filterwarnings('ignore')  # the exporters' deprecation and constant-folding notes are not results
    errors = {}
    model = torch_model(job)
    x = torch.from_numpy(np.load(job['input']))
    with torch.no_grad():
        np.save(paths['reference'], model.to(torch.float64)(x.to(torch.float64)).numpy())
    model = model.to(torch.float32)
    try:
        torch.onnx.export(model, x, paths['onnx'], input_names=['x'], output_names=['y'], dynamo=False)
    except Exception as error:  # reported as the ONNX engines' failure
        errors['onnx'] = f'torch.onnx.export failed: {type(error).__name__}: {error}'[:500]
    try:
        _convert_ncnn(model, x, os.path.dirname(paths['ncnn_param']), job['size'])
        if not os.path.exists(paths['ncnn_bin']):
            raise RuntimeError('pnnx wrote no ncnn files')
    except Exception as error:
        errors['ncnn'] = f'{type(error).__name__}: {error}'[:500]
    return errors


def _convert_ncnn(model, x, directory, size):
    """TorchScript trace, then pnnx with fp16=0: pnnx stores ncnn weights as fp16 unless told otherwise."""
    import torch
    import pnnx
    os.makedirs(directory, exist_ok=True)
    with torch.no_grad():
        torch.jit.trace(_ncnn_traceable(model), x).save(os.path.join(directory, 'model.pt'))
    done = subprocess.run([pnnx.EXEC_PATH, 'model.pt', f'inputshape=[1,3,{size},{size}]f32', 'fp16=0',
                           'ncnnparam=model.ncnn.param', 'ncnnbin=model.ncnn.bin'],
                          cwd=directory, capture_output=True, text=True)
    unsupported = [line for line in done.stdout.splitlines() if 'not supported' in line]
    if done.returncode or unsupported:
        raise RuntimeError(f'pnnx failed ({done.returncode}): {(unsupported or [done.stderr[-400:]])[0]}')


def _ncnn_traceable(model):
    """pnnx cannot lower option A's strided slice x[:, :, ::2, ::2] ("slice with step 2 is not supported"); for
    its trace only, the subsampling is a 1x1 max pool of the same stride, which is the same function."""
    import torch.nn.functional as F

    def forward(self, x):
        if self.stride != 1:
            x = F.max_pool2d(x, 1, self.stride)
        before = (self.channels - x.shape[1]) // 2
        return F.pad(x, (0, 0, 0, 0, before, self.channels - x.shape[1] - before))
    for module in model.modules():
        if type(module).__name__ == 'ShortcutA':
            module.forward = types.MethodType(forward, module)
    return model

