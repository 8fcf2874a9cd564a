// The options of `netc train` and their syntax: run length, SGD, the learning-rate schedule and warm-up.

import NetC

struct TrainOptions {
  /// Either a number of epochs or of iterations (SGD steps).
  enum Length {
    case epochs(Int)
    case iterations(Int)
  }

  var model: String
  var data: String
  var length: Length
  var batch: Int
  var learningRate: Double
  var momentum: Double
  var weightDecay: Double
  /// `STEP:RATE` entries, a step written `Ne` counting epochs.
  var schedule: [(step: Milestone, rate: Double)]
  var warmup: (step: Milestone, rate: Double)?
  var checkpoint: String?
  var resume: Bool
  var initialWeights: String?
  var output: String?
  var seed: UInt64
  var threads: Int
  var flips: Bool

  enum Milestone {
    case step(Int)
    case epoch(Int)

    func step(stepsPerEpoch: Int) -> Int {
      switch self {
      case .step(let step): step
      case .epoch(let epoch): epoch * stepsPerEpoch
      }
    }
  }

  static let help = """
      <model.net>           the network; its input must be 3x32x32 (CIFAR-10's images)
      --data DIR            CIFAR-10 binary files: data_batch_1.bin … data_batch_5.bin (those present) to train
                            on, test_batch.bin to evaluate on
      --epochs N | --iterations N
                            how long to train: whole passes over the training set, or SGD steps (a resumed
                            run counts the steps already taken)
      --batch N             images per step (default 128); the last partial batch of an epoch is left out
      --lr RATE             initial learning rate (default 0.1)
      --schedule LIST       learning-rate drops, STEP:RATE entries separated by commas: from iteration STEP on
                            (counting from 0), RATE; 'Ne' counts epochs instead, e.g. the ResNet paper's CIFAR
                            recipe '32000:0.01,48000:0.001' with --iterations 64000, or '30e:0.01,45e:0.001'
      --warmup STEPS:RATE   RATE before step STEPS (or 'Ne'), then the schedule: the paper's ResNet-110 used
                            '400:0.01'
      --momentum M          SGD momentum (default 0.9)
      --weight-decay WD     L2 weight decay on every parameter, batch-norm ones included (default 1e-4)
      --checkpoint FILE     save the state there (safetensors: weights, batch-norm statistics, momentum as
                            'sgd.momentum.*', step and seed in the metadata) at every epoch's end and at the
                            end, through a temporary file, so an interrupted run keeps the last good one
      --resume              continue the run in --checkpoint exactly where it stopped
      --weights FILE        start from these weights instead of a fresh He initialization
      -o FILE               where to write the trained weights, torchvision names only, loadable by 'netc run',
                            the generated C and PyTorch (default: <network>.safetensors); also at every
                            checkpoint
      --no-flip             crop but do not mirror training images (for data that is not left-right
                            symmetric, such as digits)
      --seed N              seeds the initialization, shuffling, augmentation and dropout (default 0)
      --threads N           threads of the training step (default 1); any count gives the same results
    """

  static func parse(_ arguments: inout Arguments) throws -> TrainOptions {
    guard let data = try arguments.option("--data") else { throw UsageError("missing '--data DIR'") }
    let epochs = try arguments.intOption("--epochs")
    let iterations = try arguments.intOption("--iterations")
    let length: Length
    switch (epochs, iterations) {
    case (let epochs?, nil): length = .epochs(epochs)
    case (nil, let iterations?): length = .iterations(iterations)
    case (nil, nil): throw UsageError("missing '--epochs N' or '--iterations N'")
    case (.some, .some): throw UsageError("'--epochs' and '--iterations' cannot be combined")
    }
    let batch = try arguments.intOption("--batch") ?? 128
    let learningRate = try positive(arguments.doubleOption("--lr"), "--lr") ?? 0.1
    let momentum = try arguments.doubleOption("--momentum") ?? 0.9
    guard (0..<1).contains(momentum) else {
      throw UsageError("option '--momentum' expects a number in [0, 1), got \(momentum)")
    }
    let weightDecay = try arguments.doubleOption("--weight-decay") ?? 1e-4
    guard weightDecay >= 0 else { throw UsageError("option '--weight-decay' must not be negative, got \(weightDecay)") }
    let schedule = try arguments.option("--schedule").map { try parseSchedule($0, option: "--schedule") } ?? []
    let warmup = try arguments.option("--warmup").map { text -> (Milestone, Double) in
      let entries = try parseSchedule(text, option: "--warmup")
      guard entries.count == 1 else { throw UsageError("option '--warmup' expects one STEPS:RATE, got '\(text)'") }
      return entries[0]
    }
    let checkpoint = try arguments.option("--checkpoint")
    let resume = arguments.flag("--resume")
    if resume && checkpoint == nil { throw UsageError("'--resume' needs '--checkpoint FILE' to resume from") }
    let initialWeights = try arguments.option("--weights")
    if resume && initialWeights != nil {
      throw UsageError("'--resume' continues from the checkpoint's weights; drop '--weights'")
    }
    let output = try arguments.option("-o")
    let seed = try arguments.intOption("--seed", in: 0...Int.max) ?? 0
    let threads = try arguments.intOption("--threads") ?? 1
    let flips = !arguments.flag("--no-flip")
    let model = try arguments.positional("model file")
    return TrainOptions(
      model: model, data: data, length: length, batch: batch, learningRate: learningRate, momentum: momentum,
      weightDecay: weightDecay, schedule: schedule, warmup: warmup, checkpoint: checkpoint, resume: resume,
      initialWeights: initialWeights, output: output, seed: UInt64(seed), threads: threads, flips: flips)
  }

  private static func positive(_ value: Double?, _ option: String) throws -> Double? {
    if let value, !(value > 0) { throw UsageError("option '\(option)' must be positive, got \(value)") }
    return value
  }

  /// `32000:0.01,48000:0.001` or `30e:0.01`: steps (or epochs) increasing, rates positive.
  static func parseSchedule(_ text: String, option: String) throws -> [(step: Milestone, rate: Double)] {
    var entries: [(step: Milestone, rate: Double)] = []
    for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
      let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
      let epochs = parts.first?.hasSuffix("e") == true
      let number = parts.first.map { epochs ? $0.dropLast() : $0 }.flatMap { Int($0) }
      guard parts.count == 2, let number, number >= 0, let rate = Double(parts[1]), rate > 0, rate.isFinite else {
        throw UsageError(
          "option '\(option)' expects STEP:RATE entries separated by commas (STEP an iteration, or 'Ne' for epoch N; "
            + "RATE positive), got '\(entry)'")
      }
      entries.append((epochs ? .epoch(number) : .step(number), rate))
    }
    return entries
  }
}
