import { describe, expect, it } from 'vitest';
import { TaskInputError } from '../errors.js';
import { buildLabelMap } from '../label-config/build-label-map.js';
import { LabelInterface } from '../label-config/label-interface.js';
import { findConfigLabel, mapLabels } from './labels.js';
import { argmax, isProbabilityRow, sigmoid, softmax } from './math.js';
import { textOf } from './text.js';
import { tokenize } from './tokenize.js';

describe('textOf', () => {
  it('returns a string field as it is (empty string included)', () => {
    expect(textOf({ id: 1, data: { text: 'héllo 🙂' } }, 'text')).toBe('héllo 🙂');
    expect(textOf({ id: 1, data: { text: '' } }, 'text')).toBe('');
  });

  it.each([
    [{ id: 7, data: {} }, 'Task 7 has no "text" field; a text is needed'],
    [{ id: 7, data: { text: null } }, 'Task 7 has a null "text" field; a text is needed'],
    [{ id: 7, data: { text: 3 } }, 'Task 7 has a number in "text" field; a text is needed'],
    [{ id: 7, data: { text: ['a'] } }, 'Task 7 has a list in "text" field; a text is needed'],
    [{ id: 7 }, 'Task 7 has no "text" field; a text is needed'],
  ])('throws a TaskInputError naming task and field for %j', (task, message) => {
    let err: unknown;
    try {
      textOf(task, 'text');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TaskInputError);
    expect((err as TaskInputError).message).toBe(message);
    expect((err as TaskInputError).taskId).toBe(7);
    expect((err as TaskInputError).field).toBe('text');
    expect((err as TaskInputError).code).toBe('task_input');
  });

  it('does not read inherited keys', () => {
    expect(() => textOf({ id: 1, data: {} }, 'toString')).toThrow(TaskInputError);
  });
});

describe('findConfigLabel / mapLabels', () => {
  const li = new LabelInterface(
    '<View><Text name="t" value="$text"/><Choices name="c" toName="t"><Choice value="Positive" predicted_values="POS,pos_label"/><Choice value="negative"/><Choice value="Other"/></Choices></View>',
  );
  it('honours predicted_values, exact and case-insensitive matches', () => {
    const map = buildLabelMap(li, 'c', ['POS', 'NEGATIVE', 'x']);
    expect(findConfigLabel(map, 'POS')).toBe('Positive');
    expect(findConfigLabel(map, 'NEGATIVE')).toBe('negative');
    expect(findConfigLabel(map, 'x')).toBeUndefined();
    expect(findConfigLabel(map, 'constructor')).toBeUndefined();
  });
  it('reports unmapped model labels', () => {
    expect(mapLabels(li, 'c', ['pos_label', 'Other', 'junk']).unmapped).toEqual(['junk']);
  });
});

describe('math', () => {
  it('softmax is stable and sums to 1', () => {
    const p = softmax([1000, 1001, 1002]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p[2]).toBeCloseTo(0.665, 3);
  });
  it('sigmoid, argmax, isProbabilityRow', () => {
    expect(sigmoid([0, 100, -100])).toEqual([0.5, 1, expect.closeTo(0, 10)]);
    expect(argmax([1, 3, 3, 2])).toBe(1);
    expect(argmax([])).toBe(-1);
    expect(isProbabilityRow([0.2, 0.8])).toBe(true);
    expect(isProbabilityRow([2, -1])).toBe(false);
  });
});

describe('tokenize', () => {
  it("'words' (default): NFKC, inner apostrophes and hyphens kept, emoji and CJK characters are tokens", () => {
    expect(tokenize("Don't e-mail ＡＢＣ 🙂 東京に")).toEqual(["don't", 'e-mail', 'abc', '🙂', '東', '京', 'に']);
  });
  it("'sklearn': scikit-learn's (?u)\\b\\w\\w+\\b, tokens of two or more word characters", () => {
    expect(tokenize("Don't e-mail a_b x 42", { style: 'sklearn' })).toEqual(['don', 'mail', 'a_b', '42']);
  });
  it('can keep case', () => {
    expect(tokenize('Hello World', { lowercase: false })).toEqual(['Hello', 'World']);
  });
});
