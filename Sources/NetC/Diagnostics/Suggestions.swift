// "Did you mean …?": the closest known name to a misspelled one.

/// The candidate nearest to `word` by edit distance, if it is close enough to be a plausible typo
/// (at most a third of the word's length, and at least one edit allowed). Ties go to the first candidate.
public func closestMatch(to word: String, in candidates: [String]) -> String? {
  let limit = max(1, word.count / 3)
  var best: (name: String, distance: Int)?
  for candidate in candidates where candidate != word {
    let distance = editDistance(word, candidate)
    if distance <= limit && distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
  }
  return best?.name
}

/// Edit distance over characters where an insertion, a deletion, a substitution or a swap of two adjacent
/// characters each count as one edit (optimal string alignment), so the common typo `rleu` is one edit
/// from `relu`.
public func editDistance(_ a: String, _ b: String) -> Int {
  let a = Array(a)
  let b = Array(b)
  if a.isEmpty { return b.count }
  if b.isEmpty { return a.count }
  var beforePrevious = [Int](repeating: 0, count: b.count + 1)
  var previous = Array(0...b.count)
  var current = previous
  for i in 1...a.count {
    current[0] = i
    for j in 1...b.count {
      current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
        current[j] = min(current[j], beforePrevious[j - 2] + 1)
      }
    }
    (beforePrevious, previous, current) = (previous, current, beforePrevious)
  }
  return previous[b.count]
}

/// `closestMatch`, or else the one candidate that `word` begins (a truncated name such as 'conv' for
/// 'conv2d'), for suggestions among short names where a typo budget of a third of the word is too small.
/// Completions that merely extend another ('conv2d_grad_input' extends 'conv2d') do not make it ambiguous.
public func closestMatchOrCompletion(to word: String, in candidates: [String]) -> String? {
  if let match = closestMatch(to: word, in: candidates) { return match }
  let completions = candidates.filter { !word.isEmpty && $0.hasPrefix(word) }
  let roots = completions.filter { completion in
    !completions.contains { $0 != completion && completion.hasPrefix($0) }
  }
  return roots.count == 1 ? roots[0] : nil
}
