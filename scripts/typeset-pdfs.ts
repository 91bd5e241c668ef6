// Typesets each LaTeXML paper of a folder as a two-column PDF (pdf-lib, as the tests do), so the PDF
// path can be evaluated on the same papers and questions as the HTML one:
//   npx tsx scripts/typeset-pdfs.ts ../shared/data/fulltext/acl2014-latexml /tmp/acl-pdf
//   DATA_DIR=<fresh> npx paperbot eval fulltext --papers /tmp/acl-pdf --split heldout
import fs from 'node:fs';
import path from 'node:path';
import { parseLatexml } from '../src/sources/fulltext/latexml.js';
import { paperPdf } from '../test/helpers/make-pdf.js';

const [from, to] = process.argv.slice(2);
if (!from || !to) {
  console.error('usage: tsx scripts/typeset-pdfs.ts <folder of .xhtml/.html> <output folder>');
  process.exit(2);
}
fs.mkdirSync(to, { recursive: true });
for (const file of fs.readdirSync(from).filter((f) => /\.x?html?$/i.test(f))) {
  const paper = parseLatexml(fs.readFileSync(path.join(from, file), 'utf8'));
  if (!paper) continue;
  const out = path.join(to, file.replace(/\.x?html?$/i, '.pdf'));
  fs.writeFileSync(out, await paperPdf(paper, { columns: 2, header: 'Proceedings of ACL 2014' }));
  console.log(out);
}
