// Helpers the tests share: f32 results against Double references, and rendered diagnostics.

@testable import NetC

/// The largest distance between `actual` and `expected`, in units of the f32 spacing at each expected value
/// (at least 1e-12, so exact zeros compare sensibly). The interpreter rounds a Double result to the nearest
/// f32 (half a unit) and its Double arithmetic differs from a Double reference only in summation order
/// (~1e-16 relative), so a correct result is within 1 unit.
func f32Units(_ actual: [Float], _ expected: [Double]) -> Double {
  precondition(actual.count == expected.count, "\(actual.count) results for \(expected.count) references")
  var largest = 0.0
  for (a, e) in zip(actual, expected) {
    let distance = abs(Double(a) - e) / max(Double(Float(e).ulp), 1e-12)
    largest = max(largest, distance.isNaN ? .infinity : distance)
  }
  return largest
}

/// max |actual − expected| / max |expected|: the error measure of the PyTorch parity tests.
func relativeError(_ actual: [Float], _ expected: [Float]) -> Double {
  precondition(actual.count == expected.count, "\(actual.count) results for \(expected.count) references")
  var error = 0.0
  var scale = 0.0
  for (a, e) in zip(actual, expected) {
    error = max(error, abs(Double(a) - Double(e)))
    scale = max(scale, abs(Double(e)))
  }
  return error.isNaN ? .infinity : error / max(scale, .leastNormalMagnitude)
}

func randomTensor(_ dims: [Int], seed: UInt64) -> Tensor {
  Tensor(randomNormal: Shape(dims), seed: seed)
}

/// What `body` reports as the command line would print it (nil when it succeeds; other errors described).
func diagnosticText(_ body: () throws -> Void) -> String? {
  do {
    try body()
    return nil
  } catch let error as DiagnosticError {
    return error.rendered
  } catch {
    return "unexpected error: \(error)"
  }
}
