import path from 'node:path';
import { getPipeline, scoreTokens, pieceText } from '@lsml/transformers';
const MODEL = path.resolve('../../packages/transformers/test/models/tiny-bert-ner');
const loaded = await getPipeline({ task: 'token-classification', model: MODEL });
const tok: any = loaded.pipe.tokenizer;
for (const text of ['Ōsaka are cities', 'L\u2019e\u0301cole de']) {
  const enc = tok(text);
  const ids = Array.from(enc.input_ids.data, Number);
  console.log(text, ids.map((id) => tok.decode([id], { skip_special_tokens: false })), ids.map((id)=>JSON.stringify(pieceText(tok.decode([id], { skip_special_tokens: false })))).join(' '));
  const [scores] = await scoreTokens(loaded, [text]);
  console.log(scores!.map((s) => [s.span.start, s.span.end, text.slice(s.span.start, s.span.end), s.continuesWord]));
}
