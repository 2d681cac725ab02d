// TEMPORARY copy until c1 lands (see pending-core.ts).
export function entityTypes(labels: readonly string[], ignore: readonly string[] = ['O']): string[] {
  return [...new Set(labels.filter((l) => !ignore.includes(l)).map((l) => (/^[BIES]-/.test(l) ? l.slice(2) : l)))];
}
