// Child process for the crash-safety test: keeps growing the vector index and the paper table,
// printing "committed <items> <papers>" after each durable write, until it is killed.
//
// Every file write here is made slow (first half, "writing" on stdout, a pause, second half), like a
// slow disk, so the parent can kill the process while a file is half-written – deterministically.
import fsp from 'node:fs/promises';
import { FakeEmbeddings } from '@langchain/core/utils/testing';
import { PaperStore } from '../../src/library/store.js';
import { openDb } from '../../src/db/open.js';
import { VectraStore } from '../../src/retrieval/vectors/vector-store.js';

const pause = () => new Promise((r) => setTimeout(r, 400));
const halves = (data: string | Uint8Array) => {
  const buf = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
  return [buf.subarray(0, buf.length >> 1), buf.subarray(buf.length >> 1)] as const;
};
const fsDefault = fsp as unknown as { writeFile: typeof fsp.writeFile };
fsDefault.writeFile = (async (file: string, data: string | Uint8Array) => {
  const [a, b] = halves(data);
  const h = await fsp.open(file, 'w');
  await h.write(a);
  process.stdout.write('writing\n');
  await pause();
  await h.write(b);
  await h.close();
}) as typeof fsp.writeFile;
const probe = await fsp.open(process.argv[1]!, 'r');
const handleProto = Object.getPrototypeOf(probe) as { writeFile: (data: string | Uint8Array) => Promise<void>; write: (b: Uint8Array) => Promise<unknown> };
await probe.close();
handleProto.writeFile = async function (this: typeof handleProto, data: string | Uint8Array) {
  const [a, b] = halves(data);
  await this.write(a);
  process.stdout.write('writing\n');
  await pause();
  await this.write(b);
};

const dir = process.argv[2]!;
const store = new PaperStore(await openDb({ DATA_DIR: dir }));
const vectors = await VectraStore.open(`${dir}/vectors`, new FakeEmbeddings());
let items = await vectors.size();
let papers = await store.count();
let seed = 1;
const rand = () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647 - 0.5;
};
for (let round = 0; ; round++) {
  const ids = Array.from({ length: 400 }, (_, i) => `p${process.pid}-${round}-${i}`);
  const vecs = ids.map(() => Array.from({ length: 512 }, rand));
  await vectors.replacePapers(
    new Set(ids),
    vecs,
    ids.map((paperId) => ({ paperId, n: 0, hash: 'h' })),
  );
  items += ids.length;
  await store.upsert([{ id: `paper-${process.pid}-${round}`, title: `Paper ${process.pid} ${round}`, abstract: 'x '.repeat(30), links: [], source: 'test' }]);
  papers += 1;
  process.stdout.write(`committed ${items} ${papers}\n`);
}
