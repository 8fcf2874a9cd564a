// Built-in layers with arguments chosen to fit the current value: convs of every geometry (kernels 1–11,
// non-square, strides, padding, dilation, groups from 1 to depthwise and narrow groups), pools with padding and
// ceil mode, adaptive pools (shrinking and growing), LRN, batch norm, dropout, softmax, flatten and linear layers.

extension FuzzGenerator {
  /// A channel count: small, rarely a multiple of 8, or one the block's parameters suggest.
  mutating func channels(_ body: Body) -> Int {
    let hinted = hints(.channels, body).filter { (1...32).contains($0) }
    if !hinted.isEmpty && random.chance(body.inBlock ? 0.7 : 0.3) { return random.pick(hinted) }
    return random.pick([1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 15, 16, 17, 20, 24])
  }

  /// conv, sometimes followed by batchnorm and relu.
  mutating func convUnit(_ body: inout Body) -> Bool {
    guard let conv = convolution(body) else { return false }
    guard emit(.layer(name: layerName("conv", &body), conv), &body) else { return false }
    if random.chance(0.6) { _ = emit(.layer(name: layerName("bn", &body), batchNorm(body)), &body) }
    if random.chance(0.6) { _ = emit(.layer(name: layerName("relu", &body), FuzzCall("relu")), &body) }
    return true
  }

  mutating func convolution(_ body: Body) -> FuzzCall? {
    let x = body.shape
    guard x.rank == 4 else { return nil }
    let inputs = x.channels
    var out = channels(body)
    var groups = 1
    switch random.weighted([6, 1.5, 1, 1, 1.5]) {
    case 1:  // depthwise, sometimes with a channel multiplier
      groups = inputs
      out = inputs * random.pick([1, 1, 2])
    case 2 where inputs % 4 == 0 && inputs > 4:  // groups of 4 channels
      groups = inputs / 4
      out = groups * random.int(1...3)
    case 3:
      let divisors = (1...inputs).filter { inputs % $0 == 0 }
      groups = random.pick(divisors)
      out = groups * max(1, out / groups)
    case 4 where inputs > 1:  // narrow groups as the grouped kernel packs them: 1, 2, 4 or 8 channels a group
      let widths = [1, 2, 4, 8]
      let perGroup = random.pick(widths.filter { inputs % $0 == 0 && inputs > $0 })
      groups = inputs / perGroup
      // At least as many outputs as inputs a group (the kernel's limit), and not many more than 32 channels.
      out = groups * random.pick(widths.filter { $0 >= perGroup && groups * $0 <= max(32, inputs) })
    default:
      break
    }
    let hintedGroups = hints(.groups, body).filter { $0 > 0 && inputs % $0 == 0 && out % $0 == 0 }
    if !hintedGroups.isEmpty && random.chance(0.5) { groups = random.pick(hintedGroups) }
    let square = random.chance(0.8)
    let kernelH = kernelSize(body)
    let kernel = Pair(kernelH, square ? kernelH : kernelSize(body))
    let dilation = random.chance(0.8) ? Pair(square: 1) : Pair(random.int(1...3), random.int(1...2))
    let stride = convStride(body)
    let pad = Pair(
      padding(kernel.h, dilation.h, size: x.height), padding(kernel.w, dilation.w, size: x.width))
    let arguments: [(String, FuzzExpr?)] = [
      ("out", integer(out, body)),
      ("kernel", pair(kernel, body)),
      ("stride", stride == Pair(square: 1) && random.chance(0.5) ? nil : pair(stride, body)),
      ("pad", pad == Pair(square: 0) && random.chance(0.5) ? nil : pair(pad, body)),
      ("dilation", dilation == Pair(square: 1) && random.chance(0.8) ? nil : pair(dilation, body)),
      ("groups", groups == 1 && random.chance(0.7) ? nil : integer(groups, body)),
      ("bias", random.chance(0.4) ? nil : boolean(random.chance(0.4), body)),
    ]
    return call("conv", arguments)
  }

  /// Mostly 1, 3 and 5; every size up to 11 now and then; the block's kernel parameter when there is one.
  private mutating func kernelSize(_ body: Body) -> Int {
    let hinted = hints(.kernel, body)
    if !hinted.isEmpty && random.chance(0.6) { return random.pick(hinted) }
    return [1, 3, 5, 2, 4, 7, 6, 9, 11, 8, 10][random.weighted([4, 5, 2, 1, 0.7, 0.7, 0.4, 0.4, 0.4, 0.2, 0.2])]
  }

  private mutating func convStride(_ body: Body) -> Pair {
    let hinted = hints(.stride, body)
    if !hinted.isEmpty && random.chance(0.5) { return Pair(square: random.pick(hinted)) }
    switch random.weighted([6, 2, 0.5, 0.5]) {
    case 1: return Pair(square: 2)
    case 2: return Pair(square: 3)
    case 3: return Pair(random.int(1...2), random.int(1...3))
    default: return Pair(square: 1)
    }
  }

  /// Padding that keeps the output non-empty: usually "same" padding, sometimes none or more.
  private mutating func padding(_ kernel: Int, _ dilation: Int, size: Int) -> Int {
    let span = dilation * (kernel - 1) + 1
    let least = max(0, (span - size + 1) / 2)
    let same = dilation * (kernel - 1) / 2
    switch random.weighted([5, 2, 1]) {
    case 0: return max(same, least)
    case 1: return least
    default: return least + random.int(0...2)
    }
  }

  mutating func batchNorm(_ body: Body) -> FuzzCall {
    call(
      "batchnorm",
      [
        ("eps", random.chance(0.7) ? nil : float(random.pick(["1e-5", "0.001", "1e-3", "0.1", "1.0"]), body)),
        ("momentum", random.chance(0.8) ? nil : float(random.pick(["0.1", "0.0", "1.0", "0.01"]), body)),
      ])
  }

  /// maxpool or avgpool: any kernel the padding can fit (padding at most half the kernel), strides up to one
  /// past the kernel, ceil mode, and for the average whether padding counts.
  mutating func pool(_ body: Body) -> FuzzCall? {
    let x = body.shape
    guard x.rank == 4 else { return nil }
    let square = random.chance(0.75)
    let kernelH = random.pick([1, 2, 2, 3, 3, 3, 4, 5])
    let kernel = Pair(kernelH, square ? kernelH : random.pick([1, 2, 3]))
    func padding(_ k: Int, _ size: Int) -> Int {
      let least = max(0, (k - size + 1) / 2)
      return random.chance(0.5) ? least : random.int(least...max(least, k / 2))
    }
    let pad = Pair(padding(kernel.h, x.height), padding(kernel.w, x.width))
    let stride = random.chance(0.5) ? kernel : Pair(random.int(1...kernel.h + 1), random.int(1...kernel.w + 1))
    let average = random.chance(0.5)
    var arguments: [(String, FuzzExpr?)] = [
      ("kernel", pair(kernel, body)),
      ("stride", stride == kernel && random.chance(0.6) ? nil : pair(stride, body)),
      ("pad", pad == Pair(square: 0) && random.chance(0.6) ? nil : pair(pad, body)),
      ("ceil", random.chance(0.4) ? nil : boolean(random.chance(0.5), body)),
    ]
    if average { arguments.append(("count_pad", random.chance(0.4) ? nil : boolean(random.chance(0.5), body))) }
    return call(average ? "avgpool" : "maxpool", arguments)
  }

  /// adaptive_avgpool to a size that may be smaller or larger than the input, or global_avgpool.
  mutating func adaptivePool(_ body: Body) -> FuzzCall? {
    let x = body.shape
    guard x.rank == 4 else { return nil }
    if random.chance(0.3) { return FuzzCall("global_avgpool") }
    let size = Pair(random.int(1...min(x.height + 2, 7)), random.int(1...min(x.width + 2, 7)))
    return call("adaptive_avgpool", [("size", pair(size, body))])
  }

  mutating func lrn(_ body: Body) -> FuzzCall {
    call(
      "lrn",
      [
        ("size", random.chance(0.2) ? nil : integer(random.int(1...7), body)),
        ("alpha", random.chance(0.3) ? nil : float(random.pick(["1e-4", "0.001", "0.01", "0.1", "1.0"]), body)),
        ("beta", random.chance(0.3) ? nil : float(random.pick(["0.75", "0.5", "1.0", "1.5"]), body)),
        ("k", random.chance(0.3) ? nil : float(random.pick(["2.0", "1.0", "0.5", "3"]), body)),
      ])
  }

  mutating func dropout(_ body: Body) -> FuzzCall {
    call("dropout", [("p", random.chance(0.4) ? nil : float(random.pick(["0.5", "0.1", "0.0", "0.9"]), body))])
  }

  mutating func linear(_ body: Body, out: Int? = nil) -> FuzzCall {
    let features = out ?? (random.chance(0.5) ? channels(body) : random.int(1...20))
    return call(
      "linear",
      [
        ("out", integer(features, body)),
        ("bias", random.chance(0.6) ? nil : boolean(random.chance(0.6), body)),
      ])
  }

  /// The classifier at the end of most networks: a pool, flatten, a chain of linear layers, maybe softmax.
  mutating func head(_ body: inout Body) {
    if body.shape.rank == 4 {
      if random.chance(0.6), let pool = adaptivePool(body) {
        _ = emit(.layer(name: layerName("avgpool", &body), pool), &body)
      }
      guard emit(.layer(name: layerName("flatten", &body), FuzzCall("flatten")), &body) else { return }
    }
    let count = random.int(1...3)
    for index in 0..<count {
      if index > 0 {
        _ = emit(.layer(name: layerName("relu", &body), FuzzCall("relu")), &body)
        if random.chance(0.3) { _ = emit(.layer(name: layerName("drop", &body), dropout(body)), &body) }
      }
      _ = emit(
        .layer(name: layerName("fc", &body), linear(body, out: index == count - 1 ? random.int(1...12) : nil)), &body)
    }
    if random.chance(0.3) { _ = emit(.layer(name: layerName("prob", &body), FuzzCall("softmax")), &body) }
  }
}
