// The fuzzer's library entry: check programs through every path in chunks (one C compiler invocation per
// chunk and compiler) on a few parallel lanes, and shrink what fails.

import Foundation

public struct FuzzOptions: Sendable {
  /// The C legs' compilers; none: in-process checks only.
  public var compilers: [CCompiler] = []
  /// Whether each program is built by one of `compilers`, taking turns by seed, not by all of them: over a
  /// batch every compiler sees every kernel path and graph, at half the compiles.
  public var alternateCompilers = true
  public var cFlags = ModelBuilder.defaultFlags
  /// Thread counts the C runs with, where its API takes one (see `FuzzDriver`); elsewhere one thread.
  public var threadCounts = [1, 2]
  /// The instruction sets the C is built for (see `FuzzKernelPath`).
  public var kernelPaths = FuzzKernelPath.available
  /// Whether each program is built for one of `kernelPaths`, taking turns by seed, not for all of them: the
  /// compiles are most of a campaign's time, and over a batch every path sees a share of the programs.
  public var alternateKernelPaths = true
  /// The graphs the C legs may build.
  public var cGraphs = FuzzGraph.allCases
  /// Whether each program builds two of them, not three: its optimized graph (what users compile) and, taking
  /// turns by seed, its front-end graph (the C of every unfused layer) or its random-passes graph (epilogue
  /// combinations the default pipeline never makes). The compiles are most of a campaign's time.
  public var alternateGraphs = true
  /// Whether trainable programs also take one training step in C (built with the first compiler, for the
  /// program's kernel paths, run at each thread count) and in the training interpreter (see `FuzzTraining`).
  public var train = false
  /// A Python with torch, for the PyTorch leg.
  public var python: String?
  /// Programs per C compiler invocation.
  public var chunkSize = 8
  /// Chunks checked at once (the machine's cores).
  public var lanes = 2

  /// Address and undefined-behaviour sanitizers, every report fatal.
  public static let sanitizerFlags = [
    "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-g",
  ]

  public init() {}

  /// The graphs the C legs build for the program with this seed.
  func cGraphs(seed: UInt64) -> [FuzzGraph] {
    guard alternateGraphs else { return cGraphs }
    let turn: FuzzGraph = seed % 2 == 0 ? .unoptimized : .randomPasses
    return cGraphs.filter { $0 == .optimized || $0 == turn }
  }

  /// The kernel paths the C of the program with this seed is built for (a different turn than the graphs').
  func kernelPaths(seed: UInt64) -> [FuzzKernelPath] {
    guard alternateKernelPaths, !kernelPaths.isEmpty else { return kernelPaths }
    return [kernelPaths[Int((seed / 2) % UInt64(kernelPaths.count))]]
  }

  /// The compilers that build the C of the program with this seed (a turn that, with the kernel paths' and the
  /// graphs', runs through every combination every `2 × kernel paths × compilers` seeds).
  func compilers(seed: UInt64) -> [CCompiler] {
    guard alternateCompilers, !compilers.isEmpty else { return compilers }
    let period = UInt64(2 * max(1, kernelPaths.count))
    return [compilers[Int((seed / period) % UInt64(compilers.count))]]
  }

  /// Only the legs that can show `failure` again, so that shrinking checks no more than it needs. A C leg's
  /// check reads `c-<what> <compiler> <graph> <path> threads=<n>`; a training leg's
  /// `train-<what> <compiler> <path>`, with `threads=<n>` unless it compares thread counts.
  func restricted(to failure: FuzzFailure) -> FuzzOptions {
    var options = self
    let words = failure.check.split(separator: " ").map(String.init)
    options.python = words[0].hasPrefix("pytorch") ? python : nil
    options.train = words[0].hasPrefix("train") && train
    guard words[0].hasPrefix("c-") || options.train, words.count > 1 else {
      options.compilers = []
      return options
    }
    options.compilers = compilers.filter { $0.name == words[1] }
    if options.train { options.cGraphs = [] }
    for word in words.dropFirst(2) {
      if let graph = FuzzGraph(rawValue: word) {
        options.cGraphs = [graph]
        options.alternateGraphs = false
      } else if let path = FuzzKernelPath(rawValue: word) {
        options.kernelPaths = [path]
        options.alternateKernelPaths = false
      } else if word.hasPrefix("threads="), let threads = Int(word.dropFirst("threads=".count)) {
        options.threadCounts = [threads]
      }
    }
    return options
  }
}

/// What checking one program found.
public struct FuzzOutcome: Sendable {
  public var fuzzCase: FuzzCase
  public var failure: FuzzFailure?
  /// The largest relative differences measured, by comparison (`c O0`, `passes optimized`, …).
  public var errors: [String: Double]
}

public struct Fuzzer: Sendable {
  public var options: FuzzOptions
  /// Where the C legs write their files; each chunk uses a fresh subdirectory and removes it.
  public var workDirectory: URL

  public init(options: FuzzOptions, workDirectory: URL = FileManager.default.temporaryDirectory) {
    self.options = options
    self.workDirectory = workDirectory
  }

  /// Checks `cases` through every path, `options.lanes` chunks at a time; outcomes in the order of `cases`.
  /// `progress` hears each chunk's outcomes as it finishes (from any lane, one call at a time).
  public func check(_ cases: [FuzzCase], progress: @Sendable ([FuzzOutcome]) -> Void = { _ in }) -> [FuzzOutcome] {
    let chunks = stride(from: 0, to: cases.count, by: options.chunkSize).map {
      Array(cases[$0..<min($0 + options.chunkSize, cases.count)])
    }
    let results = LaneResults(count: chunks.count)
    DispatchQueue.concurrentPerform(iterations: max(1, min(options.lanes, chunks.count))) { _ in
      while let index = results.nextChunk() {
        let outcomes = checkChunk(chunks[index])
        results.store(outcomes, at: index, progress)
      }
    }
    return results.outcomes
  }

  /// One chunk in this thread: the in-process checks, then the C legs together.
  public func checkChunk(_ cases: [FuzzCase], stage: (Int, String) -> Void = { _, _ in }) -> [FuzzOutcome] {
    let checker = FuzzChecker(options: options)
    var outcomes = cases.map { FuzzOutcome(fuzzCase: $0, failure: nil, errors: [:]) }
    var prepared: [(index: Int, item: FuzzPrepared)] = []
    for (index, fuzzCase) in cases.enumerated() {
      switch checker.prepare(fuzzCase, prefix: "fuzz\(index)", stage: { stage(index, $0) }) {
      case .failure(let failure): outcomes[index].failure = failure
      case .success(let item):
        outcomes[index].errors = item.errors
        prepared.append((index, item))
      }
    }
    guard !prepared.isEmpty, !options.compilers.isEmpty || options.python != nil else { return outcomes }
    let directory = workDirectory.appendingPathComponent("netc-fuzz-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      for (index, _) in prepared { outcomes[index].failure = FuzzFailure("work-directory", "\(error)") }
      return outcomes
    }
    var errors = prepared.map(\.item.errors)
    for (index, _) in prepared { stage(index, "c") }
    var failures = FuzzCBuild(options: options).run(prepared.map(\.item), in: directory, errors: &errors)
    if options.train, let compiler = options.compilers.first {
      for position in prepared.indices where failures[position] == nil {
        stage(prepared[position].index, "train")
        let training = FuzzTraining(
          compiler: compiler, flags: options.cFlags,
          kernelPaths: options.kernelPaths(seed: prepared[position].item.fuzzCase.seed),
          threadCounts: options.threadCounts)
        let result = training.run(prepared[position].item, in: directory)
        failures[position] = result.failure
        if let error = result.error { errors[position]["train"] = error }
      }
    }
    if let python = options.python {
      let pending = prepared.indices.filter { failures[$0] == nil && prepared[$0].item.pytorchSource != nil }
      let pytorch = FuzzPyTorch(python: python).run(pending.map { prepared[$0].item }, in: directory)
      for (position, index) in pending.enumerated() {
        failures[index] = pytorch.failures[position]
        errors[index]["pytorch"] = pytorch.errors[position]
      }
    }
    for (position, (index, _)) in prepared.enumerated() {
      outcomes[index].failure = failures[position]
      outcomes[index].errors = errors[position]
    }
    return outcomes
  }
}

/// The lanes' shared work list and results, behind a lock.
private final class LaneResults: @unchecked Sendable {
  private let lock = NSLock()
  private var next = 0
  private var chunks: [[FuzzOutcome]]

  init(count: Int) { chunks = Array(repeating: [], count: count) }

  func nextChunk() -> Int? {
    lock.withLock {
      guard next < chunks.count else { return nil }
      defer { next += 1 }
      return next
    }
  }

  func store(_ outcomes: [FuzzOutcome], at index: Int, _ progress: ([FuzzOutcome]) -> Void) {
    lock.withLock {
      chunks[index] = outcomes
      progress(outcomes)
    }
  }

  var outcomes: [FuzzOutcome] { lock.withLock { chunks.flatMap { $0 } } }
}

extension Fuzzer {
  /// The failing program of `outcome` shrunk to a small one that fails the same way, checked only on the legs
  /// that failed; nil when the case has no program tree to edit (a reproducer file) or no failure.
  public func shrink(_ outcome: FuzzOutcome, progress: (FuzzCase) -> Void = { _ in }) -> FuzzCase? {
    guard let failure = outcome.failure, let program = outcome.fuzzCase.program else { return nil }
    var narrow = self
    narrow.options = options.restricted(to: failure)
    let name = outcome.fuzzCase.name
    // In-process checks take milliseconds; a C leg's compile takes most of a second.
    let budget = narrow.options.compilers.isEmpty && narrow.options.python == nil ? 4000 : 400
    let shrunk = FuzzShrinker(budget: budget).shrink(
      program,
      fails: { candidate in
        narrow.checkChunk([FuzzCase(candidate, name: name)]).first?.failure?.check
      },
      progress: { progress(FuzzCase($0, name: name)) })
    return FuzzCase(shrunk, name: name)
  }
}
