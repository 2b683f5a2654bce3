/**
 * Tests that need something outside Node (PostgreSQL, Python with torch, ...) skip on a user's
 * machine that lacks it, with one line naming what is missing, and fail instead where it must be
 * there: under CI (which installs everything) or when REQUIRE_<NAME>=1 asks for it.
 */

export interface Requirement {
  /** Why it cannot run here; undefined when it can. */
  missing?: string;
  /** The suite title to use: the name, plus "(skipped: ...)" when missing. */
  title: string;
}

/**
 * `name` is what the tests need ("PostgreSQL"); `envName` the REQUIRE_ variable that makes its
 * absence a failure ("POSTGRES"); `missing` why it is absent, or undefined when present.
 */
export function requirement(name: string, envName: string, missing: string | undefined): Requirement {
  if (missing === undefined) return { title: `with ${name}`, missing };
  const requiredBy = process.env.CI ? 'CI is set' : process.env[`REQUIRE_${envName}`] === '1' ? `REQUIRE_${envName}=1` : undefined;
  if (requiredBy) throw new Error(`${requiredBy}, so these tests must run, but ${name} is missing: ${missing}`);
  // One line per skipped suite, so a user sees what they did not test and why.
  console.warn(`skipped: tests that need ${name} (${missing})`);
  return { title: `with ${name} (skipped: ${missing})`, missing };
}
