/**
 * Interactive substring matcher (Labels ← Text). The annotator selects a span and labels it; Label
 * Studio sends that region as `context`; this backend answers with every other occurrence of the same
 * text in the task, with the same label.
 *
 * Matching is literal (the selection is never treated as a regex) and, by default, case-insensitive
 * with an exact-case match scoring 1.0 and a case-insensitive one 0.8 (set `extra_params`
 * `{"case_sensitive": true}` to require the exact case). The annotator's own span is not returned
 * again. Without a context (batch pre-labelling) it returns an empty prediction list (§5.5).
 *
 * Offsets are code points, as Label Studio counts Text regions (like Python), not UTF-16 units.
 */
import { codePointSlice, LabelStudioMLBase, ModelResponse, toCodePointOffset, type PredictOptions, type Region, type Task } from '@lsml/core';

interface SelectedSpan {
  from_name: string;
  value: { start?: number; end?: number; text?: string | string[]; labels?: string[] };
}

export default class SubstringMatcher extends LabelStudioMLBase {
  override async setup() {
    await this.initModelVersion('SubstringMatcher-v1');
  }

  override async predict(tasks: Task[], { context }: PredictOptions) {
    const selections = ((context as { result?: unknown[] } | null)?.result ?? []) as SelectedSpan[];
    if (selections.length === 0) return new ModelResponse({ predictions: [] });
    const [fromName, toName, field] = this.labelInterface!.getFirstTagOccurrence('Labels', 'Text');
    const caseSensitive = this.extraParams.case_sensitive === true;
    const predictions = tasks.map((task) => {
      const text = String(task.data?.[field] ?? '');
      const result: Region[] = [];
      const taken = new Set<string>();
      for (const sel of selections.filter((s) => s.from_name === fromName)) {
        const keyword = Array.isArray(sel.value.text) ? sel.value.text.join('') : (sel.value.text ?? '');
        if (!keyword.trim()) continue;
        // The selected span itself is already annotated.
        if (sel.value.start !== undefined && sel.value.end !== undefined) taken.add(`${sel.value.start}:${sel.value.end}`);
        for (const at of findAll(text, keyword, caseSensitive)) {
          const found = text.slice(at, at + keyword.length);
          const start = toCodePointOffset(text, at);
          const end = start + [...found].length;
          if (taken.has(`${start}:${end}`)) continue;
          taken.add(`${start}:${end}`);
          result.push({
            id: `${fromName}-${start}-${end}`,
            from_name: fromName,
            to_name: toName,
            type: 'labels',
            value: { start, end, text: found, labels: sel.value.labels ?? [] },
            score: found === keyword ? 1 : 0.8,
          });
        }
      }
      result.sort((a, b) => (a.value as { start: number }).start - (b.value as { start: number }).start);
      const scores = result.map((r) => r.score ?? 0);
      return { result, score: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : 0 };
    });
    return new ModelResponse({ predictions });
  }
}

/** UTF-16 start indices of every non-overlapping literal occurrence (callers convert to code points). */
export function findAll(text: string, keyword: string, caseSensitive: boolean): number[] {
  const hay = caseSensitive ? text : text.toLowerCase();
  const needle = caseSensitive ? keyword : keyword.toLowerCase();
  // toLowerCase can change length for a few characters (e.g. "İ"); then fall back to exact case.
  if (hay.length !== text.length || needle.length !== keyword.length) return findAll(text, keyword, true);
  const out: number[] = [];
  for (let i = hay.indexOf(needle); i !== -1; i = hay.indexOf(needle, i + needle.length)) out.push(i);
  return out;
}
