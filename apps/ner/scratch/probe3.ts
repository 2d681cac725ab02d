import path from 'node:path';
import { getPipeline, scoreTokens } from '@lsml/transformers';
const MODEL = path.resolve('../../packages/transformers/test/models/tiny-bert-ner');
for (const library of ['@huggingface/transformers', '@xenova/transformers'] as const) {
const loaded = await getPipeline({ task: 'token-classification', model: MODEL, library });
for (const text of ['Zoë Ørsted 🇩🇰 flew from København to São Paulo with 👩‍👩‍👧 Renée.', '東京 and Ōsaka, cities; Ünal lives in İzmir 😀.', "L'e\u0301cole de Montre\u0301al — “Café” ﬁnance\tNew\u00a0York", 'Paris 😀😀 and 🙂 🙂 Berlin']) {
  const [scores] = await scoreTokens(loaded, [text]);
  console.log(library.slice(1,4), JSON.stringify(scores!.map((s) => text.slice(s.span.start, s.span.end) + (s.continuesWord ? '+' : ''))));
}}
