import { describe, expect, it } from 'vitest';
import { describeFilter, excludedBy, parseCategories, parseExclude } from '../src/paper/filters.js';

const paper = { title: 'Diffusion Models for Robot Arm Control', abstract: 'We train a policy with 3D point clouds.', categories: ['cs.RO', 'cs.LG'] };

describe('paper filters', () => {
  it('excluded phrases match whole words of the title and abstract, case and accents ignored', () => {
    expect(excludedBy(paper, { exclude: ['robot arm'], categories: [] })).toBe('mentions "robot arm"');
    expect(excludedBy(paper, { exclude: ['DIFFUSION'], categories: [] })).toBe('mentions "DIFFUSION"');
    expect(excludedBy(paper, { exclude: ['3d'], categories: [] })).toBe('mentions "3d"');
    expect(excludedBy(paper, { exclude: ['arm control policy', 'diff'], categories: [] })).toBeUndefined(); // not a phrase of it; not a whole word
    expect(excludedBy({ ...paper, title: 'Différentiable rendering' }, { exclude: ['differentiable'], categories: [] })).toBeDefined();
  });

  it('categories keep papers in any of them; a paper whose categories are unknown is kept', () => {
    expect(excludedBy(paper, { exclude: [], categories: ['cs.CV'] })).toBe('not in cs.CV');
    expect(excludedBy(paper, { exclude: [], categories: ['cs.cv', 'CS.LG'] })).toBeUndefined();
    expect(excludedBy({ title: 'x', abstract: 'y' }, { exclude: [], categories: ['cs.CV'] })).toBeUndefined();
  });

  it('parses comma-separated lists, with a one-line reason for what it cannot take', () => {
    expect(parseExclude(' diffusion ,  Robot   Arm;survey,, diffusion')).toEqual({ ok: true, items: ['diffusion', 'robot arm', 'survey'] });
    expect(parseExclude(undefined)).toEqual({ ok: true, items: [] });
    expect(parseExclude('a,b,c,d,e,f,g,h,i,j,k')).toMatchObject({ ok: false, message: 'At most 10 words or phrases to exclude, separated by commas.' });
    expect(parseExclude('x'.repeat(61))).toMatchObject({ ok: false, message: expect.stringMatching(/too long to exclude/) });
    expect(parseExclude('!!!')).toMatchObject({ ok: false, message: '"!!!" has no letters or digits to look for.' });
    expect(parseCategories('cs.CV, cs.LG,stat.ML, hep-th')).toEqual({ ok: true, items: ['cs.CV', 'cs.LG', 'stat.ML', 'hep-th'] });
    expect(parseCategories('computer vision')).toMatchObject({ ok: false, message: expect.stringMatching(/^"computer vision" is not an arXiv category/) });
    expect(describeFilter({ exclude: ['survey'], categories: ['cs.CV'] })).toBe('excluding survey · only cs.CV');
    expect(describeFilter({ exclude: [], categories: [] })).toBe('');
  });
});
