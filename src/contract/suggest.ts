/**
 * "Did you mean": the candidate a misspelling most likely meant. One implementation for field
 * names in customer files, command names and flags.
 */

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The candidate `word` most likely meant, if any is close enough (a few edits, case ignored). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  // Up to a third of the longer word may differ: `registries` still finds `registry`.
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(Math.max(best.length, word.length) / 3)) ? best : undefined;
}
