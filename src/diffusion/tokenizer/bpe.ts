/** Byte-pair merging of one word's symbols by merge rank (lower rank = learnt earlier = applied first). */

/** Key of a merge in a rank table: the two symbols joined by a space, as merges.txt writes them. */
export function mergeKey(left: string, right: string): string {
  return `${left} ${right}`;
}

/**
 * Repeatedly merges the adjacent pair with the lowest rank, every non-overlapping occurrence of it
 * left to right, until no adjacent pair is a known merge.
 */
export function applyMerges(symbols: readonly string[], ranks: ReadonlyMap<string, number>): string[] {
  let word = symbols.slice();
  while (word.length > 1) {
    let bestRank = Infinity;
    let left = '';
    let right = '';
    for (let i = 0; i < word.length - 1; i++) {
      const rank = ranks.get(mergeKey(word[i], word[i + 1]));
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        left = word[i];
        right = word[i + 1];
      }
    }
    if (bestRank === Infinity) break;
    const merged: string[] = [];
    for (let i = 0; i < word.length; i++) {
      if (i < word.length - 1 && word[i] === left && word[i + 1] === right) {
        merged.push(left + right);
        i++;
      } else {
        merged.push(word[i]);
      }
    }
    word = merged;
  }
  return word;
}
