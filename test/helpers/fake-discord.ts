import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** A lone UTF-16 surrogate as JSON.stringify writes it (escaped); pairs are removed before the test. */
const LONE_SURROGATE = /\\ud[89a-f][0-9a-f]{2}/i;

export interface RestCall {
  method: string;
  path: string;
  query: string;
  body: any;
  auth?: string;
  at: number;
}

let nextId = 100000000000000000n;
/** The bot's permissions in a channel unless a test says otherwise: view, send, embed, create public threads, send in threads. */
export const ALL_PERMISSIONS = (1n << 10n) | (1n << 11n) | (1n << 14n) | (1n << 35n) | (1n << 38n);
export const snowflake = () => String(nextId++);

/**
 * A small fake Discord on 127.0.0.1 for the unmodified discord.js client: REST v10 (gateway
 * discovery, interaction callbacks, webhook edits and follow-ups, channel messages, typing,
 * command registration) and a JSON WebSocket gateway (HELLO, IDENTIFY → READY, heartbeats).
 * It records every REST call and can inject INTERACTION_CREATE and MESSAGE_CREATE events.
 * Sharding as Discord does it: GET /gateway/bot recommends `shards`, each connection IDENTIFYs with
 * `shard: [id, n]`, and a server's events go to shard (guild_id >> 22) % n (DMs to shard 0).
 */
export class FakeDiscord {
  readonly botId = '123456789012345678';
  readonly token = `${Buffer.from('123456789012345678').toString('base64')}.Gx1xYz.fake-token-for-tests-only`;
  readonly calls: RestCall[] = [];
  apiBase = '';
  private server!: http.Server;
  private wss!: WebSocketServer;
  /** Shard id → its gateway connection. */
  private readonly sockets = new Map<number, WebSocket>();
  /** Every IDENTIFY: which shard, of how many, when. */
  readonly identifies: { shard: number; of: number; at: number; intents: number }[] = [];
  private seq = 0;
  private identified?: () => void;
  readonly ready = new Promise<void>((r) => (this.identified = r));
  private waiters: { pred: (c: RestCall) => boolean; resolve: (c: RestCall) => void }[] = [];
  /** The DM channel the fake assigns to a user. */
  dmChannelOf(userId: string): string {
    return `8${userId.slice(1)}`;
  }

  /** Channel id → Discord error code answered (403) to messages posted there. */
  readonly failingChannels = new Map<string, number>();
  /** Messages created with a nonce, by `channel:nonce`: with `enforce_nonce` a repeat returns the first (as Discord does). */
  readonly byNonce = new Map<string, unknown>();
  /** Threads by id: their parent channel, name, starter message and state (a test may archive, lock or delete one). */
  readonly threads = new Map<string, { parentId: string; name: string; messageId?: string; archived: boolean; locked: boolean }>();
  /** Channels where creating a thread is refused with 403 Missing Permissions. */
  readonly noThreads = new Set<string>();

  constructor(
    /** The shard count /gateway/bot recommends. */
    readonly shards = 1,
  ) {}

  /** The shard a server's events go to (Discord's formula). */
  shardOf(guildId: string | undefined, of = this.shards): number {
    return guildId ? Number((BigInt(guildId) >> 22n) % BigInt(of)) : 0;
  }

  /** Resolves when `n` distinct shards are connected. */
  async waitForShards(n: number, timeoutMs = 120_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.sockets.size < n) {
      if (Date.now() > until) throw new Error(`only ${this.sockets.size} of ${n} shards connected`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.onRest(req, res));
    this.wss = new WebSocketServer({ server: this.server, path: '/gateway' });
    this.wss.on('connection', (ws) => this.onGateway(ws));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.apiBase = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api`;
    return this;
  }

  async stop(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private get wsUrl() {
    return this.apiBase.replace(/^http/, 'ws').replace(/\/api$/, '/gateway');
  }

  private onGateway(ws: WebSocket) {
    ws.on('close', () => {
      for (const [id, s] of this.sockets) if (s === ws) this.sockets.delete(id);
    });
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41250 }, s: null, t: null }));
    ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as { op: number; d: any };
      if (msg.op === 1) ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
      if (msg.op === 2) {
        const [shard, of] = (msg.d?.shard as [number, number] | undefined) ?? [0, 1];
        this.sockets.set(shard, ws);
        this.identifies.push({ shard, of, at: Date.now(), intents: Number(msg.d?.intents ?? 0) });
        this.dispatch(
          'READY',
          {
            v: 10,
            user: { id: this.botId, username: 'paperbot', discriminator: '0000', global_name: null, avatar: null, bot: true, flags: 0 },
            guilds: [],
            session_id: randomUUID(),
            resume_gateway_url: this.wsUrl,
            application: { id: this.botId, flags: 0 },
            shard: [shard, of],
          },
          shard,
        );
        this.identified?.();
      }
    });
  }

  /** Sends an event to a shard: the given one, else the one its server belongs to (DMs: shard 0). */
  dispatch(t: string, d: unknown, shard?: number): void {
    const of = this.identifies.at(-1)?.of ?? 1;
    const target = shard ?? this.shardOf((d as { guild_id?: string })?.guild_id, of);
    this.sockets.get(target)?.send(JSON.stringify({ op: 0, t, s: ++this.seq, d }));
  }

  /** A message the bot posted, as Discord returns it. */
  private message(channelId: string, body: any) {
    const author = { id: this.botId, username: 'paperbot', discriminator: '0000', avatar: null, bot: true };
    return this.userMessage(snowflake(), channelId, author, body?.content ?? '', {
      embeds: body?.embeds ?? [],
      components: body?.components ?? [],
      flags: body?.flags ?? 0,
    });
  }

  private onRest(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', async () => {
      const [pathname = '', query = ''] = (req.url ?? '').split('?');
      const path = pathname.replace(/^\/api\/v10/, '');
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: any = null;
      const type = req.headers['content-type'] ?? '';
      if (type.startsWith('multipart/form-data')) {
        // Messages with files (attachments): the JSON payload, and each file's name and text.
        const form = await new Response(Buffer.concat(chunks), { headers: { 'content-type': type } }).formData();
        body = JSON.parse(String(form.get('payload_json') ?? '{}'));
        body.files = await Promise.all(
          [...form.entries()].filter(([k]) => k.startsWith('files[')).map(async ([, f]) => ({ name: (f as File).name, text: await (f as File).text() })),
        );
      } else
        try {
          body = raw ? JSON.parse(raw) : null;
        } catch {
          body = raw;
        }
      const call: RestCall = {
        method: req.method ?? '',
        path,
        query,
        body,
        ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
        at: performance.now(),
      };
      this.calls.push(call);
      for (const w of [...this.waiters]) {
        if (w.pred(call)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(call);
        }
      }
      const json = (status: number, data: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(data));
      };
      // Discord rejects half an emoji anywhere in a payload: 400 Invalid Form Body.
      if (LONE_SURROGATE.test(JSON.stringify(body ?? '').replace(/\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})/gi, ''))) {
        return json(400, { message: 'Invalid Form Body', code: 50035, errors: { _errors: [{ code: 'STRING_LONE_SURROGATE', message: 'lone surrogate' }] } });
      }
      let m: RegExpMatchArray | null;
      if (req.method === 'GET' && path === '/gateway/bot') {
        return json(200, { url: this.wsUrl, shards: this.shards, session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 } });
      }
      if (req.method === 'POST' && (m = path.match(/^\/interactions\/(\d+)\/[^/]+\/callback$/))) {
        if (query.includes('with_response=true'))
          return json(200, {
            interaction: { id: m[1], type: 2, response_message_id: null, response_message_loading: body?.type === 5, response_message_ephemeral: false },
          });
        res.writeHead(204).end();
        return;
      }
      if ((m = path.match(/^\/webhooks\/\d+\/[^/]+\/messages\/(?:%40|@)original$/))) return json(200, this.message('0', body));
      if (req.method === 'POST' && path.match(/^\/webhooks\/\d+\/[^/]+$/)) return json(200, this.message('0', body));
      if (req.method === 'POST' && path === '/users/@me/channels') {
        const userId = String(body?.recipient_id);
        return json(200, { id: this.dmChannelOf(userId), type: 1, recipients: [this.user(userId)] });
      }
      if (req.method === 'POST' && (m = path.match(/^\/channels\/(\d+)\/typing$/))) {
        res.writeHead(204).end();
        return;
      }
      if (req.method === 'POST' && (m = path.match(/^\/channels\/(\d+)\/messages$/))) {
        const thread = this.threads.get(m[1]!);
        if (thread?.locked) return json(403, { message: 'Thread is locked', code: 160005 });
        if (thread) thread.archived = false; // a message reopens an archived thread
        const code = this.failingChannels.get(m[1]!);
        if (code !== undefined) return json(code === 10003 ? 404 : 403, { message: code === 10003 ? 'Unknown Channel' : 'Missing Permissions', code });
        const key = body?.nonce === undefined ? undefined : `${m[1]}:${body.nonce}`;
        if (key && body.enforce_nonce && this.byNonce.has(key)) return json(200, this.byNonce.get(key));
        const created = this.message(m[1]!, body);
        if (key) this.byNonce.set(key, created);
        return json(200, created);
      }
      if (req.method === 'POST' && (m = path.match(/^\/channels\/(\d+)\/(?:messages\/(\d+)\/)?threads$/))) {
        const [, parentId, messageId] = m as unknown as [string, string, string | undefined];
        if (this.noThreads.has(parentId)) return json(403, { message: 'Missing Permissions', code: 50013 });
        if (this.threads.has(parentId)) return json(400, { message: 'Cannot execute action on this channel type', code: 50024 });
        if (messageId && [...this.threads.values()].some((t) => t.messageId === messageId))
          return json(400, { message: 'A thread has already been created for this message', code: 160004 });
        const id = snowflake();
        this.threads.set(id, { parentId, name: String(body?.name), ...(messageId ? { messageId } : {}), archived: false, locked: false });
        return json(201, this.threadChannel(id));
      }
      if ((req.method === 'GET' || req.method === 'PATCH') && (m = path.match(/^\/channels\/(\d+)$/))) {
        const t = this.threads.get(m[1]!);
        if (!t) return json(404, { message: 'Unknown Channel', code: 10003 });
        if (req.method === 'PATCH') {
          if (t.locked) return json(403, { message: 'Thread is locked', code: 160005 });
          if (body?.archived === false) t.archived = false;
        }
        return json(200, this.threadChannel(m[1]!));
      }
      if (req.method === 'PUT' && path.match(/^\/applications\/\d+(\/guilds\/\d+)?\/commands$/)) {
        return json(
          200,
          (body as any[]).map((c) => ({ ...c, id: snowflake(), application_id: this.botId, version: '1' })),
        );
      }
      json(404, { message: 'Unknown route', code: 0 });
    });
  }

  /** A thread as Discord describes it (a public thread, type 11). */
  threadChannel(id: string) {
    const t = this.threads.get(id)!;
    return {
      id,
      type: 11,
      guild_id: this.lastGuild,
      parent_id: t.parentId,
      name: t.name,
      owner_id: this.botId,
      thread_metadata: { archived: t.archived, locked: t.locked, auto_archive_duration: 10080, archive_timestamp: new Date().toISOString() },
    };
  }

  /** The server of the last GUILD_CREATE (threads belong to it). */
  private lastGuild?: string;

  /** A click on a button of a message in a server channel (or thread); `appPermissions` are the bot's there. */
  guildButton(guildId: string, channelId: string, customId: string, message: { id: string; flags?: number }, appPermissions = ALL_PERMISSIONS) {
    const id = snowflake();
    const token = `itoken-${id}`;
    this.dispatch('INTERACTION_CREATE', {
      id,
      application_id: this.botId,
      type: 3,
      token,
      version: 1,
      data: { custom_id: customId, component_type: 2 },
      guild_id: guildId,
      channel_id: channelId,
      channel: { id: channelId, type: this.threads.has(channelId) ? 11 : 0, guild_id: guildId },
      member: { user: this.user(undefined, 'bob'), roles: [], permissions: '0', joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 },
      message: { ...this.botMessage(message.id, { flags: message.flags ?? 0 }), channel_id: channelId },
      locale: 'en-US',
      guild_locale: 'en-US',
      app_permissions: String(appPermissions),
      entitlements: [],
      authorizing_integration_owners: { '0': guildId },
      context: 0,
    });
    return { id, token, at: performance.now() };
  }

  /** A member's message in a server channel or thread; `mention` makes it mention the bot (its text then reaches the bot). */
  guildMessage(guildId: string, channelId: string, content: string, opts: { mention?: boolean; user?: ReturnType<FakeDiscord['user']>; bot?: boolean } = {}) {
    const id = snowflake();
    const user = opts.user ?? this.user(undefined, 'carol');
    const mentions = opts.mention ? [{ id: this.botId, username: 'paperbot', discriminator: '0000', avatar: null, bot: true }] : [];
    this.dispatch(
      'MESSAGE_CREATE',
      this.userMessage(id, channelId, { ...user, ...(opts.bot ? { bot: true } : {}) }, content, {
        guild_id: guildId,
        member: { roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 },
        mentions,
      }),
    );
    return { id, at: performance.now() };
  }

  /** A message object (a MESSAGE_CREATE payload, or what a post returns), with Discord's required fields. */
  private userMessage(id: string, channelId: string, author: unknown, content: string, extra: Record<string, unknown>) {
    return {
      id,
      channel_id: channelId,
      author,
      content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: [],
      pinned: false,
      type: 0,
      flags: 0,
      ...extra,
    };
  }

  /** A reaction added (or removed) on a message, as the Guild Message Reactions intent delivers it. */
  reaction(guildId: string, channelId: string, messageId: string, emoji: string, opts: { userId?: string; remove?: boolean; bot?: boolean } = {}) {
    const userId = opts.userId ?? snowflake();
    this.dispatch(opts.remove ? 'MESSAGE_REACTION_REMOVE' : 'MESSAGE_REACTION_ADD', {
      user_id: userId,
      channel_id: channelId,
      message_id: messageId,
      guild_id: guildId,
      emoji: { id: null, name: emoji },
      burst: false,
      type: 0,
      ...(opts.remove
        ? {}
        : { member: { user: { ...this.user(userId), ...(opts.bot ? { bot: true } : {}) }, roles: [], joined_at: new Date().toISOString() } }),
    });
  }

  /** Resolves with the first REST call (already made or future) matching the predicate. */
  waitFor(pred: (c: RestCall) => boolean, timeoutMs = 15_000, after = 0): Promise<RestCall> {
    const seen = this.calls.find((c, i) => i >= after && pred(c));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i !== -1) {
          this.waiters.splice(i, 1);
          reject(new Error(`timed out waiting for a REST call; calls so far:\n${this.calls.map((c) => `${c.method} ${c.path}`).join('\n')}`));
        }
      }, timeoutMs);
    });
  }

  /**
   * A server the bot is in (GUILD_CREATE): @everyone may view, send and embed; each listed channel
   * may deny the bot's @everyone role some permissions.
   */
  guild(id: string, channels: { id: string; deny?: bigint }[]) {
    const allow = (1n << 10n) | (1n << 11n) | (1n << 14n); // VIEW_CHANNEL, SEND_MESSAGES, EMBED_LINKS
    this.lastGuild = id;
    this.dispatch('GUILD_CREATE', {
      id,
      name: 'Test server',
      icon: null,
      owner_id: '999999999999999999',
      roles: [{ id, name: '@everyone', permissions: String(allow), position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 }],
      channels: channels.map((c, i) => ({
        id: c.id,
        type: 0,
        name: `channel-${i}`,
        position: i,
        guild_id: id,
        permission_overwrites: c.deny ? [{ id, type: 0, allow: '0', deny: String(c.deny) }] : [],
      })),
      members: [
        {
          user: { id: this.botId, username: 'paperbot', discriminator: '0000', bot: true, avatar: null },
          roles: [],
          joined_at: new Date().toISOString(),
          deaf: false,
          mute: false,
          flags: 0,
        },
      ],
      member_count: 2,
      unavailable: false,
      emojis: [],
      stickers: [],
      features: [],
      threads: [],
      presences: [],
      voice_states: [],
      stage_instances: [],
      guild_scheduled_events: [],
      joined_at: new Date().toISOString(),
      large: false,
      preferred_locale: 'en-US',
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      mfa_level: 0,
      nsfw_level: 0,
      premium_tier: 0,
      system_channel_flags: 0,
    });
  }

  /** A slash command used in a server channel by a member with the given permissions. */
  guildCommand(
    guildId: string,
    channelId: string,
    name: string,
    options: unknown[],
    resolvedChannels: Record<string, unknown> = {},
    memberPermissions = String(1n << 5n),
  ) {
    const id = snowflake();
    const token = `itoken-${id}`;
    const user = this.user(undefined, 'admin');
    this.dispatch('INTERACTION_CREATE', {
      id,
      application_id: this.botId,
      type: 2,
      token,
      version: 1,
      data: { id: snowflake(), type: 1, name, options, ...(Object.keys(resolvedChannels).length ? { resolved: { channels: resolvedChannels } } : {}) },
      guild_id: guildId,
      channel_id: channelId,
      channel: { id: channelId, type: 0, guild_id: guildId },
      member: { user, roles: [], permissions: memberPermissions, joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 },
      locale: 'en-US',
      guild_locale: 'en-US',
      app_permissions: String((1n << 10n) | (1n << 11n) | (1n << 14n)),
      entitlements: [],
      authorizing_integration_owners: { '0': guildId },
      context: 0,
    });
    return { id, token, at: performance.now() };
  }

  user(id = snowflake(), name = 'alice') {
    return { id, username: name, discriminator: '0', global_name: name, avatar: null };
  }

  /** Injects an interaction (slash command, autocomplete or button) in a DM; returns its id and token. */
  /** A message the bot sent (as a button interaction carries it), with Discord's required fields. */
  botMessage(id: string, fields: Record<string, unknown>) {
    return {
      content: '',
      ...fields,
      id,
      channel_id: '900000000000000001',
      author: { id: this.botId, username: 'paperbot', discriminator: '0' },
      timestamp: new Date().toISOString(),
      type: 0,
      attachments: [],
      mentions: [],
      mention_roles: [],
      pinned: false,
      tts: false,
      edited_timestamp: null,
    };
  }

  interaction(kind: 'command' | 'autocomplete' | 'button', data: any, user = this.user(), message?: any) {
    const id = snowflake();
    const token = `itoken-${id}`;
    const channelId = '900000000000000001';
    this.dispatch('INTERACTION_CREATE', {
      id,
      application_id: this.botId,
      type: kind === 'command' ? 2 : kind === 'autocomplete' ? 4 : 3,
      token,
      version: 1,
      data: kind === 'button' ? { custom_id: data.custom_id, component_type: 2 } : { id: snowflake(), type: 1, ...data },
      channel_id: channelId,
      channel: { id: channelId, type: 1 },
      user,
      locale: 'en-US',
      app_permissions: '0',
      entitlements: [],
      authorizing_integration_owners: { '1': user.id },
      context: 1,
      ...(message ? { message } : {}),
    });
    return { id, token, at: performance.now(), user };
  }

  command(name: string, options: unknown[], user?: ReturnType<FakeDiscord['user']>) {
    return this.interaction('command', { name, options }, user);
  }

  /** Injects a DM from a user; returns the channel id replies go to. */
  directMessage(content: string, user = this.user(), bot = false) {
    const channelId = this.dmChannelOf(user.id);
    this.dispatch('MESSAGE_CREATE', this.userMessage(snowflake(), channelId, { ...user, ...(bot ? { bot: true } : {}) }, content, { channel_type: 1 }));
    return { channelId, at: performance.now() };
  }
}
