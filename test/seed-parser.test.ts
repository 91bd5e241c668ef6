import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractLinks, slugify } from '../src/paper/paper.js';
import { SourceFormatError, parseSeedPage, readSeedFile } from '../src/sources/seed.js';

const SEED = 'seeds/daily-papers.txt';

describe('seed page parser', () => {
  const papers = readSeedFile(SEED);

  it('finds exactly the 63 papers, none of the 5 header lines', () => {
    expect(papers).toHaveLength(63);
    const titles = papers.map((p) => p.title);
    for (const header of ['New', 'Subscribe', 'Daily Papers', 'by AK and the research community']) expect(titles).not.toContain(header);
    expect(titles[0]).toBe('Plug & Play Generative Networks: Conditional Iterative Generation of Images in Latent Space');
    expect(titles[62]).toBe('Dataset Distillation via Curriculum Data Synthesis in Large Data Era');
    for (const p of papers) expect(p.abstract.split(' ').length).toBeGreaterThan(20);
  });

  it('gives stable, unique slug ids', () => {
    expect(new Set(papers.map((p) => p.id)).size).toBe(63);
    expect(readSeedFile(SEED).map((p) => p.id)).toEqual(papers.map((p) => p.id));
    expect(papers[0]!.id).toBe('plug-play-generative-networks-conditional-iterative-generation-of-images-in');
    expect(papers.find((p) => p.title.startsWith('Matryoshka'))!.id).toBe('matryoshka-representation-learning');
  });

  it('normalises code links: trailing punctuation off, glued duplicates merged', () => {
    const byTitle = (prefix: string) => papers.find((p) => p.title.startsWith(prefix))!;
    expect(byTitle('Diversity-Driven Synthesis').links).toEqual(['https://github.com/AngusDujw/Diversity-Driven-Synthesis']);
    expect(byTitle('Re-labeling ImageNet').links).toEqual(['https://github.com/naver-ai/relabel_imagenet']);
    expect(byTitle('SELECT').links).toEqual(['https://github.com/jimmyxu123/SELECT']);
    expect(byTitle('Dataset Distillation via Curriculum').links).toEqual(['https://github.com/VILA-Lab/SRe2L/tree/main/CDA']);
    for (const p of papers) for (const l of p.links) expect(l).not.toMatch(/[.,;:)}\]]$/);
    expect(papers.filter((p) => p.links.length > 0).length).toBe(22);
  });

  it('keeps balanced brackets inside URLs', () => {
    expect(extractLinks('see https://en.wikipedia.org/wiki/Bagel_(food).')).toEqual(['https://en.wikipedia.org/wiki/Bagel_(food)']);
    expect(extractLinks('(code: https://github.com/a/b)')).toEqual(['https://github.com/a/b']);
  });

  it('slugs are ASCII and bounded', () => {
    expect(slugify('Café: Über Networks!')).toBe('cafe-uber-networks');
    expect(slugify('x'.repeat(200)).length).toBeLessThanOrEqual(80);
  });
});

describe('malformed seed files', () => {
  const abstract =
    'We study a problem in depth and show that a carefully designed method with many words in it beats every baseline on several benchmarks by a wide margin.';

  it('a title without an abstract names the file and line', () => {
    const text = `Daily Papers\n\nFirst Paper\n\n${abstract}\n\nOrphan Title\n\nThird Paper\n\n${abstract}\n`;
    expect(() => parseSeedPage(text, 'bad.txt')).toThrowError(SourceFormatError);
    expect(() => parseSeedPage(text, 'bad.txt')).toThrow(/^bad\.txt:7: title "Orphan Title" has no abstract/);
  });

  it('a title at the end of the file without an abstract', () => {
    expect(() => parseSeedPage(`Only Title\n\n${abstract}\n\nDangling\n`, 'x.txt')).toThrow(/^x\.txt:5: title "Dangling" has no abstract \(end of file\)/);
  });

  it('an empty file', () => {
    expect(() => parseSeedPage('', 'empty.txt')).toThrow(/^empty\.txt:1: the file is empty/);
    expect(() => parseSeedPage('\n  \n', 'blank.txt')).toThrow(/^blank\.txt:\d+: the file is empty/);
  });

  it('a binary file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-seed-'));
    const file = path.join(dir, 'image.png');
    fs.writeFileSync(file, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]));
    expect(() => readSeedFile(file)).toThrow(/image\.png:\d+: .*not a text file/);
    expect(() => readSeedFile(path.join(dir, 'missing.txt'))).toThrow(/missing\.txt:0: file not found/);
  });
});
