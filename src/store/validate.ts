// Argument checks at the store's boundary, so bad numbers fail with a message instead of
// landing in the database (or in a SQL sum).

export function requireCount(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`expected ${name} to be a whole number >= 0, got ${String(value)}`);
  }
  return value;
}

export function requirePositive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`expected ${name} to be a whole number > 0, got ${String(value)}`);
  }
  return value;
}

export function requireOneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(`expected ${name} to be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}
