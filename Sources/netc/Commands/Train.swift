// `netc train`: a network trained on CIFAR-10-format data by its generated C training step, with the ResNet
// paper's augmentation, a learning-rate schedule, test accuracy per epoch, checkpoints and resumption.

import Foundation
import NetC

enum Train: Command {
  static let name = "train"
  static let abstract = "Train a model on CIFAR-10-format data with SGD, as generated C"
  static let usage =
    "netc train <model.net> --data DIR (--epochs N | --iterations N) [--batch 128] [--lr 0.1] [--schedule LIST] "
    + "[--warmup STEPS:RATE] [--momentum 0.9] [--weight-decay 1e-4] [--checkpoint FILE [--resume]] "
    + "[--weights FILE] [-o FILE] [--no-flip] [--seed N] [--threads N]"
  static let details = """
    \(TrainOptions.help)

    Images are scaled to [0, 1] after subtracting the training set's mean of each pixel; each training image
    is padded by 4 pixels, cropped back to 32x32 at a random place and flipped left to right at random (the
    ResNet paper's CIFAR augmentation). The training step is compiled with clang into netc's cache, as
    'netc run' does. On a terminal a progress line shows the epoch, speed, loss, accuracy and time left;
    otherwise one line is printed per epoch.
    """

  static func run(_ arguments: inout Arguments, _ console: Console) throws -> Int32 {
    let options = try TrainOptions.parse(&arguments)
    try arguments.finish()
    let (trainSet, testSet) = try ImageSet.readDirectory(options.data)
    let graph = try ModelLoader.load(path: options.model, options: LoadOptions(batch: options.batch))
    try check(graph, options: options)
    let stepsPerEpoch = trainSet.count / options.batch
    guard stepsPerEpoch > 0 else {
      throw DiagnosticError(
        .error("\(options.data): \(trainSet.count) training images are fewer than one batch of \(options.batch)"))
    }
    let state = try initialState(graph, options, trainImages: trainSet.count)
    let totalSteps: Int
    switch options.length {
    case .epochs(let epochs): totalSteps = epochs * stepsPerEpoch
    case .iterations(let iterations): totalSteps = iterations
    }
    let schedule = LearningRateSchedule(
      initial: options.learningRate,
      milestones: options.schedule.map { .init(step: $0.step.step(stepsPerEpoch: stepsPerEpoch), rate: $0.rate) },
      warmup: options.warmup.map { .init(step: $0.step.step(stepsPerEpoch: stepsPerEpoch), rate: $0.rate) })
    let output = options.output ?? graph.name + ".safetensors"
    let start = DispatchTime.now().uptimeNanoseconds
    var trainer = Trainer(
      train: trainSet, test: testSet, totalSteps: totalSteps, schedule: schedule, momentum: options.momentum,
      weightDecay: options.weightDecay, checkpointPath: options.checkpoint, weightsPath: output,
      clock: { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 })
    trainer.flips = options.flips

    var display = TrainingDisplay(console: console, live: console.stdoutIsTerminal, totalSteps: totalSteps)
    display.announce(
      "training \(graph.name) on \(trainSet.count) images (\(stepsPerEpoch) steps of \(options.batch) per epoch), "
        + "testing on \(testSet.count); steps \(state.step) to \(totalSteps)")
    let backend = try CTrainingBackend(
      graph: graph, state: state, compiler: try CCompiler.find(), threads: options.threads)
    let summary = try trainer.run(backend) { display.show($0) }
    display.finish(summary, weights: output, checkpoint: options.checkpoint)
    return ExitCode.success
  }

  private static func check(_ graph: Graph, options: TrainOptions) throws {
    let dims = Array(graph.input.shape.dims.dropFirst())
    guard dims == [ImageSet.channels, ImageSet.side, ImageSet.side] else {
      throw DiagnosticError(
        .error(
          "\(options.model): the network takes \(dims.map(String.init).joined(separator: "x")) inputs, "
            + "but CIFAR-10 images are 3x32x32"))
    }
    let training = try TrainingGraph.build(graph)
    let classes = training.node(named: training.node(named: training.output)!.inputs[0])!.shape.channels
    if classes < ImageSet.classes {
      throw DiagnosticError(
        .error(
          "\(options.model): the network has \(classes) classes, but CIFAR-10 labels go up to \(ImageSet.classes - 1)"))
    }
  }

  private static func initialState(_ graph: Graph, _ options: TrainOptions, trainImages: Int) throws -> TrainingState {
    if let checkpoint = options.checkpoint, options.resume {
      let (state, metadata) = try Checkpoint.read(checkpoint, for: graph)
      for (key, value) in [("netc.batch", options.batch), ("netc.train_images", trainImages)]
      where metadata[key] != String(value) {
        throw DiagnosticError(
          .error(
            "\(checkpoint): the run had \(key) = \(metadata[key] ?? "?"), this one \(value); resume with the same "
              + "batch size and data"))
      }
      return state
    }
    if let checkpoint = options.checkpoint, FileManager.default.fileExists(atPath: checkpoint) {
      throw DiagnosticError(
        .error("\(checkpoint): the checkpoint exists; pass '--resume' to continue its run, or name another file"))
    }
    let weights =
      try options.initialWeights.map { try SafeTensors.readWeights($0, for: graph) }
      ?? WeightInitializer(seed: options.seed).weights(for: graph)
    return TrainingState(weights: weights, for: graph, seed: options.seed)
  }
}
