// The lexer: dimension lists, number forms, separators, and columns counted in Unicode scalars.

import Testing

@testable import NetC

@Suite struct LexerTests {
  func kinds(_ text: String) -> [TokenKind] {
    Lexer.tokenize(Array(text.utf8), path: "t.net").tokens.map(\.kind)
  }

  @Test func splitsDimensionLists() {
    #expect(
      kinds("input 3x224x224") == [
        .keyword(.input), .integer(3), .dimensionSeparator, .integer(224), .dimensionSeparator, .integer(224),
        .separator, .endOfFile,
      ])
  }

  /// Only an `x` directly between two integer literals separates dimensions; elsewhere it is a name.
  @Test func xElsewhereIsAnIdentifier() {
    #expect(kinds("3 x 4") == [.integer(3), .identifier("x"), .integer(4), .separator, .endOfFile])
    #expect(kinds("64x") == [.integer(64), .identifier("x"), .separator, .endOfFile])
    #expect(kinds("x3") == [.identifier("x3"), .separator, .endOfFile])
  }

  @Test func numbers() {
    #expect(kinds("1_000")[0] == .integer(1000))
    #expect(kinds("0.5")[0] == .float(0.5))
    #expect(kinds("1e-5")[0] == .float(1e-5))
    #expect(kinds("1.0e-4")[0] == .float(1e-4))
    #expect(kinds("2E3")[0] == .float(2000))
    #expect(kinds("9223372036854775807")[0] == .integer(Int.max))
  }

  /// Newlines end statements except inside `(…)` and `[…]`; runs of separators collapse; `;` separates too.
  @Test func separators() {
    #expect(
      kinds("conv(64,\n 3)\n\n\nrelu; relu") == [
        .identifier("conv"), .symbol(.leftParen), .integer(64), .symbol(.comma), .integer(3), .symbol(.rightParen),
        .separator, .identifier("relu"), .separator, .identifier("relu"), .separator, .endOfFile,
      ])
    #expect(kinds("{\n}") == [.symbol(.leftBrace), .separator, .symbol(.rightBrace), .separator, .endOfFile])
  }

  @Test func keywordsAndComments() {
    #expect(
      kinds("let x = not true # a comment\n") == [
        .keyword(.let), .identifier("x"), .symbol(.assign), .keyword(.not), .keyword(.true), .separator, .endOfFile,
      ])
  }

  @Test func columnsCountUnicodeScalarsAndTabs() {
    let (tokens, diagnostics) = Lexer.tokenize(Array("include \"é✓.net\" @\n\trelu".utf8), path: "t.net")
    #expect(tokens[1].range.start.column == 9)
    #expect(diagnostics.map(\.range?.start.column) == [18])
    #expect(
      tokens.first { $0.kind == .identifier("relu") }?.range.start == SourceLocation(path: "t.net", line: 2, column: 2))
  }

  @Test func invisibleCharactersAreNamedByCodePoint() {
    let (_, diagnostics) = Lexer.tokenize(Array("\u{07} \u{200B} \u{A0} é".utf8), path: "t.net")
    #expect(
      diagnostics.map(\.message) == [
        "unexpected character U+0007", "unexpected character U+200B", "unexpected character U+00A0",
        "unexpected character 'é'",
      ])
  }

  @Test func byteOrderMarkIsSkipped() {
    let (tokens, diagnostics) = Lexer.tokenize([0xEF, 0xBB, 0xBF] + Array("relu".utf8), path: "t.net")
    #expect(diagnostics.isEmpty)
    #expect(tokens.first?.range.start == SourceLocation(path: "t.net", line: 1, column: 1))
  }
}
