import { PDFDocument, PDFName, PDFString, StandardFonts, type PDFFont, type PDFPage } from 'pdf-lib';
import type { FullText } from '../../src/paper/paper.js';

/** How a generated paper is laid out: one or two columns, a running header, page numbers. */
export interface PdfLayout {
  columns?: 1 | 2;
  header?: string;
  references?: string[];
}

const PAGE = { w: 612, h: 792, margin: 54, gutter: 18 };
const BODY = 10;

/**
 * A paper typeset as a PDF the way LaTeX lays one out (pdf-lib, standard fonts): a large title,
 * authors, "Abstract", numbered bold headings, justified-width lines with long words hyphenated at the
 * line end, a running header and a page number on every page, references at the end.
 */
export async function paperPdf(paper: FullText, layout: PdfLayout = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const fonts = { roman: await doc.embedFont(StandardFonts.TimesRoman), bold: await doc.embedFont(StandardFonts.TimesRomanBold) };
  const w = new Writer(doc, fonts, layout);
  w.block(paper.title, fonts.bold, 16, { full: true });
  w.block(paper.authors.join(', '), fonts.roman, 11, { full: true });
  w.heading('Abstract');
  w.block(paper.abstract, fonts.roman, BODY);
  for (const s of paper.sections) {
    w.heading(`${s.number ? `${s.number} ` : ''}${s.title}`);
    for (const p of s.paragraphs) w.block(p, fonts.roman, BODY);
  }
  if (layout.references) {
    w.heading('References');
    for (const r of layout.references) w.block(r, fonts.roman, 9);
  }
  return doc.save();
}

/** A PDF whose trailer says it is encrypted with a user password (the standard security handler). */
export async function encryptedPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage().drawText('secret', { x: 50, y: 700 });
  const bytes32 = PDFString.of('x'.repeat(32));
  const encrypt = doc.context.obj({ Filter: PDFName.of('Standard'), V: 1, R: 2, O: bytes32, U: bytes32, P: -44 });
  doc.context.trailerInfo.Encrypt = doc.context.register(encrypt);
  doc.context.trailerInfo.ID = doc.context.obj([PDFString.of('0123456789abcdef'), PDFString.of('0123456789abcdef')]);
  return doc.save({ useObjectStreams: false });
}

/** A PDF with pages but no text layer (a scan: shapes only). */
export async function scannedPdf(pages = 3): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < pages; i++) doc.addPage().drawRectangle({ x: 50, y: 50, width: 500, height: 690, borderWidth: 2 });
  return doc.save();
}

class Writer {
  private page!: PDFPage;
  private column = 0;
  private y = 0;
  private pages = 0;
  /** Where columns start on this page: below the title block on the first. */
  private columnTop = 0;
  private readonly columns: number;
  private readonly safe = new Map<string, string>();

  constructor(
    private readonly doc: PDFDocument,
    private readonly fonts: { roman: PDFFont; bold: PDFFont },
    private readonly layout: PdfLayout,
  ) {
    this.columns = layout.columns ?? 1;
    this.newPage();
  }

  heading(text: string): void {
    this.y -= 8;
    this.block(text, this.fonts.bold, 12);
  }

  /** Wraps `text` into lines of the column (or the page, when `full`), hyphenating a long word that does not fit. */
  block(text: string, font: PDFFont, size: number, opts: { full?: boolean } = {}): void {
    const width = opts.full ? PAGE.w - 2 * PAGE.margin : this.columnWidth();
    let line = '';
    for (const word of this.encodable(font, text).split(/\s+/).filter(Boolean)) {
      const next = line ? `${line} ${word}` : word;
      if (font.widthOfTextAtSize(next, size) <= width) {
        line = next;
        continue;
      }
      const cut = word.length >= 8 && /^[a-z]+$/.test(word) ? Math.floor(word.length / 2) : 0;
      if (cut && font.widthOfTextAtSize(`${line} ${word.slice(0, cut)}-`, size) <= width) {
        this.line(`${line} ${word.slice(0, cut)}-`, font, size, opts.full);
        line = word.slice(cut);
      } else {
        this.line(line, font, size, opts.full);
        line = word;
      }
    }
    if (line) this.line(line, font, size, opts.full);
    this.y -= size * 0.9;
    if (opts.full) this.columnTop = this.y;
  }

  private line(text: string, font: PDFFont, size: number, full?: boolean): void {
    if (!text) return;
    if (this.y - size < PAGE.margin + 20) this.nextColumn();
    this.y -= size * 1.25;
    const x = full ? PAGE.margin : PAGE.margin + this.column * (this.columnWidth() + PAGE.gutter);
    this.page.drawText(text, { x, y: this.y, size, font });
  }

  private columnWidth(): number {
    return (PAGE.w - 2 * PAGE.margin - (this.columns - 1) * PAGE.gutter) / this.columns;
  }

  private nextColumn(): void {
    if (this.column + 1 < this.columns) {
      this.column++;
      this.y = this.columnTop;
    } else this.newPage();
  }

  private top(): number {
    return PAGE.h - PAGE.margin - 14;
  }

  private newPage(): void {
    this.page = this.doc.addPage([PAGE.w, PAGE.h]);
    this.pages++;
    this.column = 0;
    this.y = this.top();
    this.columnTop = this.y;
    const small = { size: 8, font: this.fonts.roman };
    if (this.layout.header) this.page.drawText(this.layout.header, { x: PAGE.margin, y: PAGE.h - PAGE.margin + 10, ...small });
    this.page.drawText(String(this.pages), { x: PAGE.w / 2, y: PAGE.margin - 20, ...small });
  }

  /** The text with characters the standard fonts cannot draw left out. */
  private encodable(font: PDFFont, text: string): string {
    let out = '';
    for (const ch of text) {
      let ok = this.safe.get(ch);
      if (ok === undefined) {
        try {
          font.encodeText(ch);
          ok = ch;
        } catch {
          ok = ' ';
        }
        this.safe.set(ch, ok);
      }
      out += ok;
    }
    return out;
  }
}
