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

  it('reads the names of a multi-line author block, not its affiliation marks, affiliations or notes', () => {
    const authors = `<div class="ltx_authors"><span class="ltx_creator ltx_role_author"><span class="ltx_personname">
      Ada Lovelace<sup class="ltx_sup">1</sup>\u00a0\u00a0Alan Turing<span class="ltx_note ltx_role_footnotemark"><sup class="ltx_note_mark">1</sup><span class="ltx_note_outer"><span class="ltx_note_content">footnotemark: 1</span></span></span><sup class="ltx_sup">1,2</sup>
      <br class="ltx_break"/>Grace B. Hopper<sup class="ltx_sup">2</sup>\u00a0\u00a0Edsger van Dijkstra<sup class="ltx_sup">3</sup>
      <br class="ltx_break"/><sup class="ltx_sup">1</sup> UC Berkeley\u00a0\u00a0<sup class="ltx_sup">2</sup> ICSI\u00a0\u00a0<sup class="ltx_sup">3</sup> Mathematisch Centrum
      </span><span class="ltx_author_notes">Equal contribution</span></span></div>`;
    const pair = `<div class="ltx_authors"><span class="ltx_creator ltx_role_author"><span class="ltx_personname">Ada Lovelace
      <br class="ltx_break"/>Analytical Engine Society<br class="ltx_break"/>ada@example.org<br class="ltx_break"/>&amp;Alan Turing
      <br class="ltx_break"/>University of Manchester<br class="ltx_break"/>alan@example.org</span></span></div>`;
    expect(parseLatexml(page.replace(/<div class="ltx_authors">[\s\S]*?<\/div>/, authors))!.authors).toEqual([
      'Ada Lovelace',
      'Alan Turing',
      'Grace B. Hopper',
      'Edsger van Dijkstra',
    ]);
    expect(parseLatexml(page.replace(/<div class="ltx_authors">[\s\S]*?<\/div>/, pair))!.authors).toEqual(['Ada Lovelace', 'Alan Turing']);
  });

  it('keeps lists, theorems and tables inside a paragraph, without the page’s buttons or a table cell taken for a paragraph', () => {
    const body = `<section id="S2" class="ltx_section"><h2 class="ltx_title ltx_title_section"><span class="ltx_tag ltx_tag_section">2 </span>Method</h2>
      <div id="S2.p1" class="ltx_para"><p class="ltx_p">We make two changes:</p>
        <ul class="ltx_itemize"><li class="ltx_item"><span class="ltx_tag ltx_tag_item">•</span><div class="ltx_para"><p class="ltx_p">a rate of <math alttext="10^{-4}" class="ltx_Math"><mn>x</mn></math>;</p></div></li></ul>
        <button class="sr-only button">Report issue for preceding element</button>
        <figure class="ltx_table" id="S2.T1"><figcaption class="ltx_caption"><span class="ltx_tag ltx_tag_table">Table 1: </span>Sizes.</figcaption>
          <table class="ltx_tabular"><tr class="ltx_tr"><td class="ltx_td"><span class="ltx_p">Base</span></td><td class="ltx_td">12 layers</td></tr></table></figure>
      </div>
      <div id="S2.Thm1" class="ltx_theorem"><h6 class="ltx_title ltx_title_theorem">Theorem 1.</h6><div class="ltx_para"><p class="ltx_p">The loss is bounded.</p></div></div>
    </section>`;
    const t = parseLatexml(page.replace(/<section id="S5"[\s\S]*<\/section>\s*(?=<section class="ltx_bibliography">)/, body))!;
    expect(t.sections).toEqual([
      {
        id: 'S2',
        number: '2',
        title: 'Method',
        paragraphs: ['We make two changes:', 'a rate of 10⁻⁴;', 'Table 1: Sizes.', 'Base: 12 layers', 'The loss is bounded.'],
      },
    ]);
  });

  it('a page that is not a converted paper (the conversion failed) is no full text', () => {
    expect(parseLatexml('<html><body><h1>Conversion to HTML had a Fatal error and exited abruptly.</h1></body></html>')).toBeUndefined();
    expect(
      parseLatexml(page.replace(/<section id="S5"[\s\S]*<\/section>\s*<section class="ltx_bibliography">/, '<section class="ltx_bibliography">')),
    ).toBeUndefined();
  });
});
