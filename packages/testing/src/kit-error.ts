/** Thrown by the kit when a backend breaks the protocol; `problems` lists every finding, one per line. */
export class KitError extends Error {
  constructor(
    readonly title: string,
    readonly problems: readonly string[],
  ) {
    super(`${title}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'KitError';
  }
}
