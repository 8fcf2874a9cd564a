#!/usr/bin/env python3
"""netc's side-by-side CPU benchmark: batch-1 FP32 inference of netc's generated C against ONNX Runtime, OpenVINO,
ncnn and PyTorch on the same weights and input, the CIFAR ResNets' training step against PyTorch's, memory, and
a per-layer profile of the generated C. See bench/README.md.

  python3 bench/bench.py                                   everything; writes bench/results.md and .json
  python3 bench/bench.py --models resnet20 --threads 1 --rounds 3    a quick subset (results in bench/work/)
  python3 bench/bench.py --profile resnet50                time per layer of the generated C, slowest first
  python3 bench/bench.py --train-profile resnet20          time per op kind and layer of the training step"""
import sys

sys.dont_write_bytecode = True  # importing the modules beside this file leaves no __pycache__ in bench/
import argparse
import os
import subprocess
import time

import environment

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WORK = os.path.join(HERE, 'work')
ALL_MODELS = ['resnet50', 'resnet152', 'resnext50_32x4d', 'alexnet', 'resnet20']
ALL_ENGINES = ['netc', 'ort', 'openvino', 'ncnn', 'torch']
TRAIN_MODELS = ['resnet20', 'resnet56']


def log(message):
    print(message, file=sys.stderr, flush=True)


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument('--models', nargs='+', default=ALL_MODELS, choices=ALL_MODELS, metavar='MODEL',
                        help=f'inference models (default: all of {", ".join(ALL_MODELS)})')
    parser.add_argument('--engines', nargs='+', default=ALL_ENGINES, choices=ALL_ENGINES, metavar='ENGINE',
                        help=f'engines (default: all of {", ".join(ALL_ENGINES)})')
    parser.add_argument('--threads', nargs='+', type=int, default=[1, 2], metavar='N', help='default: 1 2')
    parser.add_argument('--rounds', type=int, default=12, help='interleaved timing rounds (default 12)')
    parser.add_argument('--train-models', nargs='*', default=TRAIN_MODELS, choices=TRAIN_MODELS, metavar='MODEL',
                        help='training rows (default: resnet20 resnet56; none: --train-models with no name)')
    parser.add_argument('--train-steps', type=int, default=10, help='timed training steps per process')
    parser.add_argument('--train-passes', type=int, default=2, help='processes per training configuration')
    parser.add_argument('--no-infer', action='store_true', help='skip the inference timing')
    parser.add_argument('--profile', metavar='MODEL',
                        help='only profile the generated C of MODEL per layer (any model in Models/), on the '
                             'first --threads count')
    parser.add_argument('--profile-runs', type=int, default=11, help='runs whose per-layer median is shown')
    parser.add_argument('--train-profile', metavar='MODEL',
                        help='only profile the training step of MODEL (batch 128) per layer and kind of op, over '
                             '--train-steps steps on the first --threads count')
    parser.add_argument('--baseline-netc', metavar='PATH',
                        help='also time this netc binary\'s training step in the training rows (before/after)')
    parser.add_argument('--out', help='folder for results.md and results.json (default: bench/ for a full run, '
                                      'bench/work/ for a subset)')
    parser.add_argument('--netc', help='a netc binary to use instead of building one with swift build -c release')
    return parser.parse_args()


def build_netc(given):
    if given:
        return os.path.abspath(given)
    log('swift build -c release --product netc')
    subprocess.run(['swift', 'build', '-c', 'release', '--product', 'netc'], cwd=REPO, check=True)
    path = subprocess.run(['swift', 'build', '-c', 'release', '--show-bin-path'], cwd=REPO, check=True,
                          capture_output=True, text=True).stdout.strip()
    return os.path.join(path, 'netc')


def is_full_run(a):
    return (a.models == ALL_MODELS and a.engines == ALL_ENGINES and a.threads == [1, 2] and a.rounds >= 12
            and a.train_models == TRAIN_MODELS and not a.no_infer and not a.baseline_netc)


def main():
    a = arguments()
    environment.ensure(log)
    if not environment.inside():
        os.execv(environment.python(), [environment.python(), os.path.abspath(__file__)] + sys.argv[1:])
    import machine
    import models
    os.makedirs(WORK, exist_ok=True)
    netc = build_netc(a.netc)
    if a.profile:
        import profile_layers
        profile_layers.run(a.profile, netc, REPO, WORK, a.profile_runs, a.threads[0], log)
        return
    if a.train_profile:
        import profile_training
        profile_training.run(a.train_profile, netc, REPO, WORK, a.train_steps, a.threads[0], log)
        return
    import report
    import timing
    import training
    started = time.time()
    results = {'machine': machine.facts(), 'load_average_start': machine.load_average(),
               'versions': machine.versions(REPO, netc), 'install_failures': environment.install_failures(),
               'command': 'python3 bench/bench.py ' + ' '.join(sys.argv[1:]),
               'settings': {'threads': a.threads, 'rounds': a.rounds, 'engines': a.engines,
                            'weights_seed': models.WEIGHTS_SEED, 'input_seed': models.INPUT_SEED}}
    log('measuring the FMA peak')
    results['fma_peak'] = machine.fma_peak(WORK)
    log(f'  {results["fma_peak"]}')
    results['inference'], results['models'] = [], {}
    for name in ([] if a.no_infer else a.models):
        log(f'{name}: preparing')
        job = models.prepare(name, netc, REPO, WORK, log)
        log(f'{name}: timing {len(a.engines)} engines x {a.threads} threads, {a.rounds} rounds')
        cells, facts = timing.measure(job, a.engines, a.threads, a.rounds, log)
        results['models'][name] = report.model_entry(job, cells, facts)
        rows = report.inference_rows(name, job, cells, a.threads, results['fma_peak']['per_core'])
        results['inference'] += rows
        print(report.inference_table(rows, a.engines), flush=True)
    baseline = os.path.abspath(a.baseline_netc) if a.baseline_netc else None
    results['training'] = training.measure(a.train_models, a.threads, a.train_steps, a.train_passes, netc, REPO,
                                           WORK, log, baseline)
    results['load_average_end'] = machine.load_average()
    results['wall_minutes'] = round((time.time() - started) / 60, 1)
    out = a.out or (HERE if is_full_run(a) else WORK)
    report.write(results, out)
    log(f'wrote {os.path.join(out, "results.md")} and results.json')


if __name__ == '__main__':
    main()
