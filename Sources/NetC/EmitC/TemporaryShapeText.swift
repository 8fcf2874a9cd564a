// Until the interpreter's `Shape.dimsText` lands on main (delete this file then).

extension Shape {
  public var dimsText: String { "[" + dims.map(String.init).joined(separator: ",") + "]" }
}
