// Shapes of IR values and the small attribute types the ops share.

/// The shape of an f32 tensor: `[N, C, H, W]` for feature maps, `[N, F]` after `flatten` or `linear`.
public struct Shape: Hashable, Sendable, CustomStringConvertible {
  public var dims: [Int]

  public init(_ dims: [Int]) { self.dims = dims }

  public var rank: Int { dims.count }
  public var batch: Int { dims[0] }
  /// Channels (`C` of NCHW, `F` of NF).
  public var channels: Int { dims[1] }
  public var height: Int { dims[2] }
  public var width: Int { dims[3] }
  public var elementCount: Int { dims.reduce(1, *) }
  /// Elements per batch item.
  public var itemCount: Int { dims.dropFirst().reduce(1, *) }
  public var byteCount: Int { elementCount * 4 }

  /// `f32[1,64,56,56]`, the spelling of the IR text form.
  public var description: String { "f32[" + dims.map(String.init).joined(separator: ",") + "]" }
}

/// A (height, width) pair: kernel sizes, strides, paddings, dilations and pooled sizes.
/// Printed `HxW` always, so every pair attribute reads the same way in a dump.
public struct Pair: Hashable, Sendable, CustomStringConvertible {
  public var h: Int
  public var w: Int

  public init(_ h: Int, _ w: Int) {
    self.h = h
    self.w = w
  }

  public init(square n: Int) { self.init(n, n) }

  public var isSquare: Bool { h == w }
  public var description: String { "\(h)x\(w)" }
}
