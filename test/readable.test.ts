import { describe, expect, it } from 'vitest';
import { readablePaper } from '../src/library/ingest.js';
import { readableText } from '../src/library/readable.js';

describe('readable text (LaTeX remains in abstracts)', () => {
  it('makes the remains every source carries read right', () => {
    expect(readableText('images of up to 1,536times1,536 resolution')).toBe('images of up to 1,536×1,536 resolution');
    expect(readableText('crops of $224 \\times 224$ and 3 × 3 kernels')).toBe('crops of 224×224 and 3×3 kernels');
    expect(readableText('a phrase $w_1 \\cdots w_m$ of $1, \\ldots, n$')).not.toMatch(/dots/);
    expect(readableText('a resolution of $224\\times224$ and a 10times gain (le13 images)')).toBe('a resolution of 224×224 and a 10× gain (≤13 images)');
    expect(readableText('MIT Indoor67 (86.7\\%) and SUN397 (72.0\\%)')).toBe('MIT Indoor67 (86.7%) and SUN397 (72.0%)');
    expect(readableText('dubbed \\emph{M^2-Encoders}, like SRe^2L')).toBe('dubbed M²-Encoders, like SRe²L');
    expect(readableText('pages 10--20 -- a note --- and \\ie, \\etc. done')).toBe('pages 10–20 – a note — and i.e., etc. done');
    expect(readableText('Fig.~3 is ~10 times larger')).toBe('Fig. 3 is ~10 times larger');
    // Math as arXiv's HTML gives it (a formula's TeX): exponents keep their sign, Greek letters and ℓ read as themselves.
    expect(readableText('a learning rate of $2\\times 10^{-5}$, $\\eta=0.1$, $\\ell_{2}$ decay, $\\theta \\neq 0$')).toBe(
      'a learning rate of 2×10⁻⁵, η=0.1, ℓ_2 decay, θ ≠ 0',
    );
    expect(readableText('soft\u00adhyphen, zero\u200bwidth\nwrapped   line')).toBe('softhyphen, zerowidth wrapped line');
  });

  it('leaves URLs exactly as they are and prices alone', () => {
    expect(readableText('code at~https://github.com/a/b~c_d--e and {https://github.com/naver-ai/relabel_imagenet}.')).toBe(
      'code at https://github.com/a/b~c_d--e and https://github.com/naver-ai/relabel_imagenet.',
    );
    expect(readableText('it costs $5 and $10 per run')).toBe('it costs $5 and $10 per run');
  });

  it('a paper that needs nothing is returned as it is (so ingest sees it unchanged)', () => {
    const p = { id: 'x', title: 'Plain', abstract: 'Nothing to change here.', links: [], source: 'seed' };
    expect(readablePaper(p)).toBe(p);
    expect(readablePaper({ ...p, abstract: '5\\% better' }).abstract).toBe('5% better');
  });
});
