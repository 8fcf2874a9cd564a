# The engines under test, each at one thread count in a process of its own (two threading runtimes never share a
# process, and one that crashes takes only itself down): netc's generated C through bench/driver.c, and ONNX
# Runtime, OpenVINO, ncnn and PyTorch through their Python APIs, all forced to FP32.
import multiprocessing
import os
import subprocess
import time

import numpy as np

# Report order, and the order of the blocks in a round.
ENGINES = ['netc', 'ort', 'openvino', 'ncnn', 'torch']
NAMES = {'netc': 'netc', 'ort': 'ONNX Runtime', 'openvino': 'OpenVINO f32', 'ncnn': 'ncnn fp32',
         'torch': 'PyTorch'}


class EngineError(Exception):
    """An engine that could not start or run; the benchmark reports it and goes on with the others."""


def torch_model(job):
    """The PyTorch model of a prepared job with its netc weights: torchvision's own module where there is one
    (netc's parameter names are its state_dict names), else the module `netc emit pytorch` wrote."""
    import torch
    from safetensors.torch import load_file
    if job['torchvision']:
        import torchvision
        model = getattr(torchvision.models, job['torchvision'])(weights=None)
    else:
        import importlib.util
        spec = importlib.util.spec_from_file_location('netc_emitted', job['module'])
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        model = module.Network()
    model.load_state_dict(load_file(job['weights']), strict=True)
    return model.eval().to(torch.float32)


def _runner(engine, threads, job):
    """(run, info): run() is one batch-1 inference of the job's input, returning the output as numpy."""
    x = np.load(job['input'])
    if engine in ('ort', 'openvino') and not job.get('onnx'):
        raise EngineError(job.get('onnx_error', 'no ONNX file'))
    if engine == 'ort':
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(job['onnx'], options, providers=['CPUExecutionProvider'])
        name = session.get_inputs()[0].name
        return (lambda: session.run(None, {name: x})[0]), {}
    if engine == 'openvino':
        import openvino
        config = {'INFERENCE_NUM_THREADS': threads, 'INFERENCE_PRECISION_HINT': 'f32',
                  'PERFORMANCE_HINT': 'LATENCY'}
        compiled = openvino.Core().compile_model(job['onnx'], 'CPU', config)
        request = compiled.create_infer_request()

        def run():
            request.infer({0: x})
            return request.get_output_tensor(0).data.copy()
        return run, {'precision': str(compiled.get_property('INFERENCE_PRECISION_HINT')),
                     'threads': int(compiled.get_property('INFERENCE_NUM_THREADS')),
                     'kernels': _openvino_kernels(compiled)}
    if engine == 'ncnn':
        import ncnn
        if not job.get('ncnn_param'):
            raise EngineError(job.get('ncnn_error', 'pnnx did not convert the model'))
        net = ncnn.Net()
        # Before loading: ncnn sizes its packed weights and GEMM tiles for the thread count as it loads.
        net.opt.num_threads = threads
        net.opt.use_fp16_storage = net.opt.use_fp16_packed = net.opt.use_fp16_arithmetic = False
        net.opt.use_bf16_storage = False
        if net.load_param(job['ncnn_param']) or net.load_model(job['ncnn_bin']):
            raise EngineError('ncnn could not load the pnnx output')
        # ncnn.Mat borrows the array's memory: the array must outlive it, so both live in the closure.
        chw = np.ascontiguousarray(x[0])

        def run():
            extractor = net.create_extractor()
            extractor.input('in0', ncnn.Mat(chw))
            _, out = extractor.extract('out0')
            return np.array(out).reshape(1, -1)
        return run, {'threads': net.opt.num_threads, 'fp16_storage': net.opt.use_fp16_storage,
                     'winograd': net.opt.use_winograd_convolution}
    if engine == 'torch':
        import torch
        torch.set_num_threads(threads)
        model, tensor = torch_model(job), torch.from_numpy(x)

        def run():
            with torch.inference_mode():
                return model(tensor).numpy()
        return run, {'threads': torch.get_num_threads(), 'cpu_capability': torch.backends.cpu.get_cpu_capability()}
    raise EngineError(f'unknown engine {engine}')


def _openvino_kernels(compiled):
    """How many convolutions and fully connected layers run with each kernel: shows they really run in f32."""
    kernels = {}
    for op in compiled.get_runtime_model().get_ops():
        info = {key: value.astype(str) for key, value in op.get_rt_info().items()}
        if info.get('layerType') in ('Convolution', 'FullyConnected'):
            key = f"{info['layerType']} {info.get('primitiveType')}"
            kernels[key] = kernels.get(key, 0) + 1
    return kernels


def _serve(connection, engine, threads, job):
    """A Python engine's worker process: set up, answer timing requests until told to stop."""
    try:
        run, info = _runner(engine, threads, job)
        output = np.asarray(run(), dtype=np.float32).reshape(1, -1)
    except Exception as error:  # any failure of a peer is a result to report, not a crash of the benchmark
        connection.send(('error', f'{type(error).__name__}: {error}'[:500]))
        return
    connection.send(('ready', output, info))
    while True:
        request = connection.recv()
        if request[0] == 'stop':
            return
        _, warm, runs = request
        for _ in range(warm):
            run()
        times, cpu = [], time.process_time()
        for _ in range(runs):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        connection.send((times, time.process_time() - cpu))


class PythonWorker:
    def __init__(self, engine, threads, job):
        self.connection, child = multiprocessing.get_context('spawn').Pipe()
        self.process = multiprocessing.get_context('spawn').Process(
            target=_serve, args=(child, engine, threads, job), daemon=True)
        self.process.start()

    def ready(self):
        """The first output and what the engine says about its setup; raises EngineError if it failed."""
        try:
            message = self.connection.recv()
        except EOFError:
            raise EngineError(f'worker process died (exit code {self.process.join(5) or self.process.exitcode})')
        if message[0] == 'error':
            raise EngineError(message[1])
        return message[1], message[2]

    def time(self, warm, runs):
        self.connection.send(('run', warm, runs))
        return self.connection.recv()

    def close(self):
        try:
            self.connection.send(('stop',))
        except (BrokenPipeError, OSError):
            pass
        self.process.join(30)
        return {}


def _facts(line):
    """The driver's "ready" and "memory" lines: the threads running a forward pass, and memory figures in KiB."""
    facts = {key: int(value) for key, value in (item.split('=') for item in line.split()[1:])}
    return {'threads_used': facts.pop('threads'), 'memory_kib': facts}


class NetcWorker:
    """netc's generated C in bench/driver.c, over a line protocol on its standard input and output."""

    def __init__(self, threads, job):
        self.threads = threads
        driver = job.get('driver')
        if not driver:
            raise EngineError(job.get('netc_error', 'the generated C did not build'))
        output = os.path.join(job['dir'], f'netc_y_{threads}.bin')
        self.output = output
        self.process = subprocess.Popen([driver, job['weights'], job['input_bin'], output, str(threads)],
                                        text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)

    def _line(self):
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(10)
            raise EngineError(f'driver exited with {self.process.returncode}: {self.process.stderr.read()[-500:]}')
        if line.startswith('error'):
            raise EngineError(line.strip())
        return line

    def _ask(self, command):
        self.process.stdin.write(command + '\n')
        self.process.stdin.flush()
        return self._line()

    def ready(self):
        facts = _facts(self._line())
        return np.fromfile(self.output, dtype=np.float32).reshape(1, -1), facts

    def time(self, warm, runs):
        words = self._ask(f'run {warm} {runs}').split()
        return [float(word) for word in words[1:-2]], float(words[-1])

    def profile(self, runs):
        """(median seconds of the whole runs, [(layer, median seconds)] in program order)."""
        total = float(self._ask(f'profile {runs}').split()[1])
        rows, line = [], self._line()
        while line.strip() != 'end':
            _, name, seconds = line.split()
            rows.append((name, float(seconds)))
            line = self._line()
        return total, rows

    def close(self):
        """The driver's memory figures after all its runs."""
        try:
            facts = _facts(self._ask('memory'))
            self._ask_quit()
            return facts
        except (EngineError, BrokenPipeError, OSError):
            self.process.kill()
            return {}

    def _ask_quit(self):
        self.process.stdin.write('quit\n')
        self.process.stdin.close()
        self.process.wait(30)


def start(engine, threads, job):
    return NetcWorker(threads, job) if engine == 'netc' else PythonWorker(engine, threads, job)
