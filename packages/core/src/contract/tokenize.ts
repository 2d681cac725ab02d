// Word tokens for bag-of-words features: one definition, two documented styles.

// Python's `(?u)\b\w\w+\b` (scikit-learn's default token_pattern): \w is a letter, a number or "_"
// (combining marks are not word characters there), tokens of two or more.
const SKLEARN_TOKEN = /[\p{L}\p{N}_]{2,}/gu;
// Letters, marks and digits, with inner apostrophes/hyphens kept (don't, e-mail); emoji count as words.
const WORD = /[\p{L}\p{M}\p{N}]+(?:['’\-][\p{L}\p{M}\p{N}]+)*|\p{Extended_Pictographic}/gu;
// Scripts written without spaces: each character is a token (bigrams then approximate words).
const UNSPACED = /(\p{Script=Han}|\p{Script=Hiragana}|\p{Script=Katakana})/u;

/** Options of `tokenize`. */
export interface TokenizeOptions {
  /**
   * - `'words'` (default): NFKC-normalised Unicode words (inner `'`/`-` kept, emoji are words, each
   *   Han/Hiragana/Katakana character its own token). What `@lsml/tfjs`'s hashed n-gram vectoriser
   *   trains on.
   * - `'sklearn'`: exactly scikit-learn's default `token_pattern` (`(?u)\b\w\w+\b`, no normalisation),
   *   so features match a model trained with `HashingVectorizer`/`CountVectorizer` and exported to ONNX.
   *
   * The two differ on purpose: each must reproduce the tokens its models were trained on.
   */
  readonly style?: 'words' | 'sklearn';
  /** Lower-case first (default true, as both scikit-learn and the tfjs vectoriser do). */
  readonly lowercase?: boolean;
}

/**
 * Split `text` into word tokens, in order.
 *
 * ```ts
 * tokenize("Don't panic! 🙂");                       // ["don't", 'panic', '🙂']
 * tokenize("Don't panic!", { style: 'sklearn' });    // ['don', 'panic']
 * ```
 */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  const lowercase = options.lowercase ?? true;
  if (options.style === 'sklearn') return (lowercase ? text.toLowerCase() : text).match(SKLEARN_TOKEN) ?? [];
  let t = text.normalize('NFKC');
  if (lowercase) t = t.toLowerCase();
  const out: string[] = [];
  for (const m of t.matchAll(WORD)) {
    const word = m[0];
    if (UNSPACED.test(word)) {
      for (const part of word.split(UNSPACED)) if (part) out.push(part);
    } else {
      out.push(word);
    }
  }
  return out;
}
