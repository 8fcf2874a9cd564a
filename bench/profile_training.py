# bench.py --train-profile MODEL: where the generated training step spends its time. Runs the model's training C
# (batch 128) through its net_train_profile (the time of every layer function of the training graph), and prints
# the time by kind of op (conv2d_grad_weight 3x3/1, batchnorm_grad_input, ...), then the slowest layers.
import json
import os
import statistics

import machine
import models
import training
from profile_layers import DUMP_LINE

# Ops whose time is the convolutions' and linear layers' products; everything else sweeps over activations.
PRODUCTS = ('conv2d', 'conv2d_grad_input', 'conv2d_grad_weight', 'linear', 'linear_grad_input', 'linear_grad_weight')


def _kinds(netc, model_path):
    """{value: kind} of the training graph: the op's mnemonic, with a conv's kernel and stride."""
    kinds = {}
    dump = models.run([netc, 'dump', model_path, '--train', '--batch', str(training.BATCH)])
    for line in dump.splitlines():
        match = DUMP_LINE.match(line)
        if not match:
            continue
        name, _, op, attributes = match.groups()
        fields = dict(item.split('=', 1) for item in attributes.split() if '=' in item)
        if op.startswith('conv2d'):
            op += f" {fields['kernel']}/{fields['stride'].split('x')[0]}"
        kinds[name] = op
    return kinds


def run(name, netc, repo, work, steps, threads, log):
    model_path = os.path.join(repo, 'Models', name + '.net')
    if not os.path.exists(model_path):
        raise SystemExit(f'bench: no model {model_path}')
    log(f'training {name}: preparing')
    job = training._prepare(name, netc, repo, work, log)
    if 'driver' not in job:
        raise SystemExit(f"bench: {job['netc_error']}")
    log(f'training {name}: {steps} profiled steps on {threads} thread(s)')
    load = machine.load_average()
    result = training._run_driver(job['driver'], job, threads, steps, profile=True)
    kinds = _kinds(netc, model_path)
    rows = [{'layer': layer, 'kind': kinds.get(layer, '?'), 'ms': seconds * 1e3} for layer, seconds in result['layers']]
    step_ms = statistics.median(result['times']) * 1e3
    print(_report(name, rows, step_ms, len(result['times']), threads, load, machine.load_average()))
    path = os.path.join(work, f'train_profile_{name}_{threads}t.json')
    with open(path, 'w') as f:
        json.dump({'model': name, 'threads': threads, 'batch': training.BATCH, 'step_ms': step_ms, 'layers': rows},
                  f, indent=1)
    log(f'wrote {path}')


def _report(name, rows, step_ms, steps, threads, load_before, load_after):
    total = sum(r['ms'] for r in rows) or 1e-9
    lines = [f'{name} training step, batch {training.BATCH}, {threads} thread(s): {step_ms:.1f} ms (median of {steps} '
             f'steps, {training.BATCH / step_ms * 1e3:.0f} img/s); the layers\' medians add up to {total:.1f} ms (the '
             f'rest: the SGD update and time slices lost to other processes; load average {load_before} before, '
             f'{load_after} after)', '', f"{'kind':<28} {'layers':>6} {'ms':>9} {'% time':>7}"]
    kinds = {}
    for r in rows:
        count, ms = kinds.get(r['kind'], (0, 0.0))
        kinds[r['kind']] = (count + 1, ms + r['ms'])
    for kind, (count, ms) in sorted(kinds.items(), key=lambda item: -item[1][1]):
        lines.append(f'{kind:<28} {count:>6} {ms:>9.2f} {100 * ms / total:>6.1f}%')
    sweeps = sum(r['ms'] for r in rows if r['kind'].split()[0] not in PRODUCTS)
    lines += ['', f'products (conv, linear and their gradients) {total - sweeps:.1f} ms '
              f'({100 * (total - sweeps) / total:.1f}%), everything else {sweeps:.1f} ms ({100 * sweeps / total:.1f}%)',
              '', 'slowest layers:', f"{'layer':<36} {'kind':<28} {'ms':>9} {'% time':>7}"]
    for r in sorted(rows, key=lambda r: -r['ms'])[:25]:
        lines.append(f"{r['layer']:<36} {r['kind']:<28} {r['ms']:>9.3f} {100 * r['ms'] / total:>6.1f}%")
    return '\n'.join(lines)
