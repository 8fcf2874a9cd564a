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


def _missing(modules):
    """The modules bench/.venv cannot import, checked in one interpreter (importing torch takes seconds)."""
    check = ('import importlib, sys\nfor name in sys.argv[1:]:\n    try:\n        importlib.import_module(name)\n'
             '    except Exception:\n        print(name)\n')
    done = subprocess.run([python(), '-c', check] + modules, capture_output=True, text=True)
    return set(done.stdout.split()) if done.returncode == 0 else set(modules)


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
    missing = _missing([module for module, _ in REQUIRED + OPTIONAL])
    for module, package in REQUIRED + OPTIONAL:
        if module not in missing:
            continue
        log(f'pip install {package}')
        done = subprocess.run([python(), '-m', 'pip', 'install', '--quiet', package], capture_output=True, text=True)
        if done.returncode or _missing([module]):
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
