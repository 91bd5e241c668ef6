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
  $('.ltx_bibliography, .ltx_page_footer, .ltx_page_logo, script, style').remove();
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

function sectionOf($: Doc, el: Element, footnotes: Map<AnyNode, string[]>): Section {
  const heading = $(el).children('.ltx_title').first();
  const number = readableText(heading.find('.ltx_tag').first().text()).replace(/\.$/, '');
  heading.find('.ltx_tag').remove();
  const paragraphs: string[] = [];
  for (const child of $(el).children().toArray()) {
    const c = $(child);
    if (c.is('.ltx_para'))
      paragraphs.push(
        ...c
          .find('.ltx_p')
          .toArray()
          .map((p) => text($(p))),
      );
    else if (c.is('.ltx_table, .ltx_figure')) paragraphs.push(...floatOf($, child));
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

/** Author names: the text of each person's name before the first line break (affiliations follow it). */
function authorsOf($: Doc): string[] {
  const names: string[] = [];
  for (const person of $('.ltx_personname').toArray()) {
    let line = '';
    for (const node of $(person).contents().toArray()) {
      if (node.type === 'tag' && (node as Element).name === 'br') break;
      line += $(node).text();
    }
    // Names are separated by commas, "and", or (some conversions) a run of spaces; a conversion that lost them leaves only marks.
    const clean = line.replace(/\$[^$]*\$/g, ' ');
    names.push(
      ...clean
        .split(/,|\band\b|\s{3,}/)
        .map((n) => n.replace(/\s+/g, ' ').trim())
        .filter((n) => /\p{L}{2}/u.test(n)),
    );
  }
  return names;
}

/** Text to put into the document as text, not markup (TeX like `p<0.01` has angle brackets). */
const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const text = (node: cheerio.Cheerio<AnyNode>) => readableText(node.text());
