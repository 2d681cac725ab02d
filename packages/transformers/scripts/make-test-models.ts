// Builds the tiny random-weight models under test/models/ in exactly the layout transformers.js loads
// from a folder or the hub: config.json, tokenizer.json + tokenizer_config.json, onnx/*.onnx (v3/v4 and
// v2 file names) and generation_config.json. Weights come from a seeded PRNG, so the files are the same
// bytes on every run.
//
//   npx tsx packages/transformers/scripts/make-test-models.ts [outDir]
//
// Models:
//   tiny-gpt2       2-layer GPT-2 (text-generation), byte-level BPE tokenizer, KV cache contract
//   tiny-bert-sst2  BERT sequence classifier (NEGATIVE/POSITIVE), uncased WordPiece
//   tiny-bert-nli   BERT NLI classifier (contradiction/neutral/entailment) for zero-shot, uncased
//   tiny-bert-ner   BERT token classifier (BIO over PER/ORG/LOC/MISC), cased WordPiece
//   tiny-vit        ViT-style image classifier (one conv patch embedding), with preprocessor_config.json
//   tiny-detr       DETR-style object detector (logits + pred_boxes), with preprocessor_config.json
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeModel, type NodeInit, type TensorInit, type ValueInfo } from '../../../scripts/onnx/onnx-writer.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const outRoot = path.resolve(process.argv[2] ?? path.join(here, '..', 'test', 'models'));

// ---- deterministic weights ---------------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Weights {
  private readonly rand: () => number;
  readonly inits: TensorInit[] = [];
  constructor(seed: number) {
    this.rand = mulberry32(seed);
  }
  private normal(): number {
    const u = Math.max(this.rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.rand());
  }
  /** Gaussian float32 initializer; rounded to 1/1024 so the files compress and stay reproducible. */
  randn(name: string, dims: number[], std: number): string {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = Math.round(this.normal() * std * 1024) / 1024;
    this.inits.push({ name, type: 'float32', dims, data });
    return name;
  }
  fill(name: string, dims: number[], value: number): string {
    const n = dims.reduce((a, b) => a * b, 1);
    this.inits.push({ name, type: 'float32', dims, data: new Float32Array(n).fill(value) });
    return name;
  }
  floats(name: string, dims: number[], values: number[]): string {
    this.inits.push({ name, type: 'float32', dims, data: Float32Array.from(values) });
    return name;
  }
  ints(name: string, values: number[], dims: number[] = [values.length]): string {
    this.inits.push({ name, type: 'int64', dims, data: BigInt64Array.from(values.map(BigInt)) });
    return name;
  }
}

/** Small graph-building helper: every node gets a unique output name. */
class Graph {
  readonly nodes: NodeInit[] = [];
  private n = 0;
  constructor(readonly w: Weights) {}
  op(op: string, inputs: string[], attributes?: NodeInit['attributes'], output?: string): string {
    const out = output ?? `${op.toLowerCase()}_${this.n++}`;
    this.nodes.push({ op, inputs, outputs: [out], ...(attributes ? { attributes } : {}) });
    return out;
  }
  multi(op: string, inputs: string[], count: number, attributes?: NodeInit['attributes']): string[] {
    const outs = Array.from({ length: count }, (_, i) => `${op.toLowerCase()}_${this.n}_${i}`);
    this.n++;
    this.nodes.push({ op, inputs, outputs: outs, ...(attributes ? { attributes } : {}) });
    return outs;
  }
  linear(x: string, name: string, inDim: number, outDim: number, std: number, biasStd = 0.02): string {
    const y = this.op('MatMul', [x, this.w.randn(`${name}.weight`, [inDim, outDim], std)]);
    return this.op('Add', [y, this.w.randn(`${name}.bias`, [outDim], biasStd)]);
  }
  layerNorm(x: string, name: string, dim: number): string {
    return this.op('LayerNormalization', [x, this.w.fill(`${name}.weight`, [dim], 1), this.w.fill(`${name}.bias`, [dim], 0)], {
      axis: { i: -1 },
      epsilon: { f: 1e-5 },
    });
  }
  /** GELU written with Erf (the Gelu op needs opset 20). */
  gelu(x: string): string {
    const half = this.w.floats(`c_half_${this.n}`, [], [0.5]);
    const one = this.w.floats(`c_one_${this.n}`, [], [1]);
    const invSqrt2 = this.w.floats(`c_isq2_${this.n}`, [], [Math.SQRT1_2]);
    const erf = this.op('Erf', [this.op('Mul', [x, invSqrt2])]);
    return this.op('Mul', [this.op('Mul', [x, half]), this.op('Add', [erf, one])]);
  }
}

interface AttentionDims {
  hidden: number;
  heads: number;
  headDim: number;
}

/**
 * One pre/post-LN transformer block's attention. `mask` is bool, broadcastable to [B, H, S, T];
 * `past` (optional) are [B, H, P, D] caches concatenated before the new keys/values.
 */
function attention(
  g: Graph,
  x: string,
  name: string,
  d: AttentionDims,
  mask: string,
  std: number,
  past?: { key: string; value: string; presentKey: string; presentValue: string },
): string {
  const { hidden, heads, headDim } = d;
  const qkv = g.linear(x, `${name}.qkv`, hidden, 3 * hidden, std);
  const [q, k, v] = g.multi('Split', [qkv, g.w.ints(`${name}.split`, [hidden, hidden, hidden])], 3, { axis: { i: 2 } }) as [string, string, string];
  const headShape = g.w.ints(`${name}.head_shape`, [0, 0, heads, headDim]);
  const toHeads = (t: string) => g.op('Transpose', [g.op('Reshape', [t, headShape])], { perm: { ints: [0, 2, 1, 3] } });
  let kh = toHeads(k);
  let vh = toHeads(v);
  if (past) {
    kh = g.op('Concat', [past.key, kh], { axis: { i: 2 } }, past.presentKey);
    vh = g.op('Concat', [past.value, vh], { axis: { i: 2 } }, past.presentValue);
  }
  const scale = g.w.floats(`${name}.scale`, [], [1 / Math.sqrt(headDim)]);
  const scores = g.op('Mul', [g.op('MatMul', [toHeads(q), g.op('Transpose', [kh], { perm: { ints: [0, 1, 3, 2] } })]), scale]);
  const masked = g.op('Where', [mask, scores, g.w.floats(`${name}.neg`, [], [-1e9])]);
  const probs = g.op('Softmax', [masked], { axis: { i: -1 } });
  const ctx = g.op('Transpose', [g.op('MatMul', [probs, vh])], { perm: { ints: [0, 2, 1, 3] } });
  const merged = g.op('Reshape', [ctx, g.w.ints(`${name}.merge_shape`, [0, 0, hidden])]);
  return g.linear(merged, `${name}.out`, hidden, hidden, std);
}

function feedForward(g: Graph, x: string, name: string, hidden: number, inner: number, std: number): string {
  return g.linear(g.gelu(g.linear(x, `${name}.fc1`, hidden, inner, std)), `${name}.fc2`, inner, hidden, std);
}

// ---- tokenizers --------------------------------------------------------------------------------

/** GPT-2's reversible byte → printable-character map. */
function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let i = 33; i <= 126; i++) bs.push(i);
  for (let i = 161; i <= 172; i++) bs.push(i);
  for (let i = 174; i <= 255; i++) bs.push(i);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const out: string[] = new Array(256);
  bs.forEach((b, i) => (out[b] = String.fromCodePoint(cs[i] as number)));
  return out;
}

const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

const CORPUS = `Label Studio is a data labeling tool. The model predicts labels for every task in the project.
The quick brown fox jumps over the lazy dog. Hello world! This is a test of the tiny model, and the
annotators review the predictions. Once upon a time there was a small language model that wrote short
stories about the city, the river and the people who lived there. It was the best of times.`;

/** Byte-level BPE vocabulary and merges learned on CORPUS (greedy, ties broken alphabetically). */
function trainByteLevelBpe(numMerges: number): { vocab: Record<string, number>; merges: string[] } {
  const b2u = bytesToUnicode();
  const words = new Map<string, number>();
  for (const m of CORPUS.matchAll(GPT2_SPLIT)) {
    const w = [...new TextEncoder().encode(m[0])].map((b) => b2u[b]).join('');
    words.set(w, (words.get(w) ?? 0) + 1);
  }
  let splits = [...words.entries()].map(([w, c]) => ({ syms: [...w], count: c }));
  const vocab: Record<string, number> = {};
  b2u.forEach((ch, i) => (vocab[ch] = i));
  const merges: string[] = [];
  for (let m = 0; m < numMerges; m++) {
    const pairs = new Map<string, number>();
    for (const { syms, count } of splits) {
      for (let i = 0; i + 1 < syms.length; i++) {
        const key = `${syms[i]} ${syms[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + count);
      }
    }
    const best = [...pairs.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
    if (!best) break;
    const [left, right] = best[0].split(' ') as [string, string];
    merges.push(best[0]);
    vocab[left + right] = Object.keys(vocab).length;
    splits = splits.map(({ syms, count }) => {
      const next: string[] = [];
      for (let i = 0; i < syms.length; i++) {
        if (syms[i] === left && syms[i + 1] === right) {
          next.push(left + right);
          i++;
        } else next.push(syms[i] as string);
      }
      return { syms: next, count };
    });
  }
  return { vocab, merges };
}

function gpt2Tokenizer(): { json: object; config: object; vocabSize: number; eosId: number } {
  const { vocab, merges } = trainByteLevelBpe(96);
  const eosId = Object.keys(vocab).length;
  vocab['<|endoftext|>'] = eosId;
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    json: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [
        { id: eosId, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
      ],
      normalizer: null,
      pre_tokenizer: byteLevel,
      post_processor: { ...byteLevel, trim_offsets: false },
      decoder: byteLevel,
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: '',
        end_of_word_suffix: '',
        fuse_unk: false,
        byte_fallback: false,
        vocab,
        merges,
      },
    },
    config: {
      tokenizer_class: 'GPT2Tokenizer',
      model_max_length: 128,
      bos_token: '<|endoftext|>',
      eos_token: '<|endoftext|>',
      unk_token: '<|endoftext|>',
      add_prefix_space: false,
      clean_up_tokenization_spaces: false,
    },
    vocabSize: eosId + 1,
    eosId,
  };
}

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

/**
 * A WordPiece vocabulary: specials, single characters (and their `##` forms) and a few whole words and
 * suffixes, so real sentences split into words, sub-words and [UNK] (emoji, characters left out).
 */
function wordPieceVocab(cased: boolean): Record<string, number> {
  const chars = [
    ...'abcdefghijklmnopqrstuvwxyz0123456789',
    ...(cased ? 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' : ''),
    ...'.,!?\'"-:;()@#$%&*/',
    // Non-ASCII letters the vocab knows; ë, ß and emoji are left out on purpose (→ [UNK]).
    ...(cased ? 'éüñçÉ' : ''),
    ...'東京日本中国',
  ];
  const words = cased
    ? ['John', 'Smith', 'Marie', 'Curie', 'Paris', 'Berlin', 'New', 'York', 'Google', 'Apple', 'lives', 'in', 'the', 'at', 'and', 'works', 'visited', 'is', 'a', 'city']
    : ['the', 'movie', 'was', 'great', 'bad', 'good', 'not', 'is', 'a', 'this', 'film', 'it', 'love', 'hate', 'about', 'example', 'sports', 'politics', 'news'];
  const suffixes = ['##ing', '##ed', '##s', '##er', '##ly', '##is', '##on', '##ar', '##ie'];
  const tokens = [...SPECIALS];
  const add = (t: string) => {
    if (!tokens.includes(t)) tokens.push(t);
  };
  for (const w of words) add(w);
  for (const c of chars) add(c);
  for (const c of chars) if (/[\p{L}\p{N}]/u.test(c) && !/[東京日本中国]/u.test(c)) add(`##${c}`);
  for (const s of suffixes) add(s);
  return Object.fromEntries(tokens.map((t, i) => [t, i]));
}

function bertTokenizer(cased: boolean): { json: object; config: object; vocabSize: number } {
  const vocab = wordPieceVocab(cased);
  const special = (content: string) => ({
    id: vocab[content],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const st = (id: string, type_id: number) => ({ SpecialToken: { id, type_id } });
  const seq = (id: 'A' | 'B', type_id: number) => ({ Sequence: { id, type_id } });
  return {
    json: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: SPECIALS.map(special),
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: !cased },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [st('[CLS]', 0), seq('A', 0), st('[SEP]', 0)],
        pair: [st('[CLS]', 0), seq('A', 0), st('[SEP]', 0), seq('B', 1), st('[SEP]', 1)],
        special_tokens: {
          '[CLS]': { id: '[CLS]', ids: [vocab['[CLS]']], tokens: ['[CLS]'] },
          '[SEP]': { id: '[SEP]', ids: [vocab['[SEP]']], tokens: ['[SEP]'] },
        },
      },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
    },
    config: {
      tokenizer_class: 'BertTokenizer',
      do_lower_case: !cased,
      model_max_length: 128,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
      strip_accents: null,
      tokenize_chinese_chars: true,
      clean_up_tokenization_spaces: true,
    },
    vocabSize: Object.keys(vocab).length,
  };
}

// ---- graphs ------------------------------------------------------------------------------------

const GPT2 = { layers: 2, hidden: 32, heads: 2, positions: 128, inner: 128 };

function gpt2Graph(vocabSize: number, eosId: number): Uint8Array {
  const w = new Weights(1234);
  const g = new Graph(w);
  const { layers, hidden, heads, positions, inner } = GPT2;
  const headDim = hidden / heads;
  const std = 0.3;

  const inputs: ValueInfo[] = [
    { name: 'input_ids', type: 'int64', shape: ['batch_size', 'sequence_length'] },
    { name: 'attention_mask', type: 'int64', shape: ['batch_size', 'total_sequence_length'] },
    { name: 'position_ids', type: 'int64', shape: ['batch_size', 'sequence_length'] },
  ];
  const outputs: ValueInfo[] = [{ name: 'logits', type: 'float32', shape: ['batch_size', 'sequence_length', vocabSize] }];
  for (let i = 0; i < layers; i++) {
    for (const kind of ['key', 'value']) {
      // Heads and head size are fixed numbers: transformers.js v3+ builds the empty cache from them.
      inputs.push({ name: `past_key_values.${i}.${kind}`, type: 'float32', shape: ['batch_size', heads, 'past_sequence_length', headDim] });
      outputs.push({ name: `present.${i}.${kind}`, type: 'float32', shape: ['batch_size', heads, 'total_sequence_length', headDim] });
    }
  }

  const wte = w.randn('wte', [vocabSize, hidden], 1);
  let h = g.op('Add', [g.op('Gather', ['wte', 'input_ids']), g.op('Gather', [w.randn('wpe', [positions, hidden], 0.5), 'position_ids'])]);

  // Causal mask over the whole (past + new) sequence, and-ed with the padding mask: [B, 1, S, T].
  const seqLen = g.op('Shape', ['input_ids'], { start: { i: 1 }, end: { i: 2 } });
  const totalLen = g.op('Shape', ['attention_mask'], { start: { i: 1 }, end: { i: 2 } });
  const axis0 = w.ints('axis0', [0]);
  const scalar = (t: string) => g.op('Squeeze', [t, axis0]);
  const zero = w.ints('zero', [0], []);
  const one = w.ints('one', [1], []);
  const pastLen = g.op('Sub', [totalLen, seqLen]);
  const queryPos = g.op('Range', [scalar(pastLen), scalar(totalLen), one]);
  const keyPos = g.op('Range', [zero, scalar(totalLen), one]);
  const causal = g.op('LessOrEqual', [
    g.op('Unsqueeze', [keyPos, axis0]),
    g.op('Unsqueeze', [queryPos, w.ints('axis1', [1])]),
  ]);
  const padding = g.op('Unsqueeze', [g.op('Cast', ['attention_mask'], { to: { i: 9 } }), w.ints('axes12', [1, 2])]);
  const mask = g.op('And', [causal, padding]);

  for (let i = 0; i < layers; i++) {
    const a = attention(g, g.layerNorm(h, `h${i}.ln_1`, hidden), `h${i}.attn`, { hidden, heads, headDim }, mask, std, {
      key: `past_key_values.${i}.key`,
      value: `past_key_values.${i}.value`,
      presentKey: `present.${i}.key`,
      presentValue: `present.${i}.value`,
    });
    h = g.op('Add', [h, a]);
    h = g.op('Add', [h, feedForward(g, g.layerNorm(h, `h${i}.ln_2`, hidden), `h${i}.mlp`, hidden, inner, std)]);
  }
  const final = g.layerNorm(h, 'ln_f', hidden);
  // Tied LM head; the bias keeps <|endoftext|> from ending random generations early.
  const bias = new Array(vocabSize).fill(0);
  bias[eosId] = -30;
  g.op('Add', [g.op('MatMul', [final, g.op('Transpose', [wte], { perm: { ints: [1, 0] } })]), w.floats('lm_head.bias', [vocabSize], bias)], undefined, 'logits');

  return encodeModel({ graph: { name: 'tiny-gpt2', nodes: g.nodes, inputs, outputs, initializers: w.inits }, producer: 'lsml make-test-models' });
}

const BERT = { hidden: 32, heads: 2, positions: 128, inner: 64 };

function bertGraph(vocabSize: number, numLabels: number, head: 'sequence' | 'token', seed: number): Uint8Array {
  const w = new Weights(seed);
  const g = new Graph(w);
  const { hidden, heads, positions, inner } = BERT;
  const std = 0.3;
  const dims = ['batch_size', 'sequence_length'];
  const inputs: ValueInfo[] = [
    { name: 'input_ids', type: 'int64', shape: dims },
    { name: 'attention_mask', type: 'int64', shape: dims },
    { name: 'token_type_ids', type: 'int64', shape: dims },
  ];
  const outputs: ValueInfo[] = [
    { name: 'logits', type: 'float32', shape: head === 'sequence' ? ['batch_size', numLabels] : ['batch_size', 'sequence_length', numLabels] },
  ];

  const seqLen = g.op('Squeeze', [g.op('Shape', ['input_ids'], { start: { i: 1 }, end: { i: 2 } }), w.ints('axis0', [0])]);
  const positionIds = g.op('Range', [w.ints('zero', [0], []), seqLen, w.ints('one', [1], [])]);
  let h = g.op('Add', [
    g.op('Add', [g.op('Gather', [w.randn('word_embeddings', [vocabSize, hidden], 1), 'input_ids']), g.op('Gather', [w.randn('position_embeddings', [positions, hidden], 0.3), positionIds])]),
    g.op('Gather', [w.randn('token_type_embeddings', [2, hidden], 0.3), 'token_type_ids']),
  ]);
  h = g.layerNorm(h, 'embeddings.ln', hidden);
  // Padding mask [B, 1, 1, S] (no causal part).
  const mask = g.op('Unsqueeze', [g.op('Cast', ['attention_mask'], { to: { i: 9 } }), w.ints('axes12', [1, 2])]);
  const a = attention(g, h, 'layer0.attn', { hidden, heads, headDim: hidden / heads }, mask, std);
  h = g.layerNorm(g.op('Add', [h, a]), 'layer0.ln_1', hidden);
  h = g.layerNorm(g.op('Add', [h, feedForward(g, h, 'layer0.ffn', hidden, inner, std)]), 'layer0.ln_2', hidden);

  if (head === 'sequence') {
    const cls = g.op('Gather', [h, w.ints('cls_index', [0], [])], { axis: { i: 1 } });
    const pooled = g.op('Tanh', [g.linear(cls, 'pooler', hidden, hidden, std)]);
    const logits = g.linear(pooled, 'classifier', hidden, numLabels, 1);
    g.op('Identity', [logits], undefined, 'logits');
  } else {
    g.op('Identity', [g.linear(h, 'classifier', hidden, numLabels, 1, 0.5)], undefined, 'logits');
  }
  return encodeModel({ graph: { name: `tiny-bert-${head}`, nodes: g.nodes, inputs, outputs, initializers: w.inits }, producer: 'lsml make-test-models' });
}

// ---- vision ------------------------------------------------------------------------------------

const IMAGE = { size: 32, patch: 8, hidden: 16 };

/** Patch-embedding conv + mean pool: pixel_values [B, 3, 32, 32] → features [B, hidden]. */
function visionTrunk(g: Graph): string {
  const { patch, hidden } = IMAGE;
  const conv = g.op('Conv', ['pixel_values', g.w.randn('patch.weight', [hidden, 3, patch, patch], 0.2), g.w.randn('patch.bias', [hidden], 0.1)], {
    strides: { ints: [patch, patch] },
  });
  const pooled = g.op('ReduceMean', [conv], { axes: { ints: [2, 3] }, keepdims: { i: 0 } });
  return g.op('Tanh', [pooled]);
}

function vitGraph(numLabels: number): Uint8Array {
  const w = new Weights(4242);
  const g = new Graph(w);
  const { size, hidden } = IMAGE;
  g.op('Identity', [g.linear(visionTrunk(g), 'classifier', hidden, numLabels, 2)], undefined, 'logits');
  return encodeModel({
    graph: {
      name: 'tiny-vit',
      nodes: g.nodes,
      inputs: [{ name: 'pixel_values', type: 'float32', shape: ['batch_size', 3, size, size] }],
      outputs: [{ name: 'logits', type: 'float32', shape: ['batch_size', numLabels] }],
      initializers: w.inits,
    },
    producer: 'lsml make-test-models',
  });
}

/** DETR contract: pixel_values (+ pixel_mask) → logits [B, Q, classes + 1] and pred_boxes [B, Q, 4] (cx, cy, w, h in 0..1). */
function detrGraph(numClasses: number, queries: number): Uint8Array {
  const w = new Weights(5151);
  const g = new Graph(w);
  const { size, hidden } = IMAGE;
  const feat = g.op('Unsqueeze', [visionTrunk(g), w.ints('axis1', [1])]); // [B, 1, hidden]
  const q = g.op('Add', [feat, w.randn('query_embed', [queries, hidden], 1)]); // [B, Q, hidden]
  g.op('Identity', [g.linear(q, 'class_head', hidden, numClasses + 1, 2)], undefined, 'logits');
  // Sigmoid keeps boxes inside the image; the 0.1..0.5 range keeps them away from degenerate sizes.
  const boxes = g.op('Sigmoid', [g.linear(q, 'box_head', hidden, 4, 1)]);
  const scaled = g.op('Add', [g.op('Mul', [boxes, w.floats('box_scale', [4], [0.5, 0.5, 0.4, 0.4])]), w.floats('box_shift', [4], [0.25, 0.25, 0.1, 0.1])]);
  g.op('Identity', [scaled], undefined, 'pred_boxes');
  return encodeModel({
    graph: {
      name: 'tiny-detr',
      nodes: g.nodes,
      inputs: [
        { name: 'pixel_values', type: 'float32', shape: ['batch_size', 3, 'height', 'width'] },
        { name: 'pixel_mask', type: 'int64', shape: ['batch_size', 'height', 'width'] },
      ],
      outputs: [
        { name: 'logits', type: 'float32', shape: ['batch_size', queries, numClasses + 1] },
        { name: 'pred_boxes', type: 'float32', shape: ['batch_size', queries, 4] },
      ],
      initializers: w.inits,
    },
    producer: 'lsml make-test-models',
  });
}

// ---- writing -----------------------------------------------------------------------------------

function writeModel(name: string, files: Record<string, object | Uint8Array>): void {
  const dir = path.join(outRoot, name);
  fs.rmSync(dir, { recursive: true, force: true });
  let bytes = 0;
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(dir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const data = content instanceof Uint8Array ? content : `${JSON.stringify(content, null, 2)}\n`;
    fs.writeFileSync(target, data);
    bytes += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  }
  console.log(`${name.padEnd(16)} ${(bytes / 1024).toFixed(0).padStart(4)} KB  ${Object.keys(files).join(', ')}`);
}

const labelMaps = (labels: string[]) => ({
  id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
  label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
});

function bertConfig(vocabSize: number, architecture: string, labels: string[]): object {
  return {
    model_type: 'bert',
    architectures: [architecture],
    vocab_size: vocabSize,
    hidden_size: BERT.hidden,
    num_hidden_layers: 1,
    num_attention_heads: BERT.heads,
    intermediate_size: BERT.inner,
    hidden_act: 'gelu',
    max_position_embeddings: BERT.positions,
    type_vocab_size: 2,
    layer_norm_eps: 1e-5,
    pad_token_id: 0,
    ...labelMaps(labels),
  };
}

function main(): void {
  fs.mkdirSync(outRoot, { recursive: true });

  const gpt2Tok = gpt2Tokenizer();
  const gpt2 = gpt2Graph(gpt2Tok.vocabSize, gpt2Tok.eosId);
  writeModel('tiny-gpt2', {
    'config.json': {
      model_type: 'gpt2',
      architectures: ['GPT2LMHeadModel'],
      vocab_size: gpt2Tok.vocabSize,
      n_positions: GPT2.positions,
      n_ctx: GPT2.positions,
      n_embd: GPT2.hidden,
      n_layer: GPT2.layers,
      n_head: GPT2.heads,
      n_inner: GPT2.inner,
      activation_function: 'gelu',
      layer_norm_epsilon: 1e-5,
      bos_token_id: gpt2Tok.eosId,
      eos_token_id: gpt2Tok.eosId,
      use_cache: true,
    },
    'generation_config.json': { bos_token_id: gpt2Tok.eosId, eos_token_id: gpt2Tok.eosId, _from_model_config: true },
    'tokenizer.json': gpt2Tok.json,
    'tokenizer_config.json': gpt2Tok.config,
    // transformers.js v3/v4 name / v2's name for the same merged (cache-aware) decoder.
    'onnx/model.onnx': gpt2,
    'onnx/decoder_model_merged.onnx': gpt2,
  });

  const uncased = bertTokenizer(false);
  const sst2Labels = ['NEGATIVE', 'POSITIVE'];
  writeModel('tiny-bert-sst2', {
    'config.json': { ...bertConfig(uncased.vocabSize, 'BertForSequenceClassification', sst2Labels), problem_type: 'single_label_classification' },
    'tokenizer.json': uncased.json,
    'tokenizer_config.json': uncased.config,
    'onnx/model.onnx': bertGraph(uncased.vocabSize, sst2Labels.length, 'sequence', 101),
  });

  const nliLabels = ['contradiction', 'neutral', 'entailment'];
  writeModel('tiny-bert-nli', {
    'config.json': bertConfig(uncased.vocabSize, 'BertForSequenceClassification', nliLabels),
    'tokenizer.json': uncased.json,
    'tokenizer_config.json': uncased.config,
    'onnx/model.onnx': bertGraph(uncased.vocabSize, nliLabels.length, 'sequence', 202),
  });

  const cased = bertTokenizer(true);
  const nerLabels = ['O', 'B-MISC', 'I-MISC', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC'];
  writeModel('tiny-bert-ner', {
    'config.json': bertConfig(cased.vocabSize, 'BertForTokenClassification', nerLabels),
    'tokenizer.json': cased.json,
    'tokenizer_config.json': cased.config,
    'onnx/model.onnx': bertGraph(cased.vocabSize, nerLabels.length, 'token', 303),
  });

  const imageLabels = ['cat', 'dog', 'bird'];
  const preprocessor = (cls: string) => ({
    image_processor_type: cls,
    feature_extractor_type: cls.replace('ImageProcessor', 'FeatureExtractor'),
    do_resize: true,
    size: { height: IMAGE.size, width: IMAGE.size },
    resample: 2,
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [0.5, 0.5, 0.5],
    image_std: [0.5, 0.5, 0.5],
  });
  writeModel('tiny-vit', {
    'config.json': {
      model_type: 'vit',
      architectures: ['ViTForImageClassification'],
      image_size: IMAGE.size,
      patch_size: IMAGE.patch,
      num_channels: 3,
      hidden_size: IMAGE.hidden,
      ...labelMaps(imageLabels),
    },
    'preprocessor_config.json': preprocessor('ViTImageProcessor'),
    'onnx/model.onnx': vitGraph(imageLabels.length),
  });

  const detrLabels = ['cat', 'dog', 'car'];
  writeModel('tiny-detr', {
    'config.json': {
      model_type: 'detr',
      architectures: ['DetrForObjectDetection'],
      num_queries: 6,
      d_model: IMAGE.hidden,
      // DETR's last class is "no object"; id2label only names the real ones.
      ...labelMaps(detrLabels),
    },
    'preprocessor_config.json': { ...preprocessor('DetrImageProcessor'), do_pad: false, format: 'coco_detection' },
    'onnx/model.onnx': detrGraph(detrLabels.length, 6),
  });
}

main();
