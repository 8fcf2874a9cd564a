# The benchmark's results as bench/results.json (every figure) and bench/results.md (the tables a reader checks).
import json
import os

import machine
from engines import ENGINES, NAMES

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# An output further than this from the float64 reference, relative to its largest value, is a different function,
# not rounding: FP32 engines agree to about 1e-5 here (Winograd included), while a wrong padding or a dropped
# batch norm moves outputs by 1e-2 or more. Such an engine is flagged and cannot be the fastest peer.
WRONG_OUTPUT = 1e-3


def model_entry(job, cells, facts):
    """Everything measured on one model, for results.json."""
    return {'macs': job['macs'], 'params': job['params'], 'input': [1, 3, job['size'], job['size']],
            'block': {'warm': job['warm'], 'runs': job['runs']}, **facts,
            'cells': {f'{engine}/{threads}': cell for (engine, threads), cell in sorted(cells.items())}}


def inference_rows(name, job, cells, threads, per_core):
    rows = []
    for t in threads:
        medians = {engine: cell.get('median_ms') for (engine, tt), cell in cells.items() if tt == t}
        wrong = sorted(engine for (engine, tt), cell in cells.items() if tt == t and 'median_ms' in cell
                       and ('output_error' in cell or cell['rel_diff'] > WRONG_OUTPUT))
        peers = {engine: ms for engine, ms in medians.items()
                 if engine != 'netc' and ms is not None and engine not in wrong}
        best = min(peers, key=peers.get) if peers else None
        netc = medians.get('netc')
        row = {'model': name, 'threads': t, 'gmac': job['macs'] / 1e9, 'median_ms': medians,
               'wrong_output': wrong, 'best_peer': best,
               'netc_over_best_peer': netc / peers[best] if netc and best else None,
               'netc_gflops': 2 * job['macs'] / netc / 1e6 if netc else None}
        row['netc_pct_of_peak'] = 100 * row['netc_gflops'] / (per_core * t) if netc else None
        row['netc_cores_busy'] = cells.get(('netc', t), {}).get('cores_busy')
        rows.append(row)
    return rows


def _ms(value):
    if value is None:
        return 'failed'
    return f'{value:.3f}' if value < 1 else f'{value:.2f}' if value < 10 else f'{value:.1f}'


def inference_table(rows, engines):
    lines = ['| model (GMAC) | threads | ' + ' | '.join(NAMES[e] for e in engines)
             + ' | netc ÷ fastest peer | netc GFLOP/s | netc % of peak |',
             '|---|---|' + '---|' * (len(engines) + 3)]
    for row in rows:
        cells = []
        for engine in engines:
            text = _ms(row['median_ms'].get(engine))
            text += ' (wrong output)' if engine in row['wrong_output'] else ''
            cells.append(f'**{text}**' if engine == row['best_peer'] else text)
        ratio = row['netc_over_best_peer']
        lines.append(f"| {row['model']} ({row['gmac']:.3f}) | {row['threads']} | " + ' | '.join(cells)
                     + f" | {f'{ratio:.2f}' if ratio else '—'} | "
                     + (f"{row['netc_gflops']:.1f} | {row['netc_pct_of_peak']:.1f} |" if row['netc_gflops']
                        else '— | — |'))
    return '\n'.join(lines) + '\n'


def _detail_table(name, entry):
    lines = [f"#### {name}: {entry['macs'] / 1e9:.3f} GMAC, input {'x'.join(map(str, entry['input']))}, "
             f"max |y| of the float64 reference {entry['max_abs_reference']:.3g}, "
             f"blocks of {entry['block']['warm']} warm-up + {entry['block']['runs']} timed runs",
             '', '| engine | threads | median ms | min ms | IQR ÷ median | block medians ms | runs | cores busy '
             '| CPU ms per run | GFLOP/s | max abs diff | ÷ max abs y |', '|---' * 12 + '|']
    order = lambda key: (int(key.split('/')[1]), ENGINES.index(key.split('/')[0]))
    for key in sorted(entry['cells'], key=order):
        cell, (engine, threads) = entry['cells'][key], key.split('/')
        if 'error' in cell:
            lines.append(f"| {NAMES[engine]} | {threads} | failed: {cell['error'][:200]} |")
            continue
        low, high = cell['block_median_range_ms']
        lines.append(f"| {NAMES[engine]} | {threads} | {_ms(cell['median_ms'])} | {_ms(cell['min_ms'])} | "
                     f"{cell['spread_pct']:.0f} % | {_ms(low)}–{_ms(high)} | {cell['n']} | "
                     f"{cell['cores_busy']:.2f} | {_ms(cell['cpu_ms_per_run'])} | "
                     f"{cell['gflops']:.1f} | {cell.get('max_abs_diff', float('nan')):.1e} | "
                     f"{cell.get('rel_diff', float('nan')):.1e} |")
    if entry['pairwise']:
        pair, worst = max(entry['pairwise'].items(), key=lambda item: item[1])
        engines_, threads = pair.split('@')
        a, b = engines_.split('~')
        lines.append(f'\nThe largest difference between two engines: {worst:.1e} of max |y| ({NAMES[a]} and '
                     f'{NAMES[b]} at {threads} thread(s)).')
    kernels = entry['cells'].get('openvino/1', {}).get('info', {}).get('kernels')
    if kernels:
        runs = ', '.join(f'{n} × {kernel}' for kernel, n in kernels.items())
        lines.append(f"\nOpenVINO's compiled graph runs {runs}.")
    return '\n'.join(lines) + '\n'


def _inference_notes(results):
    """What a reader of the main table should know about how the engines used the CPU in this run."""
    notes = []
    for t in results['settings']['threads']:
        busy = [row['netc_cores_busy'] for row in results['inference']
                if row['threads'] == t and row['netc_cores_busy']]
        used = {entry['cells'].get(f'netc/{t}', {}).get('info', {}).get('threads_used')
                for entry in results['models'].values()} - {None}
        if busy:
            notes.append(f'At {t} thread(s) netc ran on {", ".join(map(str, sorted(used)))} thread(s) and kept '
                         f'{min(busy):.2f}–{max(busy):.2f} cores busy'
                         + (' (this generated C has no threads)' if used == {1} and t > 1 else '') + '.')
    starved = sorted({f"{NAMES[key.split('/')[0]]} on {name}" for name, entry in results['models'].items()
                      for key, cell in entry['cells'].items()
                      if key.endswith('/1') and cell.get('cores_busy', 1) < 0.9})
    if starved:
        notes.append('Other processes took CPU time from these 1-thread cells (cores busy below 0.9): '
                     + ', '.join(starved) + '; their medians include that.')
    return ' '.join(notes) + '\n' if notes else ''


def memory_rows(results):
    """The generated C's memory on every model: from netc's 1-thread worker, after all its runs."""
    rows = []
    for name, entry in results['models'].items():
        memory = entry['cells'].get('netc/1', {}).get('info', {}).get('memory_kib')
        if not memory:
            continue
        needed = memory['model'] + memory['arena']
        rows.append({'model': name, 'model_kib': memory['model'], 'arena_kib': memory['arena'],
                     'base_rss_kib': memory['base'], 'peak_rss_running_kib': memory['peak'],
                     'peak_rss_with_loading_kib': memory['load_peak'],
                     'running_over_weights_and_arena': memory['peak'] / needed,
                     'running_less_base_over_weights_and_arena': (memory['peak'] - memory['base']) / needed})
    return rows


def _memory_table(rows):
    lines = ['| model | weights (model bytes) MiB | arena MiB | RSS of the bare driver MiB | peak RSS while running '
             'MiB | ÷ (weights + arena) | the same less the bare driver | peak RSS while loading MiB |',
             '|---|---|---|---|---|---|---|---|']
    for r in rows:
        mib = lambda kib: f'{kib / 1024:.1f}'
        lines.append(f"| {r['model']} | {mib(r['model_kib'])} | {mib(r['arena_kib'])} | {mib(r['base_rss_kib'])} | "
                     f"{mib(r['peak_rss_running_kib'])} | {r['running_over_weights_and_arena']:.3f} | "
                     f"{r['running_less_base_over_weights_and_arena']:.3f} | "
                     f"{mib(r['peak_rss_with_loading_kib'])} |")
    return '\n'.join(lines) + '\n'


def _machine_section(results):
    m, v, peak = results['machine'], results['versions'], results['fma_peak']
    caches = ', '.join(f'{level} {size}' for level, size in m['caches'].items())
    peaks = '; '.join(f"{isa.upper().replace('AVX512', 'AVX-512')}: 1 thread {peak[isa + '_1t_cpu']:.1f} "
                      f"({peak[isa + '_1t']:.1f} over wall time), 2 threads {peak[isa + '_2t_cpu']:.1f} "
                      f"({peak[isa + '_2t']:.1f})" for isa in ('avx2', 'avx512') if isa + '_1t' in peak)
    engines = ', '.join(f'{package} {v.get(package) or "not installed"}' for package in
                        ['onnxruntime', 'openvino', 'ncnn', 'pnnx', 'torch', 'torchvision', 'onnx', 'numpy'])
    failures = results.get('install_failures') or {}
    return '\n'.join([
        '| | |', '|---|---|',
        f"| CPU | {m['cpu']} ({m['cpu_id']}){', virtual machine' if m['hypervisor'] else ''}; {m['cores']} cores; "
        f"{caches}; {m['memory_gib']} GiB; Linux {m['kernel']} |",
        f"| SIMD extensions (/proc/cpuinfo) | {machine.simd_summary(m['simd'])} |",
        f"| FMA peak, GFLOP/s (bench/peak.c) | {peaks}: over the threads' CPU time, which other processes do "
        f"not lower. \"% of peak\" divides by {peak['per_core']:.1f} × threads |",
        f"| load average (1, 5, 15 min) | {' '.join(map(str, results['load_average_start']))} at the start, "
        f"{' '.join(map(str, results['load_average_end']))} at the end, on {m['cores']} cores |",
        f"| netc | {v.get('netc')} (`{os.path.relpath(v['netc_binary'], REPO)}`), worktree at commit "
        f"{v.get('netc_commit')}; C built with {v.get('clang')}, "
        f"`-O3 -march=native` |",
        f"| peers | {engines}; Python {v.get('python')} |",
    ] + ([f"| not installed | {'; '.join(f'{p}: {why}' for p, why in failures.items())} |"] if failures else []))


def _training_section(results):
    from training import training_table
    return training_table(results['training'])


def write(results, folder):
    os.makedirs(folder, exist_ok=True)
    results['memory'] = memory_rows(results)
    with open(os.path.join(folder, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write('\n')
    engines = results['settings']['engines']
    parts = [f"# netc benchmark results\n\nMeasured {results['machine']['date']} by `{results['command']}` "
             f"({results['wall_minutes']} minutes). Method, caveats and how to run it: `bench/README.md`.\n",
             '## Machine\n', _machine_section(results) + '\n']
    if results['inference']:
        parts += ['## Inference: batch 1, FP32, median milliseconds\n',
                  'Same weights and input for every engine; the fastest peer in bold. "netc ÷ fastest peer" below 1 '
                  'means netc is faster. GFLOP/s counts 2 × multiply-accumulates of the direct convolution.\n',
                  inference_table(results['inference'], engines), _inference_notes(results),
                  '### Every engine\n', 'IQR: interquartile range of the timed runs. Block medians: the range of '
                  'the per-round block medians (drift across the run). Cores busy: process CPU time ÷ wall time '
                  'over the timed runs. CPU ms per run: the process\'s CPU time ÷ runs; at 1 thread it is about the '
                  'latency on a core of its own, whatever else ran (at 2 threads it counts spin-waiting too). '
                  'Diff: against PyTorch in float64 on the same weights and input.\n']
        parts += [_detail_table(name, entry) for name, entry in results['models'].items()]
    if results['memory']:
        parts += ['## Memory of the generated C (bench/driver.c)\n',
                  'Peak RSS while running: the high-water mark reset after loading, so it is what inference holds '
                  '(weights, arena, the driver\'s input and output, the C runtime). While loading, `load_file` '
                  'also holds the whole safetensors file.\n', _memory_table(results['memory'])]
    parts += ['## Training: CIFAR ResNets, batch 128, SGD (momentum 0.9, weight decay 1e-4)\n',
              _training_section(results)]
    with open(os.path.join(folder, 'results.md'), 'w') as f:
        f.write('\n'.join(parts))
