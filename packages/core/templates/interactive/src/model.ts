// {{className}}: interactive pre-annotation. The annotator labels a span; Label Studio sends it as
// `context`; the backend returns every other occurrence of that text with the same label.
// Text offsets are code points, as Label Studio counts them (not JS string indices: they differ after emoji).
import { LabelStudioMLBase, ModelResponse, toCodePointOffset, type PredictOptions, type Region, type Task } from '@lsml/core';

interface SelectedSpan {
  from_name: string;
  value: { start?: number; end?: number; text?: string | string[]; labels?: string[] };
}

export default class {{className}} extends LabelStudioMLBase {
  override async setup() {
    await this.initModelVersion('{{className}}-v1');
  }

  override async predict(tasks: Task[], { context }: PredictOptions) {
    const selections = ((context as { result?: unknown[] } | null)?.result ?? []) as SelectedSpan[];
    // Batch pre-labelling sends no context: nothing to do (Label Studio stores nothing).
    if (selections.length === 0) return new ModelResponse({ predictions: [] });
    const [fromName, toName, field] = this.labelInterface!.getFirstTagOccurrence('Labels', 'Text');
    const caseSensitive = this.extraParams.case_sensitive === true;
    return new ModelResponse({
      predictions: tasks.map((task) => {
        const text = String(task.data?.[field] ?? '');
        const result: Region[] = [];
        for (const sel of selections.filter((s) => s.from_name === fromName)) {
          const keyword = Array.isArray(sel.value.text) ? sel.value.text.join('') : (sel.value.text ?? '');
          if (!keyword.trim()) continue;
          for (const at of findAll(text, keyword, caseSensitive)) {
            const found = text.slice(at, at + keyword.length);
            const start = toCodePointOffset(text, at);
            const end = start + [...found].length;
            if (start === sel.value.start && end === sel.value.end) continue; // already labelled
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
        const scores = result.map((r) => r.score ?? 0);
        return { result, score: scores.length ? Math.min(...scores) : 0 };
      }),
    });
  }
}

/** JS string (UTF-16) indices of each literal occurrence; `predict` converts them to code points. */
export function findAll(text: string, keyword: string, caseSensitive: boolean): number[] {
  const hay = caseSensitive ? text : text.toLowerCase();
  const needle = caseSensitive ? keyword : keyword.toLowerCase();
  // Lower-casing changes the length of a few characters (e.g. "İ"): then match the exact case only.
  if (hay.length !== text.length || needle.length !== keyword.length) return findAll(text, keyword, true);
  const out: number[] = [];
  for (let i = hay.indexOf(needle); i !== -1; i = hay.indexOf(needle, i + needle.length)) out.push(i);
  return out;
}
