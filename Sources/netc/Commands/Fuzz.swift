// `netc fuzz`: random programs in the architecture language through every path (front end, IR text, passes,
// interpreter, the generated C under each compiler and thread count, PyTorch), failures shrunk to minimal
// reproducers.

import Foundation
import NetC

enum Fuzz: Command {
  static let name = "fuzz"
  static let abstract = "Check random programs through every path; shrink and keep what fails"
  static let usage = """
    netc fuzz [FILE.net...] [--seed S] [--count N] [--gcc] [--opt-level N] [--no-c] [--threads-list 1,2] \
    [--kernels LIST] [--train] [--sanitize] [--pytorch PYTHON] [--keep DIR] [--show]
    """
  static let details = """
      FILE.net              check these reproducers (as 'netc fuzz --keep' writes them) instead
      --seed S              the first program's seed (default 1); program k has seed S+k
      --count N             how many programs (default 100)
      --gcc                 build the C with gcc too, programs taking clang and gcc in turn
      --opt-level N         the -O level the C is built at (default 2, as netc builds it); 1 compiles
                            in two thirds of the time, for long campaigns
      --no-c                skip the C legs (front end, IR text, passes and interpreter only)
      --threads-list LIST   thread counts the C runs with where its API takes one (default 1,2)
      --kernels LIST        kernel paths to build the C for, each program taking one in turn
                            (default: those the machine runs, of plain,avx2,avx512); 'all' builds every
                            program for each, with every compiler
      --train               also take one training step in C and in the interpreter (trainable programs;
                            the C on the program's kernel paths, at each thread count)
      --sanitize            build the C with the address and undefined-behaviour sanitizers
      --pytorch PYTHON      also run each program's 'netc emit pytorch' module with this Python (needs torch)
      --keep DIR            write each failure's shrunk reproducer to DIR
      --show                print the programs instead of checking them
    """

  static func run(_ arguments: inout Arguments, _ console: Console) throws -> Int32 {
    let seed = UInt64(try arguments.intOption("--seed", in: 0...Int.max) ?? 1)
    let count = try arguments.intOption("--count") ?? 100
    let show = arguments.flag("--show")
    var options = FuzzOptions()
    if !arguments.flag("--no-c") { options.compilers = [try CCompiler.find("clang")] }
    if arguments.flag("--gcc") { options.compilers.append(try CCompiler.find("gcc")) }
    if let level = try arguments.intOption("--opt-level", in: 0...3) {
      options.cFlags = CCompiler.strictFlags + ["-O\(level)"]
    }
    if arguments.flag("--sanitize") { options.cFlags += FuzzOptions.sanitizerFlags }
    options.python = try arguments.option("--pytorch")
    if let list = try arguments.option("--threads-list") {
      options.threadCounts = try threadCounts(list)
    }
    if let list = try arguments.option("--kernels") {
      try kernelPaths(list, into: &options)
    }
    options.train = arguments.flag("--train")
    let keep = try arguments.option("--keep")
    var files: [String] = []
    while let file = arguments.optionalPositional() { files.append(file) }
    try arguments.finish()

    let cases =
      try files.isEmpty ? (0..<UInt64(count)).map { FuzzCase(seed: seed + $0) } : files.map(FuzzReproducer.read)
    if show {
      for fuzzCase in cases { console.out("# \(fuzzCase.name), batch \(fuzzCase.batch)\n" + fuzzCase.source + "\n") }
      return ExitCode.success
    }
    let start = Date()
    let fuzzer = Fuzzer(options: options)
    // A line per chunk on stderr, so that a long campaign shows its progress and, if stopped, what it checked.
    let outcomes = fuzzer.check(cases) { chunk in
      for outcome in chunk where outcome.failure != nil {
        console.err("\(outcome.fuzzCase.name): \(outcome.failure!)\n")
      }
      let failed = chunk.filter { $0.failure != nil }.count
      let range = [chunk.first, chunk.last].compactMap { $0?.fuzzCase.name }.joined(separator: " … ")
      console.err("checked \(range): \(failed) of \(chunk.count) failed\n")
    }
    let failed = outcomes.filter { $0.failure != nil }
    var largest: [String: (error: Double, name: String)] = [:]
    for outcome in outcomes where outcome.failure == nil {
      for (comparison, error) in outcome.errors where error > largest[comparison]?.error ?? -1 {
        largest[comparison] = (error, outcome.fuzzCase.name)
      }
    }
    if !files.isEmpty {
      for outcome in outcomes {
        let errors = outcome.errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        console.out(
          "\(outcome.fuzzCase.name): \(outcome.failure.map(\.description) ?? "ok"); \(errors.joined(separator: ", "))\n"
        )
      }
    }
    console.out(
      "checked \(outcomes.count) programs in \(Int(Date().timeIntervalSince(start))) s: \(failed.count) failed\n")
    for (comparison, largest) in largest.sorted(by: { $0.key < $1.key }) {
      console.out("  largest relative difference, \(comparison): \(largest.error) (\(largest.name))\n")
    }
    for outcome in failed {
      guard let shrunk = fuzzer.shrink(outcome) else { continue }
      let text = FuzzReproducer.text(shrunk, failure: outcome.failure!)
      console.out("\n" + text)
      if let keep {
        let name = "\(outcome.failure!.check.split(separator: " ")[0])-\(outcome.fuzzCase.seed)"
        try FuzzReproducer.write(shrunk, failure: outcome.failure!, to: keep, name: name)
      }
    }
    return failed.isEmpty ? ExitCode.success : ExitCode.failure
  }

  private static func threadCounts(_ list: String) throws -> [Int] {
    let counts = list.split(separator: ",").compactMap { Int($0) }
    guard !counts.isEmpty, counts.count == list.split(separator: ",").count, counts.allSatisfy({ $0 >= 1 }) else {
      throw UsageError("option '--threads-list' expects thread counts such as 1,2, got '\(list)'")
    }
    return counts
  }

  private static func kernelPaths(_ list: String, into options: inout FuzzOptions) throws {
    if list == "all" {
      options.alternateKernelPaths = false
      options.alternateCompilers = false
      return
    }
    var paths: [FuzzKernelPath] = []
    for name in list.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
      guard let path = FuzzKernelPath(rawValue: name) else {
        let names = FuzzKernelPath.allCases.map(\.rawValue)
        let suggestion = closestMatch(to: name, in: names).map { "; did you mean '\($0)'?" } ?? ""
        throw UsageError(
          "unknown kernel path '\(name)' in '--kernels'\(suggestion) (known: \(names.joined(separator: ", ")))")
      }
      guard FuzzKernelPath.available.contains(path) else {
        throw UsageError(
          "this machine cannot run the '\(name)' kernels; it runs \(FuzzKernelPath.available.map(\.rawValue))")
      }
      paths.append(path)
    }
    options.kernelPaths = paths
  }
}
