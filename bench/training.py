# Training rows: the CIFAR ResNets' SGD step at batch 128 in netc's generated C (netc compile --train, timed by
# bench/train_driver.c) and in PyTorch, from the same netc weights on the same batch, one process per measurement.
# img/s from the median step; memory = peak RSS during training minus the RSS just before the first step.
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
BATCH = 128
WARM = 2
BUDGET_S = 60  # a process stops timing after 3 steps once its timed steps took this long
SGD = {'lr': 0.1, 'momentum': 0.9, 'weight_decay': 1e-4}


def _prepare(name, netc, repo, work, log, baseline=None):
    """The weights, module, batch and training driver of one model; with baseline (another netc binary), also
    that netc's driver, from the same weights and batch, as job['baseline_driver']."""
    import models
    directory = os.path.join(work, 'train_' + name)
    os.makedirs(directory, exist_ok=True)
    job = {'dir': directory, 'weights': models.netc_weights(netc, repo, name, directory),
           'module': models.emitted_module(netc, repo, name, directory),
           'input': os.path.join(directory, 'x.bin'), 'labels': os.path.join(directory, 'labels.bin')}
    rng = np.random.default_rng(models.INPUT_SEED)
    rng.standard_normal((BATCH, 3, 32, 32), dtype=np.float32).tofile(job['input'])
    rng.integers(0, 10, BATCH, dtype=np.int32).tofile(job['labels'])
    for key, binary, folder in (('driver', netc, directory), ('baseline_driver', baseline, directory + '_baseline')):
        if binary is None:
            continue
        driver, error = _build_step(binary, repo, name, folder, log)
        if driver:
            job[key] = driver
        else:
            job['netc_error' if key == 'driver' else 'baseline_error'] = error
    return job


def _build_step(netc, repo, name, directory, log):
    """(the training driver built from netc's training C of the model, None), or (None, why not)."""
    os.makedirs(directory, exist_ok=True)
    source, driver = os.path.join(directory, 'net.c'), os.path.join(directory, 'train_driver')
    compiled = subprocess.run([netc, 'compile', os.path.join(repo, 'Models', name + '.net'), '--train', '--batch',
                               str(BATCH), '--prefix', 'net', '-o', source, '--header',
                               os.path.join(directory, 'net.h')], capture_output=True, text=True)
    if compiled.returncode == 2 and '--train' in compiled.stderr:
        return None, ('this netc has no training back end yet (netc compile --train); the netc training rows are '
                      'left out until it is on main')
    if compiled.returncode:
        return None, f'netc compile --train failed: {compiled.stderr.strip()[-400:]}'
    log(f'  {name}: clang -O3 -march=native of the training step ({netc})')
    built = subprocess.run(['clang', '-std=c11', '-O3', '-march=native', '-DNET_THREADS', '-pthread', '-I',
                            directory, os.path.join(HERE, 'train_driver.c'), source, '-lm', '-o', driver],
                           capture_output=True, text=True)
    if built.returncode:
        return None, f'the training C did not build: {built.stderr.strip()[-400:]}'
    return driver, None


def _run_driver(driver, job, threads, steps, profile=False):
    done = subprocess.run([driver, job['weights'], job['input'], job['labels'], str(WARM), str(steps),
                           str(BUDGET_S), str(threads)] + (['profile'] if profile else []),
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stderr.strip()[-400:])
    first, *layers = done.stdout.splitlines()
    fields = dict(item.split('=') for item in first.split())
    result = {'times': [float(t) for t in fields['times'].split(',')], 'rss_before_kib': int(fields['rss_before']),
              'peak_kib': int(fields['peak']), 'first_loss': float(fields['first_loss']),
              'cpu_s': float(fields['cpu'])}
    if profile:
        result['layers'] = [(words[1], float(words[2])) for words in map(str.split, layers) if words[0] == 'layer']
    return result


def _run_netc(job, threads, steps):
    return _run_driver(job['driver'], job, threads, steps)


def _run_baseline(job, threads, steps):
    return _run_driver(job['baseline_driver'], job, threads, steps)


def _run_torch(job, threads, steps):
    done = subprocess.run([sys.executable, __file__, 'torch', json.dumps(job), str(threads), str(steps)],
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stderr.strip()[-400:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(names, threads, steps, passes, netc, repo, work, log, baseline=None):
    """{'rows': [...], 'notes': [...], 'runs': [...]}: passes interleave the configurations, so a slow spell of
    the shared machine does not fall on one of them only. With baseline (another netc binary), its training step
    is timed beside this one's, for before/after comparisons in one run."""
    jobs, runs, notes = {}, [], []
    for name in names:
        log(f'training {name}: preparing')
        jobs[name] = _prepare(name, netc, repo, work, log, baseline)
        for error in ('netc_error', 'baseline_error'):
            if error in jobs[name]:
                notes.append(f"{name}: {'baseline ' if error == 'baseline_error' else ''}{jobs[name][error]}")
    engines = [('netc', _run_netc, 'driver'), ('baseline', _run_baseline, 'baseline_driver'),
               ('torch', _run_torch, None)]
    for p in range(passes):
        for name in names:
            for t in threads:
                for engine, run, driver in engines:
                    if driver and driver not in jobs[name]:
                        continue
                    try:
                        result = run(jobs[name], t, steps)
                    except RuntimeError as error:
                        notes.append(f'{name} {engine} {t} thread(s), pass {p + 1}: failed: {error}')
                        continue
                    result.update(model=name, engine=engine, threads=t,
                                  img_per_s=BATCH / statistics.median(result['times']),
                                  cores_busy=result['cpu_s'] / sum(result['times']),
                                  train_memory_kib=result['peak_kib'] - result['rss_before_kib'])
                    runs.append(result)
                    log(f"  {name} {engine} {t}T pass {p + 1}: {result['img_per_s']:.0f} img/s, "
                        f"{result['cores_busy']:.2f} cores busy, {result['train_memory_kib'] / 1024:.0f} MiB, "
                        f"first loss {result['first_loss']:.5f}")
    return {'rows': _rows(names, threads, runs), 'notes': notes, 'runs': runs, 'batch': BATCH, 'sgd': SGD,
            'warm_steps': WARM, 'timed_steps': steps, 'budget_s': BUDGET_S, 'passes': passes}


def _rows(names, threads, runs):
    rows = []
    for name in names:
        for t in threads:
            pick = lambda engine: [r for r in runs if (r['model'], r['threads'], r['engine']) == (name, t, engine)]
            netc, torch = pick('netc'), pick('torch')
            if not torch:
                continue
            row = {'model': name, 'threads': t, 'batch': BATCH,
                   'img_per_s': {'torch': statistics.median(r['img_per_s'] for r in torch)},
                   'cores_busy': {'torch': statistics.median(r['cores_busy'] for r in torch)},
                   'train_memory_mib': {'torch': statistics.median(r['train_memory_kib'] for r in torch) / 1024},
                   'first_loss': {'torch': torch[0]['first_loss']}}
            # Without netc's training step, its figures are null rather than missing: the row says it was not run.
            row.update(netc_speedup_over_pytorch=None, netc_memory_over_pytorch=None)
            for figures in ('img_per_s', 'cores_busy', 'train_memory_mib', 'first_loss'):
                row[figures]['netc'] = None
            baseline = pick('baseline')
            if baseline:
                row['img_per_s']['baseline'] = statistics.median(r['img_per_s'] for r in baseline)
                row['cores_busy']['baseline'] = statistics.median(r['cores_busy'] for r in baseline)
            if netc:
                row['img_per_s']['netc'] = statistics.median(r['img_per_s'] for r in netc)
                row['cores_busy']['netc'] = statistics.median(r['cores_busy'] for r in netc)
                row['train_memory_mib']['netc'] = statistics.median(r['train_memory_kib'] for r in netc) / 1024
                row['first_loss']['netc'] = netc[0]['first_loss']
                row['netc_speedup_over_pytorch'] = row['img_per_s']['netc'] / row['img_per_s']['torch']
                row['netc_memory_over_pytorch'] = row['train_memory_mib']['netc'] / row['train_memory_mib']['torch']
            rows.append(row)
    return rows


def training_table(training):
    if not training['rows'] and not training['notes']:
        return 'Not measured in this run.\n'
    baseline = any('baseline' in row['img_per_s'] for row in training['rows'])
    lines = ['| model | threads | netc img/s | PyTorch img/s | netc ÷ PyTorch speed | netc training MiB | '
             'PyTorch training MiB | netc ÷ PyTorch memory | first loss netc / PyTorch | cores busy netc / PyTorch |'
             + (' baseline netc img/s | netc ÷ baseline speed |' if baseline else ''),
             '|---|---|---|---|---|---|---|---|---|---|' + ('---|---|' if baseline else '')]
    for row in training['rows']:
        netc = row['img_per_s']['netc'] is not None
        fmt = lambda value, spec: format(value, spec) if value is not None else '—'
        line = (f"| {row['model']} | {row['threads']} | {fmt(row['img_per_s'].get('netc'), '.0f')} | "
                f"{row['img_per_s']['torch']:.0f} | {fmt(row.get('netc_speedup_over_pytorch'), '.2f')} | "
                f"{fmt(row['train_memory_mib'].get('netc'), '.1f')} | {row['train_memory_mib']['torch']:.1f} | "
                f"{fmt(row.get('netc_memory_over_pytorch'), '.3f')} | "
                f"{fmt(row['first_loss'].get('netc'), '.5f')} / {row['first_loss']['torch']:.5f} | "
                f"{fmt(row['cores_busy'].get('netc'), '.2f')} / {row['cores_busy']['torch']:.2f} |")
        if baseline:
            before = row['img_per_s'].get('baseline')
            ratio = row['img_per_s']['netc'] / before if netc and before else None
            line += f" {fmt(before, '.0f')} | {fmt(ratio, '.3f')} |"
        lines.append(line)
    notes = ''.join(f'\n- {note}' for note in sorted(set(training['notes'])))
    return '\n'.join(lines) + '\n' + (f'\nNotes:{notes}\n' if notes else '')


def _torch_worker(job, threads, steps):
    """One PyTorch training measurement, in this process: printed as one JSON line."""
    import importlib.util

    import torch
    import torch.nn.functional as F
    from safetensors.torch import load_file
    torch.set_num_threads(threads)
    spec = importlib.util.spec_from_file_location('netc_emitted', job['module'])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.Network()
    model.load_state_dict(load_file(job['weights']), strict=True)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), **SGD)
    x = torch.from_numpy(np.fromfile(job['input'], dtype=np.float32).reshape(BATCH, 3, 32, 32))
    y = torch.from_numpy(np.fromfile(job['labels'], dtype=np.int32).astype(np.int64))
    before = _status_kib('VmRSS')
    with open('/proc/self/clear_refs', 'w') as f:  # the high-water mark restarts at the RSS of now
        f.write('5')
    times, first, cpu = [], None, 0.0
    for i in range(WARM + steps):
        if len(times) >= 3 and sum(times) > BUDGET_S:
            break
        if i == WARM:
            cpu = time.process_time()
        start = time.perf_counter()
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        value = loss.item()
        if i >= WARM:
            times.append(time.perf_counter() - start)
        first = value if first is None else first
    print(json.dumps({'times': times, 'rss_before_kib': before, 'peak_kib': _status_kib('VmHWM'),
                      'first_loss': first, 'cpu_s': time.process_time() - cpu}))


def _status_kib(field):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    return -1


if __name__ == '__main__':
    sys.dont_write_bytecode = True
    _torch_worker(json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
