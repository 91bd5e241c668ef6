import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createEmbeddings } from '../src/retrieval/embeddings.js';
import { TransformersEmbeddings } from '../src/retrieval/transformers.js';
import { UseLiteEmbeddings } from '../src/retrieval/use-lite.js';
import { TINY_HIDDEN, writeTinyBert } from './helpers/tiny-model.js';

let modelsDir: string;
beforeAll(() => {
  modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-models-'));
  writeTinyBert(modelsDir);
});
afterAll(() => fs.rmSync(modelsDir, { recursive: true, force: true }));

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0) / (norm(a) * norm(b));

describe('TransformersEmbeddings (@xenova/transformers, local model only)', () => {
  it('embeds with a local ONNX model: mean-pooled, L2-normalised, deterministic', async () => {
    const e = new TransformersEmbeddings({ model: 'test/tiny-bert', modelsDir, allowRemote: false });
    const [a, b, a2] = await e.embedDocuments(['dataset distillation of images', 'sourdough bread', 'dataset distillation of images']);
    expect(a).toHaveLength(TINY_HIDDEN);
    expect(norm(a!)).toBeCloseTo(1, 5);
    expect(a2).toEqual(a);
    expect(cos(a!, b!)).toBeLessThan(0.99);
    const q = await e.embedQuery('distillation of images dataset');
    // Same bag of words, same mean-pooled vector (the tiny model has no positions).
    expect(cos(q, a!)).toBeGreaterThan(0.999);
  });

  it('rejects a model that is not in the local folder when remote loading is off', async () => {
    const e = new TransformersEmbeddings({ model: 'test/missing-model', modelsDir, allowRemote: false });
    await expect(e.embedQuery('x')).rejects.toThrow();
  });
});

describe('createEmbeddings', () => {
  it('uses the transformers model when it loads', async () => {
    const config = loadConfig({ EMBEDDINGS: 'transformers', EMBEDDING_MODEL: 'test/tiny-bert', MODELS_DIR: modelsDir, ALLOW_REMOTE_MODELS: '0' });
    const lines: string[] = [];
    const e = await createEmbeddings(config, { warn: (m: string) => lines.push(m) } as never);
    expect(e).toBeInstanceOf(TransformersEmbeddings);
    expect(e.modelId).toBe('tf-test_tiny-bert');
    expect(lines).toEqual([]);
  });

  it('falls back to USE-lite with one clear log line when the model cannot be loaded', async () => {
    const config = loadConfig({ EMBEDDINGS: 'transformers', EMBEDDING_MODEL: 'nobody/no-such-model', MODELS_DIR: modelsDir, ALLOW_REMOTE_MODELS: 'false' });
    const lines: string[] = [];
    const e = await createEmbeddings(config, { warn: (m: string) => lines.push(m) } as never);
    expect(e).toBeInstanceOf(UseLiteEmbeddings);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/nobody\/no-such-model.*falling back to the bundled Universal Sentence Encoder lite/);
  });
});
