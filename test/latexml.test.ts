import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLatexml } from '../src/sources/fulltext/latexml.js';

const fixture = (id: string) => parseLatexml(fs.readFileSync(`test/fixtures/fulltext/${id}.xhtml`, 'utf8'))!;
const all = (t: ReturnType<typeof fixture>) => t.sections.flatMap((s) => s.paragraphs);

describe('full text from LaTeXML (older XHTML + MathML conversions)', () => {
  const t = fixture('P14-1011');

  it('reads title, authors and abstract from the document', () => {
    expect(t.title).toBe('Bilingually-constrained Phrase Embeddings for Machine Translation');
    expect(t.authors).toEqual(['Jiajun Zhang', 'Shujie Liu', 'Mu Li', 'Ming Zhou', 'Chengqing Zong']);
    expect(t.abstract).toMatch(/^We propose Bilingually-constrained Recursive Auto-encoders \(BRAE\)/);
    expect(fixture('P14-1028').authors).toEqual(['Wenzhe Pei', 'Tao Ge', 'Baobao Chang']);
    expect(fixture('P14-1013').authors).toEqual([]); // the conversion lost them: no "[" for names
  });

  it('keeps every section with its anchor, printed number and title, in document order', () => {
    expect(t.sections.slice(0, 3).map((s) => [s.id, s.number, s.title])).toEqual([
      ['S1', '1', 'Introduction'],
      ['S2', '2', 'Related Work'],
      ['S3', '3', 'Bilingually-constrained Recursive Auto-encoders'],
    ]);
    expect(t.sections.find((s) => s.id === 'S4.SS1')).toMatchObject({ number: '4.1', title: 'Hyper-Parameter Settings' });
    expect(t.sections.every((s) => s.paragraphs.length > 0)).toBe(true);
    // Paragraphs belong to their own section, not also to the one around it.
    const s3 = t.sections.find((s) => s.id === 'S3')!;
    const s311 = t.sections.find((s) => s.id === 'S3.SS1.SSS1')!;
    expect(s3.paragraphs.some((p) => s311.paragraphs.includes(p))).toBe(false);
  });

  it('takes citations and footnote marks out of the sentences, keeps footnotes as paragraphs, leaves the references out', () => {
    const intro = t.sections[0]!.paragraphs[0]!;
    expect(intro).toMatch(/great success in speech and image processing\.$/);
    expect(all(t).some((p) => /\[\d+(, \d+)*\]/.test(p))).toBe(false);
    expect(all(t).filter((p) => p.includes('For simplicity, we do not show non-translation pairs here'))).toEqual([
      'Footnote: For simplicity, we do not show non-translation pairs here.',
    ]);
    expect(all(t).some((p) => /Imagenet classification with deep convolutional neural networks/i.test(p))).toBe(false);
  });

  it('math is its TeX made readable; a table is its caption, then one "row: cells" line per row', () => {
    expect(all(t).some((p) => p.includes('p<0.01'))).toBe(true);
    expect(all(t).some((p) => p.includes('$'))).toBe(false);
    expect(all(t).some((p) => /cdots|ldots/.test(p))).toBe(false);
    const table = all(t);
    const caption = table.findIndex((p) => p.startsWith('Table 1: Comparison between BRAE-based pruning and Significance pruning'));
    expect(caption).toBeGreaterThan(-1);
    expect(table[caption + 1]).toBe('Method: Threshold | PhraseTable | MT03 | MT04 | MT05 | MT06 | MT08 | ALL');
    expect(table[caption + 2]).toBe('Baseline: | 100% | 35.81 | 36.91 | 34.69 | 33.83 | 27.17 | 34.82');
  });
});

describe('full text from LaTeXML (today’s HTML5 pages)', () => {
  const page = `<!DOCTYPE html><html><body><article class="ltx_document">
    <h1 class="ltx_title ltx_title_document">A Paper</h1>
    <div class="ltx_authors"><span class="ltx_creator ltx_role_author"><span class="ltx_personname">Ada Lovelace, Alan Turing</span></span></div>
    <div class="ltx_abstract"><p class="ltx_p">We study things.</p></div>
    <section id="S5" class="ltx_section"><h2 class="ltx_title ltx_title_section"><span class="ltx_tag ltx_tag_section">5 </span>Results</h2>
      <section id="S5.SS1" class="ltx_subsection"><h3 class="ltx_title ltx_title_subsection"><span class="ltx_tag ltx_tag_subsection">5.1 </span>Accuracy</h3>
        <div id="S5.SS1.p1" class="ltx_para"><p class="ltx_p">We reach <math alttext="25\\%" class="ltx_Math"><mn>25</mn></math> on <math alttext="224\\times 224" class="ltx_Math"><mi>x</mi></math> images <cite class="ltx_cite">[<a href="#bib.bib1">1</a>]</cite>.</p></div>
      </section>
    </section>
    <section class="ltx_bibliography"><ul><li>Someone. Something. 2020.</li></ul></section>
  </article></body></html>`;

  it('reads section.ltx_section pages the same way', () => {
    const t = parseLatexml(page)!;
    expect(t).toMatchObject({ title: 'A Paper', authors: ['Ada Lovelace', 'Alan Turing'], abstract: 'We study things.' });
    expect(t.sections).toEqual([{ id: 'S5.SS1', number: '5.1', title: 'Accuracy', paragraphs: ['We reach 25% on 224×224 images.'] }]);
  });

  it('a page that is not a converted paper (the conversion failed) is no full text', () => {
    expect(parseLatexml('<html><body><h1>Conversion to HTML had a Fatal error and exited abruptly.</h1></body></html>')).toBeUndefined();
    expect(
      parseLatexml(page.replace(/<section id="S5"[\s\S]*<\/section>\s*<section class="ltx_bibliography">/, '<section class="ltx_bibliography">')),
    ).toBeUndefined();
  });
});
