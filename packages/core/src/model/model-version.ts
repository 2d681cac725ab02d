/** The version a project starts with, as in Python (`INITIAL_MODEL_VERSION`). */
export const INITIAL_MODEL_VERSION = '0.0.1';

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const TRAILING_TRIPLE = /(\d+)\.(\d+)\.(\d+)$/;
const TRAILING_NUMBER = /(\d+)$/;

/**
 * The bump Python intended (§6.3, Q15): a minor bump for semver (`0.0.1` → `0.1.0`, pre-release and
 * build dropped). Python's own call is a no-op for semver and throws for other strings; here a version
 * ending in `X.Y.Z` (`Model-v0.0.1`) bumps that triple, one ending in digits increments them
 * (`run-9` → `run-10`), and anything else gets `-1` appended.
 */
export function bumpVersion(version: string | null | undefined): string {
  const v = version ?? '';
  if (!v) return '0.1.0';
  const semver = SEMVER.exec(v);
  if (semver) return `${semver[1]}.${Number(semver[2]) + 1}.0`;
  const triple = TRAILING_TRIPLE.exec(v);
  if (triple) return `${v.slice(0, triple.index)}${triple[1]}.${Number(triple[2]) + 1}.0`;
  const num = TRAILING_NUMBER.exec(v);
  if (num) return `${v.slice(0, num.index)}${BigInt(num[1]!) + 1n}`;
  return `${v}-1`;
}
