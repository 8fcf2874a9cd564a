# bench.py --profile MODEL: where the generated C spends its time. Runs the model's generated C through its
# net_profile (the time of every layer function), and prints every layer's median time and GFLOP/s, slowest
# first, then the same grouped by kind of layer (conv 3x3/1, conv 1x1/2, ...).
import json
import os
import re

import numpy as np

import machine
import models
from engines import NetcWorker

# One value of `netc dump`: "%layer1.0.conv2: f32[1,64,56,56] = conv2d(%layer1.0.conv1) out=64 kernel=3x3 ..."
DUMP_LINE = re.compile(r'^\s*%(\S+): \w+\[([\d,]+)\] = (\w+)\([^)]*\)(.*)$')


def _layer_kinds(netc, model_path):
    """{layer name: (kind, output shape)} from the optimized IR: 'conv 3x3/2', 'conv 3x3/1 g32', 'linear', ..."""
    kinds = {}
    for line in models.run([netc, 'dump', model_path]).splitlines():
        match = DUMP_LINE.match(line)
        if not match:
            continue
        name, shape, op, attributes = match.groups()
        fields = dict(re.findall(r'(\w+)=(\S+)', attributes))
        if op == 'conv2d':
            kind = f"conv {fields['kernel']}/{fields['stride'].split('x')[0]}"
            kind += f" g{fields['groups']}" if fields.get('groups', '1') != '1' else ''
        else:
            kind = op
        kinds[name] = (kind, 'x'.join(shape.split(',')[1:]))
    return kinds


def run(name, netc, repo, work, runs, threads, log):
    model_path = os.path.join(repo, 'Models', name + '.net')
    if not os.path.exists(model_path):
        raise SystemExit(f'bench: no model {model_path}')
    directory = os.path.join(work, 'profile_' + name)
    os.makedirs(directory, exist_ok=True)
    summary = json.loads(models.run([netc, 'summary', model_path, '--json']))
    x = np.random.default_rng(models.INPUT_SEED).standard_normal(summary['input'], dtype=np.float32)
    job = {'dir': directory, 'weights': models.netc_weights(netc, repo, name, directory),
           'input_bin': os.path.join(directory, 'x.bin')}
    x.tofile(job['input_bin'])
    log(f'{name}: netc compile, clang -O3 -march=native')
    job['driver'] = models.build_driver(netc, repo, name, os.path.join(directory, 'netc'))
    log('measuring the FMA peak')
    peak = machine.fma_peak(work)['per_core']
    worker = NetcWorker(threads, job)
    _, facts = worker.ready()
    worker.time(1, 1)
    whole, layers = worker.profile(runs)
    worker.close()
    kinds = _layer_kinds(netc, model_path)
    macs = {layer['name']: layer['macs'] for layer in summary['layers']}  # a fused conv keeps the conv's name
    rows = [{'layer': layer, 'kind': kinds.get(layer, ('?', '?'))[0], 'shape': kinds.get(layer, ('?', '?'))[1],
             'macs': macs.get(layer, 0), 'ms': seconds * 1e3} for layer, seconds in layers]
    whole_ms = whole * 1e3
    print(_report(name, rows, whole_ms, peak * facts['threads_used'], runs, facts['threads_used']))
    with open(os.path.join(work, f'profile_{name}.json'), 'w') as f:
        json.dump({'model': name, 'forward_ms': whole_ms, 'peak_gflops': peak, 'layers': rows}, f, indent=1)
    log(f'wrote {os.path.join(work, f"profile_{name}.json")}')


def _gflops(macs, ms):
    return 2 * macs / ms / 1e6 if ms > 0 else 0.0


def _report(name, rows, whole_ms, peak, runs, threads):
    total_ms = sum(r['ms'] for r in rows) or 1e-9
    lines = [f'{name} on {threads} thread(s): forward pass {whole_ms:.3f} ms (median of {runs} runs), the layers\' '
             f'medians add up to {total_ms:.3f} ms (the rest: time slices lost to other processes, load average '
             f'{" ".join(map(str, machine.load_average()))}); FMA peak {peak:.1f} GFLOP/s', '',
             f"{'layer':<28} {'kind':<16} {'output':<12} {'MMAC':>8} {'ms':>9} {'% time':>7} {'GFLOP/s':>8} "
             f"{'% peak':>7}"]
    for r in sorted(rows, key=lambda r: -r['ms']):
        gflops = _gflops(r['macs'], r['ms'])
        lines.append(f"{r['layer']:<28} {r['kind']:<16} {r['shape']:<12} {r['macs'] / 1e6:>8.1f} {r['ms']:>9.3f} "
                     f"{100 * r['ms'] / total_ms:>6.1f}% {gflops:>8.1f} {100 * gflops / peak:>6.1f}%")
    kinds = {}
    for r in rows:
        count, macs, ms = kinds.get(r['kind'], (0, 0, 0.0))
        kinds[r['kind']] = (count + 1, macs + r['macs'], ms + r['ms'])
    total_macs = sum(r['macs'] for r in rows) or 1
    lines += ['', 'by kind of layer:', f"{'kind':<16} {'layers':>6} {'% MACs':>7} {'ms':>9} {'% time':>7} "
              f"{'GFLOP/s':>8} {'% peak':>7}"]
    for kind, (count, macs, ms) in sorted(kinds.items(), key=lambda item: -item[1][2]):
        gflops = _gflops(macs, ms)
        lines.append(f'{kind:<16} {count:>6} {100 * macs / total_macs:>6.1f}% {ms:>9.3f} {100 * ms / total_ms:>6.1f}% '
                     f'{gflops:>8.1f} {100 * gflops / peak:>6.1f}%')
    return '\n'.join(lines)
