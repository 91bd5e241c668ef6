import * as cheerio from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import { readableText } from '../../library/readable.js';
import type { FullText, Section } from '../../paper/paper.js';

type Doc = cheerio.CheerioAPI;

const SECTION = '.ltx_section, .ltx_subsection, .ltx_subsubsection, .ltx_paragraph, .ltx_appendix';

/**
 * A paper's full text from arXiv's HTML conversion (LaTeXML): today's HTML5 pages
 * (`section.ltx_section`) and older XHTML + MathML conversions (`div.ltx_section`, as ar5iv and the
 * ACL 2014 files in ../shared). Sections keep their number, title and anchor; math is its TeX
 * `alttext` made readable; citations, footnote marks and the bibliography are left out of the
 * sentences (footnotes become paragraphs of their own); tables become "row: cells" lines after
 * their caption. Undefined when the page is not a converted paper (a conversion that failed).
 */
export function parseLatexml(html: string): FullText | undefined {
  const $ = cheerio.load(html, { xml: /^\s*<\?xml/.test(html) });
  const doc = $('.ltx_document').first();
  if (doc.length === 0) return undefined;
  // arXiv's pages carry "Report issue for preceding element" buttons.
  $('.ltx_bibliography, .ltx_page_footer, .ltx_page_logo, button, script, style').remove();
  const footnotes = new Map<AnyNode, string[]>();
  prepareInline($, footnotes);
  const sections = doc
    .find(SECTION)
    .toArray()
    .map((el) => sectionOf($, el, footnotes))
    .filter((s) => s.paragraphs.length > 0);
  if (sections.length === 0) return undefined;
  return {
    title: text(doc.find('.ltx_title_document').first()),
    authors: authorsOf($),
    abstract: doc
      .find('.ltx_abstract .ltx_p')
      .toArray()
      .map((p) => text($(p)))
      .join(' '),
    sections,
  };
}

/**
 * The arXiv HTML address a saved page came from, when it says (`<base href="/html/2508.10395v1/">`,
 * its canonical or og:url link, or its table of contents' links): `https://arxiv.org/html/2508.10395v1`
 * (ar5iv's pages: its own address).
 */
export function arxivPageOf(html: string): string | undefined {
  const $ = cheerio.load(html, { xml: /^\s*<\?xml/.test(html) });
  const candidates = [
    $('base[href]').attr('href'),
    $('link[rel="canonical"]').attr('href'),
    $('meta[property="og:url"]').attr('content'),
    $('.ltx_TOC a[href]').first().attr('href'),
  ];
  for (const c of candidates) {
    const m = c && /(?:^|(ar5iv\.labs\.)?arxiv\.org)\/html\/(\d{4}\.\d{4,5}(?:v\d+)?)(?=[/#?]|$)/.exec(c);
    if (m) return `https://${m[1] ?? ''}arxiv.org/html/${m[2]}`;
  }
  return undefined;
}

/** Math becomes its TeX, citations go, footnotes are taken out of their sentence (kept for their section). */
function prepareInline($: Doc, footnotes: Map<AnyNode, string[]>): void {
  $('math').each((_, m) => {
    const tex = $(m).attr('alttext') ?? $(m).text();
    $(m).replaceWith(escapeText(` $${tex}$ `));
  });
  $('cite.ltx_cite, .ltx_cite').remove();
  $('.ltx_note').each((_, n) => {
    const content = $(n).find('.ltx_note_content').first();
    content.find('.ltx_note_mark').remove();
    const note = readableText(content.text());
    const section = $(n).closest(SECTION).get(0);
    if (note && section) footnotes.set(section, [...(footnotes.get(section) ?? []), `Footnote: ${note}`]);
    $(n).remove();
  });
}

const FLOAT = '.ltx_table, .ltx_figure';
const BLOCK = '.ltx_para, .ltx_theorem, .ltx_proof, .ltx_logical-block';

/** The text lines (`.ltx_p`) of a block, leaving out those inside its tables and figures (a cell may hold one). */
const linesOf = ($: Doc, block: cheerio.Cheerio<Element>) =>
  block
    .find('.ltx_p')
    .toArray()
    .filter((p) => $(p).parentsUntil(block).filter(`${FLOAT}, .ltx_tabular`).length === 0)
    .map((p) => text($(p)));

function sectionOf($: Doc, el: Element, footnotes: Map<AnyNode, string[]>): Section {
  const heading = $(el).children('.ltx_title').first();
  const number = readableText(heading.find('.ltx_tag').first().text()).replace(/\.$/, '');
  heading.find('.ltx_tag').remove();
  const paragraphs: string[] = [];
  for (const child of $(el).children().toArray()) {
    const c = $(child);
    if (c.is(FLOAT)) paragraphs.push(...floatOf($, child));
    // A paragraph, a list, a theorem or a proof: its lines of text, then the tables and figures inside it.
    else if (c.is(BLOCK))
      paragraphs.push(
        ...linesOf($, c),
        ...c
          .find(FLOAT)
          .toArray()
          .filter((f) => $(f).parentsUntil(c).filter(FLOAT).length === 0)
          .flatMap((f) => floatOf($, f)),
      );
  }
  paragraphs.push(...(footnotes.get(el) ?? []));
  return { id: $(el).attr('id') ?? '', number, title: text(heading), paragraphs: paragraphs.filter(Boolean) };
}

/** A table or figure: its caption, then (tables) one line per row: the first cell, then the others. */
function floatOf($: Doc, el: AnyNode): string[] {
  const f = $(el);
  const out = [text(f.find('.ltx_caption').first())];
  for (const row of f.find('tr').toArray()) {
    const cells = $(row)
      .children('td, th')
      .toArray()
      .map((c) => text($(c)));
    if (cells.some(Boolean)) out.push(`${cells[0] || '—'}: ${cells.slice(1).join(' | ')}`.replace(/\s+/g, ' '));
  }
  return out;
}

/** A line break inside a person's name block, as text. */
const BREAK = '\u2028';

/**
 * Author names. A name block holds a line of names, then affiliations and e-mail on the lines after
 * it; "&" (LaTeX's \And) starts the next author's block. Affiliation marks (superscripts) and notes
 * are not names. A line of several names may go on over the next lines when they hold names only.
 */
function authorsOf($: Doc): string[] {
  const names: string[] = [];
  for (const person of $('.ltx_personname').toArray()) {
    const p = $(person).clone();
    p.find('sup, .ltx_note, .ltx_contact, .ltx_author_notes').remove();
    p.find('br').replaceWith(BREAK);
    let state: 'names' | 'more' | 'affiliation' = 'names';
    for (const raw of p.text().split(BREAK)) {
      const next = /^\s*&/.test(raw);
      if (next) state = 'names';
      const parts = namesIn(raw.replace(/^\s*&/, ''));
      if (state === 'names') {
        names.push(...parts.filter((n) => /\p{L}{2}/u.test(n)));
        state = parts.length >= 2 ? 'more' : 'affiliation';
      } else if (state === 'more' && parts.length > 0 && parts.every(isPersonName)) names.push(...parts);
      else state = 'affiliation';
    }
  }
  return names;
}

/** The names of one line: separated by commas, "and", or (some conversions) a run of spaces; math marks out. */
const namesIn = (line: string) =>
  line
    .replace(/\$[^$]*\$/g, ' ')
    .split(/,|\band\b|\s{2,}/)
    .map((n) =>
      n
        .replace(/\s+/g, ' ')
        .replace(/[\d\s†‡*∗⋆§¶♠♣♢♡]+$/u, '')
        .trim(),
    )
    .filter(Boolean);

/** "Michael W. Mahoney", "Benjamin Van Durme", "Jean-Luc de la Tour": two to five capitalised words (or initials); not "UC Berkeley", "Harbin, China". */
const isPersonName = (s: string) => {
  const words = s.split(' ');
  const name = /^(?:\p{Lu}\.?|\p{Lu}(?=[\p{L}'’.-]*\p{Ll})[\p{L}'’.-]+|van|von|der|de|da|del|di|la|le)$/u;
  return words.length >= 2 && words.length <= 5 && words.every((w) => name.test(w));
};

/** Text to put into the document as text, not markup (TeX like `p<0.01` has angle brackets). */
const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const text = (node: cheerio.Cheerio<AnyNode>) => readableText(node.text());
