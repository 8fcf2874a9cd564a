# Interleaved timing of the engines on one model: every engine x thread count is a worker started once; then in
# each round, for each thread count, each engine in turn gets a pause (so the previous engine's spinning threads
# go idle) and a block of warm-up and timed runs. Slow drifts of the shared machine then hit every engine alike.
import statistics
import time

import numpy as np

import engines

PAUSE_S = 0.15  # ncnn's OpenMP threads spin for 20 ms after a run (its blocktime), the other runtimes less


def _percentile(sorted_values, fraction):
    return sorted_values[round(fraction * (len(sorted_values) - 1))]


def measure(job, names, threads, rounds, log):
    """(cells, facts) of one prepared model: cells[(engine, threads)] has the timing statistics and the output
    check, or 'error' for an engine that could not start or run; facts has the reference output's scale, every
    pair of engines' difference, and the wall time of the timing."""
    workers, cells, outputs = {}, {}, {}
    for t in threads:
        for name in names:
            try:
                workers[name, t] = engines.start(name, t, job)
            except engines.EngineError as error:
                cells[name, t] = {'error': str(error)}
    for key, worker in list(workers.items()):
        try:
            outputs[key], info = worker.ready()
            cells[key] = {'info': info}
        except engines.EngineError as error:
            cells[key] = {'error': str(error)}
            log(f'    {engines.NAMES[key[0]]} at {key[1]} thread(s) failed: {error}')
            worker.close()
            del workers[key]
    times = {key: [] for key in workers}
    blocks = {key: [] for key in workers}
    cpu = {key: 0.0 for key in workers}
    start = time.time()
    for r in range(rounds):
        for t in threads:
            for name in names:
                key = (name, t)
                if key not in workers:
                    continue
                time.sleep(PAUSE_S)
                try:
                    block, seconds = workers[key].time(job['warm'], job['runs'])
                except (engines.EngineError, EOFError, OSError) as error:
                    cells[key] = {'error': f'failed while timing: {error}'}
                    workers.pop(key).close()
                    continue
                times[key] += block
                blocks[key].append(statistics.median(block))
                cpu[key] += seconds
        log(f'    round {r + 1}/{rounds} done, {time.time() - start:.0f} s')
    for key, worker in workers.items():
        cells[key]['info'].update(worker.close())
    reference = np.load(job['reference']).astype(np.float64).reshape(1, -1)
    scale = float(np.abs(reference).max())
    for key in workers:
        cells[key].update(_statistics(times[key], blocks[key], cpu[key], job['macs']))
        cells[key].update(_error(outputs[key], reference, scale))
    return cells, {'max_abs_reference': scale, 'pairwise': _pairwise(outputs, threads, scale),
                   'timing_wall_s': round(time.time() - start, 1)}


def _statistics(times, block_medians, cpu, macs):
    ordered = sorted(times)
    median = statistics.median(ordered)
    q1, q3 = _percentile(ordered, 0.25), _percentile(ordered, 0.75)
    return {'median_ms': median * 1e3, 'min_ms': ordered[0] * 1e3, 'q1_ms': q1 * 1e3, 'q3_ms': q3 * 1e3,
            'spread_pct': 100 * (q3 - q1) / median, 'n': len(ordered),
            'block_median_range_ms': [min(block_medians) * 1e3, max(block_medians) * 1e3],
            'cores_busy': cpu / sum(ordered), 'cpu_ms_per_run': 1e3 * cpu / len(ordered),
            'gflops': 2 * macs / median / 1e9}


def _error(output, reference, scale):
    if output.shape != reference.shape:
        return {'output_error': f'output shape {list(output.shape)}, expected {list(reference.shape)}'}
    diff = float(np.abs(output.astype(np.float64) - reference).max())
    return {'max_abs_diff': diff, 'rel_diff': diff / scale}


def _pairwise(outputs, threads, scale):
    """Max |y_a - y_b| / max |y_reference| between every two engines at the same thread count."""
    pairs = {}
    for t in threads:
        keys = [key for key in outputs if key[1] == t]
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                if outputs[a].shape == outputs[b].shape:
                    diff = float(np.abs(outputs[a].astype(np.float64) - outputs[b]).max())
                    pairs[f'{a[0]}~{b[0]}@{t}'] = diff / scale
    return pairs
