# What the numbers were measured on: the CPU and its instruction-set extensions, the load from other processes,
# the engines' versions, and the machine's FMA peak measured in the same run (bench/peak.c).
import datetime
import json
import os
import platform
import re
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
# The /proc/cpuinfo flags that matter for FP32 convolution speed, in this order.
SIMD = ['sse4_2', 'avx', 'avx2', 'fma', 'f16c', 'avx512f', 'avx512dq', 'avx512cd', 'avx512bw', 'avx512vl',
        'avx512ifma', 'avx512vbmi', 'avx512_vbmi2', 'avx512_vnni', 'avx512_bitalg', 'avx512_vpopcntdq',
        'avx512_bf16', 'avx512_fp16', 'avx_vnni', 'amx_tile', 'amx_bf16', 'amx_int8', 'amx_fp16']


def _cpuinfo():
    fields = {}
    with open('/proc/cpuinfo') as f:
        for line in f:
            if ':' in line:
                key, value = (part.strip() for part in line.split(':', 1))
                fields.setdefault(key, value)
    return fields


def _cache_sizes():
    sizes = {}
    root = '/sys/devices/system/cpu/cpu0/cache'
    for index in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        read = lambda name: open(os.path.join(root, index, name)).read().strip()
        try:
            level, kind = read('level'), read('type')
            if kind != 'Instruction':
                sizes[f'L{level}'] = read('size')
        except OSError:
            continue
    return sizes


def load_average():
    return [round(value, 2) for value in os.getloadavg()]


def facts():
    cpu = _cpuinfo()
    flags = cpu.get('flags', '').split()
    return {'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
            'cpu': cpu.get('model name', platform.processor()),
            'cpu_id': f"vendor {cpu.get('vendor_id')}, family {cpu.get('cpu family')}, model {cpu.get('model')}, "
                      f"stepping {cpu.get('stepping')}",
            'hypervisor': 'hypervisor' in flags, 'cores': os.cpu_count(), 'caches': _cache_sizes(),
            'simd': [flag for flag in SIMD if flag in flags], 'flags': flags,
            'kernel': platform.release(), 'memory_gib': round(os.sysconf('SC_PAGE_SIZE')
                                                              * os.sysconf('SC_PHYS_PAGES') / 2**30, 1)}


def _first_line(command):
    try:
        return subprocess.run(command, capture_output=True, text=True).stdout.strip().splitlines()[0]
    except (OSError, IndexError):
        return None


def versions(repo, netc):
    from importlib.metadata import PackageNotFoundError, version
    found = {'python': platform.python_version(), 'clang': _first_line(['clang', '--version']),
             'netc': _first_line([netc, '--version']), 'netc_binary': netc,
             'netc_commit': _first_line(['git', '-C', repo, 'log', '-1', '--format=%h %cs %s'])}
    dirty = subprocess.run(['git', '-C', repo, 'status', '--porcelain', '--', 'Sources', 'Models'],
                           capture_output=True, text=True).stdout.strip()
    if dirty:
        found['netc_commit'] += ' (with uncommitted changes)'
    for package in ['numpy', 'torch', 'torchvision', 'onnx', 'onnxruntime', 'openvino', 'ncnn', 'pnnx',
                    'safetensors']:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found


def fma_peak(work):
    """GFLOP/s of independent FMA chains (bench/peak.c): avx2_1t, avx2_2t and, where the CPU has AVX-512,
    avx512_1t/2t, over wall time and over CPU time (_cpu). 'per_core' is the best 1-thread figure over CPU time,
    the peak of one core whatever else runs on the machine, which '% of peak' divides by (times the threads)."""
    binary = os.path.join(work, 'peak')
    subprocess.run(['clang', '-O3', '-march=native', '-pthread', os.path.join(HERE, 'peak.c'), '-o', binary],
                   check=True)
    peak = json.loads(subprocess.run([binary], capture_output=True, text=True, check=True).stdout)
    peak['per_core'] = max(value for key, value in peak.items() if key.endswith('_1t_cpu'))
    return peak


def simd_summary(simd):
    """'avx2 fma avx512f … amx_bf16' without the avx512 subsets that add nothing to read."""
    return ' '.join(flag for flag in simd if not re.fullmatch(r'avx512(dq|cd|bw|vl)', flag))
