// A WordPiece-style tokenizer for the demo tagger (test/models/token-tagger.onnx): words and
// punctuation, lowercased, each word split greedily into the longest vocabulary pieces ("boston" →
// "bos" + "##ton"), unknown words as [UNK], [CLS] … [SEP] around. Offsets are UTF-16 code units of the
// text, null for the special tokens. Real models bring their tokenizer (e.g. from tokenizers.json).
import fs from 'node:fs';
import type { TokenizedText } from '@lsml/onnx';

const vocabFile = new URL('../test/models/token-tagger.vocab.json', import.meta.url);
const vocab = JSON.parse(fs.readFileSync(vocabFile, 'utf8')) as { tokens: string[]; tags: string[]; special: Record<string, number> };
const ids = new Map(vocab.tokens.map((t, i) => [t, i]));

/** The tagger's tags, in output order. */
export const TAGGER_TAGS: readonly string[] = vocab.tags;

const WORD = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;

/** Text → ids and offsets for the demo tagger. */
export function taggerTokenize(text: string): TokenizedText {
  const out: { ids: number[]; offsets: Array<[number, number] | null> } = { ids: [vocab.special['[CLS]'] as number], offsets: [null] };
  for (const m of text.matchAll(WORD)) {
    const word = m[0].toLowerCase();
    const start = m.index;
    const pieces: Array<[number, number, number]> = [];
    let at = 0;
    while (at < word.length) {
      let end = word.length;
      let id: number | undefined;
      for (; end > at; end--) {
        id = ids.get(at === 0 ? word.slice(at, end) : `##${word.slice(at, end)}`);
        if (id !== undefined) break;
      }
      if (id === undefined) break;
      pieces.push([id, start + at, start + end]);
      at = end;
    }
    if (at < word.length) {
      out.ids.push(vocab.special['[UNK]'] as number);
      out.offsets.push([start, start + m[0].length]);
      continue;
    }
    for (const [id, s, e] of pieces) {
      out.ids.push(id);
      out.offsets.push([s, e]);
    }
  }
  out.ids.push(vocab.special['[SEP]'] as number);
  out.offsets.push(null);
  return out;
}
