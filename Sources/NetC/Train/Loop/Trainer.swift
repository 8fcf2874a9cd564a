// The training loop: batches in a seeded order with the paper's augmentation, a learning-rate schedule, test
// accuracy at each epoch's end, checkpoints, and progress reports; the arithmetic is a backend's (the
// generated C step for real runs, the interpreter in tests).

/// Something that runs training steps on a state it holds.
public protocol TrainingBackend: AnyObject {
  /// The batch size the step is built for.
  var batch: Int { get }
  var classes: Int { get }
  /// One SGD step on a batch (`batch` images as network input, `labels` class indices); the loss before the
  /// update and the logits it computed.
  func step(input: [Float], labels: [Int32], optimizer: SGD) throws -> (loss: Double, logits: [Float])
  /// Logits of a batch with BN running statistics and no dropout.
  func evaluate(input: [Float]) throws -> [Float]
  var state: TrainingState { get throws }
  func load(_ state: TrainingState) throws
}

/// A learning rate that drops at given steps, optionally with a lower rate for the first steps (the ResNet
/// paper's warm-up for ResNet-110: 0.01 until training error is below 80%, about 400 iterations).
public struct LearningRateSchedule: Hashable, Sendable {
  public struct Milestone: Hashable, Sendable {
    /// The first step (counting from 0) that uses `rate`.
    public var step: Int
    public var rate: Double

    public init(step: Int, rate: Double) {
      self.step = step
      self.rate = rate
    }
  }

  public var initial: Double
  /// In increasing step order.
  public var milestones: [Milestone]
  /// `rate` for steps before `step`.
  public var warmup: Milestone?

  public init(initial: Double, milestones: [Milestone] = [], warmup: Milestone? = nil) {
    self.initial = initial
    self.milestones = milestones.sorted { $0.step < $1.step }
    self.warmup = warmup
  }

  public func rate(at step: Int) -> Double {
    if let warmup, step < warmup.step { return warmup.rate }
    return milestones.last { $0.step <= step }?.rate ?? initial
  }
}

/// Where a run is, for progress displays.
public struct TrainingProgress: Sendable {
  public var step: Int
  public var totalSteps: Int
  /// 1-based.
  public var epoch: Int
  public var stepInEpoch: Int
  public var stepsPerEpoch: Int
  /// Mean loss and training accuracy over the epoch's steps so far (augmented images, before each update).
  public var loss: Double
  public var accuracy: Double
  public var learningRate: Double
  public var imagesPerSecond: Double
  /// Seconds left at the current speed.
  public var remaining: Double
}

public enum TrainingEvent: Sendable {
  case step(TrainingProgress)
  /// An epoch ended (or the run did mid-epoch): test accuracy of the state after `progress.step` steps.
  case evaluated(TrainingProgress, testAccuracy: Double)
  case checkpoint(path: String)
}

public struct TrainingSummary: Sendable {
  public var steps: Int
  public var seconds: Double
  public var finalLoss: Double
  public var trainAccuracy: Double
  public var testAccuracy: Double
}

public struct Trainer {
  public var train: ImageSet
  public var test: ImageSet
  /// Train until the state's step reaches this.
  public var totalSteps: Int
  public var schedule: LearningRateSchedule
  public var momentum: Double
  public var weightDecay: Double
  public var checkpointPath: String?
  /// Where the plain weights (torchvision names only) go at each checkpoint and at the end.
  public var weightsPath: String?
  /// Whether augmentation flips images left to right (the paper's CIFAR recipe; wrong for digits and text).
  public var flips = true
  /// Monotonic seconds, for speed and ETA; injected so tests need no clock.
  public var clock: () -> Double

  public init(
    train: ImageSet, test: ImageSet, totalSteps: Int, schedule: LearningRateSchedule, momentum: Double = 0.9,
    weightDecay: Double = 1e-4, checkpointPath: String? = nil, weightsPath: String? = nil,
    clock: @escaping () -> Double
  ) {
    self.train = train
    self.test = test
    self.totalSteps = totalSteps
    self.schedule = schedule
    self.momentum = momentum
    self.weightDecay = weightDecay
    self.checkpointPath = checkpointPath
    self.weightsPath = weightsPath
    self.clock = clock
  }

  /// Runs from the backend's current state to `totalSteps`; `report` sees every event.
  public func run(_ backend: TrainingBackend, report: (TrainingEvent) -> Void) throws -> TrainingSummary {
    let initial = try backend.state
    let preprocessing = Preprocessing(meanOf: train)
    let order = EpochOrder(count: train.count, batch: backend.batch, seed: initial.seed)
    guard order.stepsPerEpoch > 0 else {
      throw DiagnosticError(
        .error("the training set has \(train.count) images, fewer than one batch of \(backend.batch)"))
    }
    var step = initial.step
    if step >= totalSteps {
      // A finished run resumed: nothing to train, but its accuracy is still worth reporting.
      return TrainingSummary(
        steps: 0, seconds: 0, finalLoss: .nan, trainAccuracy: .nan, testAccuracy: try evaluate(backend, preprocessing))
    }
    let start = clock()
    let firstStep = step
    var epochLoss = 0.0
    var epochCorrect = 0
    var epochImages = 0
    var last: TrainingProgress?
    var testAccuracy = Double.nan
    var input = [Float](repeating: 0, count: backend.batch * ImageSet.pixelsPerImage)
    while step < totalSteps {
      let indices = order.batch(step: step)
      for (position, image) in indices.enumerated() {
        let (crop, flip) = Preprocessing.augmentation(seed: initial.seed, step: step, position: position)
        preprocessing.write(
          train, image, crop: crop, flip: flip && flips, into: &input, at: position * ImageSet.pixelsPerImage)
      }
      let labels = indices.map { Int32(train.labels[$0]) }
      let rate = schedule.rate(at: step)
      let (loss, logits) = try backend.step(
        input: input, labels: labels, optimizer: SGD(learningRate: rate, momentum: momentum, weightDecay: weightDecay))
      step += 1
      if (step - 1) % order.stepsPerEpoch == 0 { (epochLoss, epochCorrect, epochImages) = (0, 0, 0) }
      epochLoss += loss * Double(labels.count)
      epochCorrect += correct(logits, labels, classes: backend.classes)
      epochImages += labels.count
      let elapsed = max(clock() - start, 1e-9)
      let perStep = elapsed / Double(step - firstStep)
      let progress = TrainingProgress(
        step: step, totalSteps: totalSteps, epoch: (step - 1) / order.stepsPerEpoch + 1,
        stepInEpoch: (step - 1) % order.stepsPerEpoch + 1, stepsPerEpoch: order.stepsPerEpoch,
        loss: epochLoss / Double(epochImages), accuracy: Double(epochCorrect) / Double(epochImages),
        learningRate: rate, imagesPerSecond: Double(backend.batch) / perStep,
        remaining: perStep * Double(totalSteps - step))
      last = progress
      report(.step(progress))
      if step % order.stepsPerEpoch == 0 || step == totalSteps {
        testAccuracy = try evaluate(backend, preprocessing)
        report(.evaluated(progress, testAccuracy: testAccuracy))
        try save(backend, order: order, report: report)
      }
    }
    return TrainingSummary(
      steps: step - firstStep, seconds: clock() - start, finalLoss: last?.loss ?? .nan,
      trainAccuracy: last?.accuracy ?? .nan, testAccuracy: testAccuracy)
  }

  /// Top-1 accuracy on the test set, in batches; the last one padded with zero images whose results are ignored.
  public func evaluate(_ backend: TrainingBackend, _ preprocessing: Preprocessing) throws -> Double {
    var correctCount = 0
    var input = [Float](repeating: 0, count: backend.batch * ImageSet.pixelsPerImage)
    for first in stride(from: 0, to: test.count, by: backend.batch) {
      let count = min(backend.batch, test.count - first)
      for position in 0..<backend.batch {
        let offset = position * ImageSet.pixelsPerImage
        if position < count {
          preprocessing.write(test, first + position, into: &input, at: offset)
        } else {
          for i in offset..<offset + ImageSet.pixelsPerImage { input[i] = 0 }
        }
      }
      let logits = try backend.evaluate(input: input)
      let labels = (first..<first + count).map { Int32(test.labels[$0]) }
      correctCount += correct(Array(logits[0..<count * backend.classes]), labels, classes: backend.classes)
    }
    return Double(correctCount) / Double(max(test.count, 1))
  }

  private func save(_ backend: TrainingBackend, order: EpochOrder, report: (TrainingEvent) -> Void) throws {
    guard checkpointPath != nil || weightsPath != nil else { return }
    let state = try backend.state
    if let checkpointPath {
      let extra = ["netc.batch": String(order.batch), "netc.train_images": String(order.count)]
      try Checkpoint.write(state, extra: extra, to: checkpointPath)
      report(.checkpoint(path: checkpointPath))
    }
    if let weightsPath { try writeAtomically(SafeTensors(weights: state.weights).encoded(), to: weightsPath) }
  }
}

/// How many rows of `logits` have their largest value at the label (the first largest, on ties).
func correct(_ logits: [Float], _ labels: [Int32], classes: Int) -> Int {
  var count = 0
  for (item, label) in labels.enumerated() {
    let row = logits[item * classes..<(item + 1) * classes]
    if let best = row.indices.max(by: { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }),
      best - row.startIndex == Int(label)
    {
      count += 1
    }
  }
  return count
}
