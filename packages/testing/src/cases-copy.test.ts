import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { protocolCases, replayConformanceCases } from './index.js';

describe('protocol/cases.json', () => {
  it('is the spec’s copy (packages/core/test/protocol/cases.json), byte for byte', () => {
    const spec = fs.readFileSync(new URL('../../core/test/protocol/cases.json', import.meta.url), 'utf8');
    const ours = fs.readFileSync(new URL('../protocol/cases.json', import.meta.url), 'utf8');
    expect(ours, 'run: cp packages/core/test/protocol/cases.json packages/testing/protocol/').toBe(spec);
    expect(protocolCases().length).toBeGreaterThanOrEqual(49);
  });

  it('replays each model-independent case under a unique name', () => {
    const names = replayConformanceCases.caseNames();
    expect(new Set(names).size).toBe(names.length);
    const fromSpec = names.filter((n) => protocolCases().some((c) => c.name === n));
    expect(fromSpec.length).toBeGreaterThanOrEqual(22);
  });
});
