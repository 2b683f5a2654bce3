/** Command-line numbers for the scripts: a bad one ends the script with exit code 2 and a message naming the option. */
export function whole(name: string, raw: string, min: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be a whole number of at least ${min}, got "${raw}"`);
    process.exit(2);
  }
  return n;
}
