/** Pass counts per category across many scored images, and the table the evaluator prints. */

export interface CategoryCount {
  passed: number;
  total: number;
}

export class Tally<C extends string> {
  readonly #counts = new Map<C, CategoryCount>();

  constructor(readonly categories: readonly C[]) {
    for (const c of categories) this.#counts.set(c, { passed: 0, total: 0 });
  }

  /** Adds one image's verdicts; categories it does not mention do not apply to it. */
  add(score: Partial<Record<C, boolean>>): void {
    for (const c of this.categories) {
      const verdict = score[c];
      if (verdict === undefined) continue;
      const count = this.#counts.get(c)!;
      count.total++;
      if (verdict) count.passed++;
    }
  }

  count(c: C): CategoryCount {
    return { ...this.#counts.get(c)! };
  }

  /** Fraction passed, or null where no image was scored on that category. */
  accuracy(c: C): number | null {
    const { passed, total } = this.#counts.get(c)!;
    return total === 0 ? null : passed / total;
  }

  toJSON(): Record<C, CategoryCount & { accuracy: number | null }> {
    return Object.fromEntries(this.categories.map((c) => [c, { ...this.count(c), accuracy: this.accuracy(c) }])) as Record<
      C,
      CategoryCount & { accuracy: number | null }
    >;
  }

  /** A fixed-width text table: category, passed/total, accuracy in percent. */
  table(): string {
    const rows = this.categories.map((c) => {
      const { passed, total } = this.#counts.get(c)!;
      const acc = this.accuracy(c);
      return [c.padEnd(12), `${passed}/${total}`.padStart(9), (acc === null ? '-' : `${(acc * 100).toFixed(1)}%`).padStart(8)].join(' ');
    });
    return ['category'.padEnd(12) + '    passed accuracy', ...rows].join('\n');
  }
}
