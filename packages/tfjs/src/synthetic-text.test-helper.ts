// Deterministic labelled sentences for tests and benchmarks (a real corpus comes later). Three classes,
// several scripts and emoji so the tokenizer is exercised; some sentences carry a word of another
// class, so the task is learnable but not trivially separable.
/** A labelled text. */
export interface TextExample {
  text: string;
  label: string;
}

export const SYNTHETIC_LABELS = ['Positive', 'Negative', 'Neutral'] as const;

const SUBJECTS = ['The film', 'This café', 'Our hotel', 'The service', 'My order', 'Этот фильм', 'La cuisine', 'The app', 'Das Essen', 'The concert'];
const FILLERS = ['the staff', 'yesterday', 'on Monday', 'overall', 'for the price', 'in general', 'with friends', 'this time', 'again', 'honestly'];
const WORDS: Record<(typeof SYNTHETIC_LABELS)[number], string[]> = {
  Positive: ['wonderful', 'great', 'excellent', 'delightful', 'superb', 'très bon', 'отлично', 'loved it', '😀', 'fantastic', 'brilliant'],
  Negative: ['terrible', 'awful', 'disappointing', 'horrible', 'broken', 'très mauvais', 'ужасно', 'hated it', '😡', 'dreadful', 'useless'],
  Neutral: ['average', 'okay', 'ordinary', 'acceptable', 'standard', 'so-so', 'нормально', 'as expected', '🤷', 'unremarkable', 'fine I guess'],
};

/** mulberry32: a tiny seeded PRNG, identical on every platform. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` labelled sentences; the same seed always gives the same list. */
export function syntheticExamples(n: number, seed = 7): TextExample[] {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const out: TextExample[] = [];
  for (let i = 0; i < n; i++) {
    const label = SYNTHETIC_LABELS[i % SYNTHETIC_LABELS.length]!;
    const words = [pick(WORDS[label]), pick(WORDS[label])];
    if (rand() < 0.35) {
      const other = pick(SYNTHETIC_LABELS.filter((l) => l !== label));
      words[1] = pick(WORDS[other]); // a confusing word: one for the label, one against
      if (rand() < 0.5) words.push(pick(WORDS[label]));
    }
    const text = `${pick(SUBJECTS)} was ${words[0]} ${pick(FILLERS)}, ${words.slice(1).join(' and ')}.`;
    // 5% label noise, as in real annotations: keeps accuracy below 100% and scores honest.
    const noisy = rand() < 0.05 ? pick(SYNTHETIC_LABELS.filter((l) => l !== label)) : label;
    out.push({ text: rand() < 0.3 ? text.toUpperCase() : text, label: noisy });
  }
  return out;
}
