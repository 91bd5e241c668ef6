import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Mode = 'good' | 'cite9' | '429' | '500' | 'hang' | 'malformed';

export interface FakeOpenAI {
  baseURL: string;
  mode: Mode;
  /** Good-mode reply text. */
  reply: string;
  /**
   * Good-mode reply to a structured request (the source rating): the JSON text of its arguments.
   * Undefined: every source of the request rated 10.
   */
  ratings?: string;
  requests: { auth?: string; structured: boolean; body: { model: string; messages: { role: string; content: string }[] } }[];
  close(): Promise<void>;
}

/** A loopback OpenAI-compatible server (`POST /v1/chat/completions`) with scripted failures. */
export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const hanging: http.ServerResponse[] = [];
  const state: FakeOpenAI = {
    baseURL: '',
    mode: 'good',
    reply: '',
    requests: [],
    close: async () => {
      for (const r of hanging) r.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const completion = (content: string) =>
    JSON.stringify({
      id: 'chatcmpl-test',
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: 'fake-model',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
    });
  /** A structured reply, as the request asked for it: a tool call, or JSON content (response_format). */
  const structured = (body: { tools?: { function: { name: string } }[]; messages: { content: string }[] }) => {
    const n = [...body.messages.at(-1)!.content.matchAll(/^\[(\d+)\] /gm)].map((m) => Number(m[1]));
    const args = state.ratings ?? JSON.stringify({ ratings: n.map((source) => ({ source, relevance: 10 })) });
    if (!body.tools?.length) return completion(args);
    const call = { id: 'call_1', type: 'function', function: { name: body.tools[0]!.function.name, arguments: args } };
    return JSON.stringify({
      id: 'chatcmpl-test',
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: 'fake-model',
      choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: 'tool_calls', logprobs: null }],
      usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
    });
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404).end();
        return;
      }
      const auth = req.headers.authorization;
      const body = JSON.parse(raw);
      const isStructured = !!(body.tools?.length || body.response_format);
      state.requests.push({ ...(auth ? { auth } : {}), structured: isStructured, body });
      const json = { 'content-type': 'application/json' };
      switch (state.mode) {
        case 'good':
          res.writeHead(200, json).end(isStructured ? structured(body) : completion(state.reply));
          break;
        case 'cite9':
          res.writeHead(200, json).end(isStructured ? structured(body) : completion('The answer is in a source I was not given [9].'));
          break;
        case '429':
          res.writeHead(429, { ...json, 'retry-after': '0' }).end(JSON.stringify({ error: { message: 'Rate limit reached', type: 'rate_limit_error' } }));
          break;
        case '500':
          res.writeHead(500, json).end(JSON.stringify({ error: { message: 'internal error', type: 'server_error' } }));
          break;
        case 'hang':
          hanging.push(res);
          break;
        case 'malformed':
          res.writeHead(200, json).end('{"id":"x","choices":[{"message":');
          break;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return state;
}
