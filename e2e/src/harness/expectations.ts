// Exact comparisons between what a backend returned and what the editor holds and shows. The editor
// fails silently on bad predictions (an unknown from_name is dropped, an unknown choice is not ticked,
// span text is recomputed from the offsets), so both its store and its DOM are compared.
import { expect } from 'vitest';
import type { EditorPage, EditorState } from './editor.js';
import type { EditorServer } from './editor-server.js';
import type { ResultItem } from './label-studio.js';

export interface Span {
  start: number;
  end: number;
  text: string;
  labels: string[];
}

const byStart = (a: Span, b: Span) => a.start - b.start || a.end - b.end;

/**
 * The characters [start, end) of `text` counted in code points, as Label Studio's editor counts Text
 * offsets (and Python indexes strings); the same as `slice` unless the text has characters outside
 * the BMP (emoji), which are two UTF-16 units but one code point.
 */
export function codePointSlice(text: string, start: number, end: number): string {
  return [...text].slice(start, end).join('');
}

/** The span regions of a result list, as (start, end, text, labels), in text order. */
export function spansOf(result: ResultItem[], fromName?: string): Span[] {
  return result
    .filter((r) => r.type === 'labels' && (!fromName || r.from_name === fromName))
    .map((r) => {
      const v = r.value as { start: number; end: number; text: string; labels: string[] };
      return { start: v.start, end: v.end, text: v.text, labels: v.labels };
    })
    .sort(byStart);
}

/**
 * The editor's selected annotation holds exactly `expected` span regions and paints each of them over
 * exactly its characters of `text` (offsets in code points): same count, offsets, labels and text in
 * the store, and one highlight per region in the DOM with the same text and label.
 */
export function expectSpans(state: EditorState, expected: Span[], text: string): void {
  // The backend's own text must be the characters at its offsets (the editor silently uses the offsets).
  for (const s of expected) expect(codePointSlice(text, s.start, s.end), `text at ${s.start}-${s.end}`).toBe(s.text);
  const sorted = [...expected].sort(byStart);
  expect(spansOf(state.annotation.result)).toEqual(sorted);
  const regions = state.regions.filter((r) => r.type === 'richtextregion');
  expect(regions).toHaveLength(sorted.length);
  for (const r of regions) {
    const painted = r.spans ?? [];
    expect(painted.length, `region ${r.id} is painted`).toBeGreaterThan(0);
    expect(painted.every((p) => p.connected)).toBe(true);
    expect(painted.map((p) => p.text).join(''), `region ${r.id} painted text`).toBe(r.text);
  }
  const key = (t: string | null, labels: string[]) => JSON.stringify([t, labels]);
  expect(regions.map((r) => key(r.text, r.labels)).sort()).toEqual(sorted.map((s) => key(s.text, s.labels)).sort());
  // DOM: the highlights in document order are the spans in text order (no overlaps in these tests).
  expect(state.dom.spans.map((s) => [s.text, s.label])).toEqual(sorted.map((s) => [s.text, s.labels.join(',')]));
}

/** The choices of a result list for one control. */
export function choicesOf(result: ResultItem[], fromName: string): string[] {
  const item = result.find((r) => r.type === 'choices' && r.from_name === fromName);
  return item ? [...((item.value as { choices: string[] }).choices ?? [])] : [];
}

/** Exactly `expected` are ticked, in the store and on screen, and every one of them is an option. */
export function expectChoices(state: EditorState, fromName: string, expected: string[]): void {
  expect(choicesOf(state.annotation.result, fromName).sort()).toEqual([...expected].sort());
  for (const c of expected) expect(state.dom.choices).toContain(c);
  expect([...state.dom.checkedChoices].sort()).toEqual([...expected].sort());
}

/** The TextArea control holds exactly `expected` (in order), in the store and on screen. */
export function expectTextArea(state: EditorState, fromName: string, expected: string[]): void {
  const items = state.annotation.result.filter((r) => r.type === 'textarea' && r.from_name === fromName);
  expect(items.flatMap((r) => (r.value as { text: string[] }).text)).toEqual(expected);
  expect(state.dom.textAreaItems).toEqual(expected);
}

/** The editor turned the first stored prediction into the annotator's annotation, unchanged. */
export function expectAnnotationFromPrediction(state: EditorState, prediction: { id: number; model_version: string; result: ResultItem[] }): void {
  expect(state.predictions).toHaveLength(1);
  expect(state.predictions[0]!.pk).toBe(String(prediction.id));
  expect(state.predictions[0]!.createdBy).toBe(prediction.model_version);
  expect(state.annotation.type).toBe('annotation');
  expect(Number(state.annotation.parentPrediction)).toBe(prediction.id);
  // Nothing the backend returned was dropped: same number of result items, same controls.
  const key = (r: ResultItem) => `${r.from_name}>${r.to_name}:${r.type}`;
  expect(state.annotation.result.map(key).sort()).toEqual(prediction.result.map(key).sort());
  expect(state.predictions[0]!.result.map(key).sort()).toEqual(prediction.result.map(key).sort());
}

/** The page stayed offline (only localhost), threw nothing, and asked the server only for what it has. */
export function expectCleanPage(editor: EditorPage, server: EditorServer): void {
  expect(editor.offsite()).toEqual([]);
  expect(editor.pageErrors).toEqual([]);
  expect(server.notFound).toEqual([]);
}
