// What `netc train` shows while it runs: on a terminal, one live line (epoch, bar, speed, loss, accuracy,
// time left) redrawn in place and a line per finished epoch; in a log, only the per-epoch lines.

import Foundation
import NetC

struct TrainingDisplay {
  var console: Console
  var live: Bool
  var totalSteps: Int
  private var lastDraw = -Double.infinity
  private var drawn = false

  init(console: Console, live: Bool, totalSteps: Int) {
    self.console = console
    self.live = live
    self.totalSteps = totalSteps
  }

  func announce(_ text: String) { console.out(text + "\n") }

  mutating func show(_ event: TrainingEvent) {
    switch event {
    case .step(let p):
      guard live else { return }
      // A few redraws a second: more would cost time and flicker.
      let now = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
      guard now - lastDraw >= 0.1 || p.step == p.totalSteps else { return }
      lastDraw = now
      let fraction = Double(p.stepInEpoch) / Double(p.stepsPerEpoch)
      let filled = Int(fraction * 24)
      let bar =
        String(repeating: "=", count: filled) + (filled < 24 ? ">" : "")
        + String(repeating: " ", count: max(0, 23 - filled))
      let line = "epoch \(p.epoch)/\(epochs(p)) [\(bar)] \(percent(fraction))  \(Int(p.imagesPerSecond)) img/s  "
        + "loss \(fixed(p.loss, 4))  acc \(percent(p.accuracy))  lr \(p.learningRate)  ETA \(duration(p.remaining))"
      console.out("\r" + line + "\u{1B}[K")
      drawn = true
    case .evaluated(let p, let testAccuracy):
      clearLine()
      console.out(
        "epoch \(p.epoch)/\(epochs(p)) step \(p.step)/\(p.totalSteps): loss \(fixed(p.loss, 4)), train acc "
          + "\(percent(p.accuracy)), test acc \(percent(testAccuracy)), \(Int(p.imagesPerSecond)) img/s, "
          + "lr \(p.learningRate)\n")
    case .checkpoint:
      break
    }
  }

  mutating func finish(_ summary: TrainingSummary, weights: String, checkpoint: String?) {
    clearLine()
    let rate = summary.seconds > 0 ? " (\(fixed(Double(summary.steps) / summary.seconds, 2)) steps/s)" : ""
    var text =
      "done: \(summary.steps) steps in \(duration(summary.seconds))\(rate); final loss \(fixed(summary.finalLoss, 4)), "
      + "train acc \(percent(summary.trainAccuracy)), test acc \(percent(summary.testAccuracy)); weights: \(weights)"
    if let checkpoint { text += "; checkpoint: \(checkpoint)" }
    console.out(text + "\n")
  }

  private mutating func clearLine() {
    if drawn { console.out("\r\u{1B}[K") }
    drawn = false
  }

  private func epochs(_ p: TrainingProgress) -> Int { (p.totalSteps + p.stepsPerEpoch - 1) / p.stepsPerEpoch }

  private func percent(_ value: Double) -> String { value.isFinite ? fixed(value * 100, 1) + "%" : "-" }

  private func fixed(_ value: Double, _ digits: Int) -> String {
    value.isFinite ? String(format: "%.\(digits)f", value) : "-"
  }

  /// `1:05:09`, `3:07`, `12s`.
  private func duration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "-" }
    let total = Int(seconds.rounded())
    let (hours, minutes, rest) = (total / 3600, total / 60 % 60, total % 60)
    if hours > 0 { return String(format: "%d:%02d:%02d", hours, minutes, rest) }
    return minutes > 0 ? String(format: "%d:%02d", minutes, rest) : "\(rest)s"
  }
}
