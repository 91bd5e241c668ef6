// Abstracts from every source (the seed page, Hugging Face, arXiv) carry LaTeX remains: `\times`,
// `$…$`, `\%`, `~`, `--`, `\emph{}`, and the same with the backslash already lost ("224times224").
// readableText() turns them into the characters a reader expects; ingest applies it to every paper.

/** Bump when readableText() changes: stored papers are normalised again once, and re-embedded. */
export const READABLE_VERSION = 3;

const SYMBOLS: Record<string, string> = {
  times: '×',
  le: '≤',
  leq: '≤',
  ge: '≥',
  geq: '≥',
  sim: '~',
  approx: '≈',
  pm: '±',
  cdot: '·',
  cdots: '⋯',
  ldots: '…',
  dots: '…',
  to: '→',
  rightarrow: '→',
  leftarrow: '←',
  infty: '∞',
  alpha: 'α',
  beta: 'β',
  gamma: 'γ',
  delta: 'δ',
  epsilon: 'ε',
  lambda: 'λ',
  mu: 'μ',
  eta: 'η',
  theta: 'θ',
  tau: 'τ',
  rho: 'ρ',
  pi: 'π',
  phi: 'φ',
  omega: 'ω',
  ell: 'ℓ',
  neq: '≠',
  ne: '≠',
  propto: '∝',
  sigma: 'σ',
  ie: 'i.e.',
  eg: 'e.g.',
  etc: 'etc.',
  etal: 'et al.',
  textendash: '–',
  textemdash: '—',
};

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };
const superscript = (digits: string) => [...digits].map((d) => SUPERSCRIPT[d] ?? d).join('');

/** Commands whose argument is the text itself (`\emph{word}` → word). */
const WRAPPERS = /\\(?:emph|textbf|textit|texttt|textrm|textsc|text|mathrm|mathbf|mathit|mathcal|mathbb|operatorname|url|href)\s*\{([^{}]*)\}/g;

/** One stretch of prose with no URL in it. */
function readableProse(s: string): string {
  return (
    s
      .replace(WRAPPERS, '$1')
      .replace(/\$([^$]{1,200})\$/g, (m, inner: string) => (/[\\^_{}=]/.test(inner) || !/\s/.test(inner) ? inner : m))
      .replace(/\\([%&_#$])/g, '$1')
      .replace(/\\(ie|eg|etc|etal)\b\.?/g, (_m, name: string) => SYMBOLS[name]!)
      .replace(/\\([A-Za-z]+)/g, (_m, name: string) => SYMBOLS[name] ?? name)
      // The same remains with the backslash already lost: "1,536times1,536", "10times", "le13".
      .replace(/(\d)\s?times\s?(?=\d)/g, '$1×')
      .replace(/(\d)times\b/g, '$1×')
      // A dimension reads as one token: "224 \times 224" → 224×224.
      .replace(/(\d)\s*×\s*(?=\d)/g, '$1×')
      .replace(/\ble(?=\d)/g, '≤')
      .replace(/\^(?:\{(-?\d{1,3})\}|(\d{1,3}))/g, (_m, a?: string, b?: string) => superscript(a ?? b!))
      .replace(/\^\{([^{}]*)\}/g, '$1')
      .replace(/[{}]/g, '')
      .replace(/---/g, '—')
      .replace(/(\d)\s*--\s*(?=\d)/g, '$1–')
      .replace(/\s*--\s*/g, ' – ')
      // A tie (`at~https`, `Fig.~3`) is a space; "~10" after a space means about.
      .replace(/(?<=\S)~/g, ' ')
      .replace(/``|''/g, '"')
  );
}

const URL = /https?:\/\/[^\s<>"{}]+/g;

/**
 * Text as a reader should see it: LaTeX remains made readable (`25\%` → 25%, `\times` → ×,
 * `$M^2$` → M², `\emph{x}` → x, `--` → –, `~` → space), invisible characters dropped, and hard
 * wraps and runs of spaces made one space. URLs are left exactly as they are.
 */
export function readableText(text: string): string {
  const clean = text.replace(/[\u00ad\u200b-\u200d\u2060\ufeff]/g, '');
  let out = '';
  let at = 0;
  for (const m of clean.matchAll(URL)) {
    out += readableProse(clean.slice(at, m.index)) + m[0];
    at = m.index + m[0].length;
  }
  out += readableProse(clean.slice(at));
  return out
    .replace(/\s+/g, ' ')
    .replace(/\s+([,;:)]|\.(?!\.))/g, '$1')
    .replace(/\(\s+/g, '(')
    .trim();
}
