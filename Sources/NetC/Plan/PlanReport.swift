// The memory plan as people and tools read it: a table, JSON, and an SVG of buffers over time and offset.
// Every form is deterministic (same plan, same bytes), so reports can be committed and diffed.

import Foundation

extension MemoryPlan {
  /// One row per buffer (offset, bytes, live range, values) and the three totals.
  public var table: String {
    let rows = buffers.map { buffer in
      [
        "\(buffer.offset)", "\(buffer.bytes)", "\(buffer.firstUse)...\(buffer.lastUse)",
        buffer.values.joined(separator: ", "),
      ]
    }
    let header = ["offset", "bytes", "live", "values"]
    let widths = (0..<3).map { column in (rows.map { $0[column].count } + [header[column].count]).max() ?? 0 }
    func line(_ cells: [String]) -> String {
      let live = cells[2].padding(toLength: widths[2], withPad: " ", startingAt: 0)
      return [pad(cells[0], widths[0]), pad(cells[1], widths[1]), live, cells[3]].joined(separator: "  ") + "\n"
    }
    var out = line(header) + rows.map(line).joined() + "\n"
    let totals = [("naive", naiveBytes), ("lower bound", lowerBoundBytes), ("arena", arenaBytes)]
    let numberWidth = totals.map { "\($0.1)".count }.max() ?? 0
    for (label, bytes) in totals {
      out += label.padding(toLength: 13, withPad: " ", startingAt: 0) + pad("\(bytes)", numberWidth)
        + " bytes  (\(mebibytes(bytes)) MiB)\n"
    }
    return out
  }

  /// `{"model": …, "arena_bytes": …, "naive_bytes": …, "lower_bound_bytes": …, "buffers": [...]}`.
  public func json(model: String) -> String {
    let entries = buffers.map { buffer in
      let values = buffer.values.map { JSON.quoted($0) }.joined(separator: ", ")
      return "    {\"values\": [\(values)], \"offset\": \(buffer.offset), \"bytes\": \(buffer.bytes), "
        + "\"first_use\": \(buffer.firstUse), \"last_use\": \(buffer.lastUse)}"
    }
    return """
      {
        "model": \(JSON.quoted(model)),
        "alignment": \(MemoryPlan.alignment),
        "arena_bytes": \(arenaBytes),
        "naive_bytes": \(naiveBytes),
        "lower_bound_bytes": \(lowerBoundBytes),
        "buffers": [
      \(entries.joined(separator: ",\n"))
        ]
      }

      """
  }

  /// Buffers as rectangles: time (node index) across, arena offset down; hovering one shows its values.
  public func svg(model: String, steps: Int) -> String {
    let (left, top, width, height) = (70.0, 40.0, 900.0, 500.0)
    let stepWidth = width / Double(max(steps, 1))
    let byteHeight = height / Double(max(arenaBytes, 1))
    var out = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(left + width + 20))" height="\(Int(top + height + 50))" \
      font-family="sans-serif" font-size="12">
      <text x="\(Int(left))" y="24">\(xmlEscaped(model)): arena \(arenaBytes) bytes (\(mebibytes(arenaBytes)) MiB), \
      lower bound \(lowerBoundBytes), naive \(naiveBytes)</text>
      <rect x="\(Int(left))" y="\(Int(top))" width="\(Int(width))" height="\(Int(height))" \
      fill="#f4f4f4" stroke="#888"/>

      """
    for (index, buffer) in buffers.enumerated() {
      let x = left + Double(buffer.firstUse) * stepWidth
      let y = top + Double(buffer.offset) * byteHeight
      let w = Double(buffer.lastUse - buffer.firstUse + 1) * stepWidth
      let h = Double(buffer.bytes) * byteHeight
      let hue = (index * 47) % 360
      let title = "\(buffer.values.joined(separator: ", ")): \(buffer.bytes) bytes at \(buffer.offset), "
        + "nodes \(buffer.firstUse)...\(buffer.lastUse)"
      out += "<rect x=\"\(fixed(x))\" y=\"\(fixed(y))\" width=\"\(fixed(w))\" height=\"\(fixed(h))\" "
        + "fill=\"hsl(\(hue),60%,65%)\" stroke=\"#333\" stroke-width=\"0.5\">"
        + "<title>\(xmlEscaped(title))</title></rect>\n"
    }
    out += """
      <text x="\(Int(left))" y="\(Int(top + height + 20))">node index (program order) →</text>
      <text x="\(Int(left - 8))" y="\(Int(top + 12))" text-anchor="end">0</text>
      <text x="\(Int(left - 8))" y="\(Int(top + height))" text-anchor="end">\(arenaBytes)</text>
      <text x="\(Int(left - 8))" y="\(Int(top + height / 2))" text-anchor="end">offset ↓</text>
      </svg>

      """
    return out
  }
}

private func pad(_ text: String, _ width: Int) -> String {
  String(repeating: " ", count: max(0, width - text.count)) + text
}

private func mebibytes(_ bytes: Int) -> String { String(format: "%.2f", Double(bytes) / 1_048_576) }

private func fixed(_ value: Double) -> String { String(format: "%.2f", value) }

private func xmlEscaped(_ text: String) -> String {
  text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
