import { UserFacingError } from '../errors.js';
import pRetry, { AbortError } from 'p-retry';

export const USER_AGENT = 'paperbot/0.1 (+https://github.com/paperbot; Discord research-papers bot)';

/** A source that could not be read; the message says which URL and why (never a stack). */
export class SourceError extends UserFacingError {}

export interface FetchOptions {
  /** Per attempt. */
  timeoutMs?: number;
  /** Retries after the first attempt, on 429, 5xx, timeouts and network errors. */
  retries?: number;
  /** First backoff; doubles each retry, with jitter. */
  minBackoffMs?: number;
  fetchImpl?: typeof fetch;
}

const RETRYABLE = (status: number) => status === 429 || status >= 500;

/**
 * GET with a timeout per attempt, a User-Agent, and retries with exponential backoff and jitter
 * (p-retry) on 429 / 5xx / timeouts / network errors. Other 4xx fail at once.
 */
export async function fetchText(url: string, opts: FetchOptions = {}): Promise<string> {
  return (await fetchPage(url, opts)).text;
}

/** A page and the address it came from after redirects (arXiv's `/html/<id>` lands on `/html/<id>v3`). 404 is `undefined` when `missingOk`. */
export async function fetchPage(
  url: string,
  opts: FetchOptions & { accept?: string; missingOk?: boolean } = {},
): Promise<{ text: string; url: string; status: number }> {
  return request(url, opts, async (res) => ({ text: await res.text(), url: res.url || url, status: res.status }));
}

/**
 * A binary document (a PDF) and the address it came from; `undefined` on 404. Refused, without
 * reading the rest, once it is over `maxBytes` (by its Content-Length or as it streams in).
 */
export async function fetchBytes(
  url: string,
  opts: FetchOptions & { accept?: string; maxBytes: number },
): Promise<{ bytes: Uint8Array; url: string } | undefined> {
  const got = await request(url, { ...opts, missingOk: true }, async (res) =>
    res.status === 404 ? undefined : { bytes: await readCapped(res, opts.maxBytes), url: res.url || url },
  );
  return got;
}

async function readCapped(res: Response, maxBytes: number): Promise<Uint8Array> {
  const tooBig = () => new AbortError(new SourceError(`the document is over the ${Math.round(maxBytes / 1e6)} MB limit (MAX_DOCUMENT_MB)`));
  if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
    await res.body?.cancel();
    throw tooBig();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += chunk.length;
    if (size > maxBytes) throw tooBig();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The retry loop every request shares: `read` turns a successful (or, when `missingOk`, 404) response into the result. */
async function request<T>(url: string, opts: FetchOptions & { accept?: string; missingOk?: boolean }, read: (res: Response) => Promise<T>): Promise<T> {
  const f = opts.fetchImpl ?? fetch;
  try {
    return await pRetry(
      async () => {
        let res: Response;
        try {
          res = await f(url, {
            headers: { 'user-agent': USER_AGENT, accept: opts.accept ?? 'application/json, application/atom+xml, */*' },
            signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
          });
        } catch (err) {
          const e = err as Error;
          throw new SourceError(e.name === 'TimeoutError' ? `no answer within ${opts.timeoutMs ?? 15_000} ms` : `network error: ${e.message}`);
        }
        if (res.ok || (opts.missingOk && res.status === 404)) return await read(res);
        await res.body?.cancel();
        const error = new SourceError(`HTTP ${res.status}`);
        if (!RETRYABLE(res.status)) throw new AbortError(error);
        throw error;
      },
      { retries: opts.retries ?? 3, minTimeout: opts.minBackoffMs ?? 1000, factor: 2, randomize: true },
    );
  } catch (err) {
    throw new SourceError(`${url}: ${(err as Error).message}`);
  }
}
