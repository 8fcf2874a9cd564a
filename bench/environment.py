# The benchmark's Python environment, bench/.venv: made with the system's python3 when missing, and completed
# with pip, one package at a time, so that a peer whose package fails to install is reported, not fatal.
# Standard library only: this runs before the environment exists.
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(HERE, '.venv')
# (import name, pip package); the first four are needed by every part of the benchmark.
REQUIRED = [('numpy', 'numpy'), ('torch', 'torch'), ('torchvision', 'torchvision'), ('safetensors', 'safetensors')]
# Without these, the engines that need them are reported as not installed.
OPTIONAL = [('onnx', 'onnx'), ('onnxruntime', 'onnxruntime'), ('openvino', 'openvino'), ('ncnn', 'ncnn'),
            ('pnnx', 'pnnx')]
STATUS = os.path.join(HERE, 'work', 'install.json')


def python():
    return os.path.join(VENV, 'bin', 'python')


def inside():
    """Whether this interpreter is bench/.venv's (which may be a link to a shared environment)."""
    return os.path.realpath(sys.prefix) == os.path.realpath(VENV)


def _importable(module):
    return subprocess.run([python(), '-c', f'import {module}'], capture_output=True).returncode == 0


def ensure(log):
    """Makes bench/.venv and installs what it lacks; writes which optional packages failed to install."""
    if os.environ.get('CI'):
        sys.exit('bench: the benchmark does not run in CI (it installs packages and takes an hour)')
    if not os.path.exists(python()):
        log(f'creating {VENV}')
        made = subprocess.run([sys.executable, '-m', 'venv', VENV])
        if made.returncode:
            sys.exit('bench: python3 -m venv failed; on Debian or Ubuntu: apt-get install python3-venv')
        subprocess.run([python(), '-m', 'pip', 'install', '--quiet', '--upgrade', 'pip'])
    failed = {}
    for module, package in REQUIRED + OPTIONAL:
        if _importable(module):
            continue
        log(f'pip install {package}')
        done = subprocess.run([python(), '-m', 'pip', 'install', '--quiet', package], capture_output=True, text=True)
        if done.returncode or not _importable(module):
            if (module, package) in REQUIRED:
                sys.exit(f'bench: pip install {package} failed:\n{done.stderr[-2000:]}')
            failed[package] = (done.stderr.strip().splitlines() or ['import failed after install'])[-1][:300]
    os.makedirs(os.path.dirname(STATUS), exist_ok=True)
    with open(STATUS, 'w') as f:
        json.dump(failed, f, indent=1)


def install_failures():
    """{package: pip's last line} for the optional packages that would not install, from the last ensure()."""
    try:
        with open(STATUS) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}
