import { LRUCache } from 'lru-cache';
import { terms } from '../retrieval/text.js';
import type { Citation } from './types.js';
import type { Db } from '../db/db.js';
import { SharedState } from '../db/state.js';

export interface Turn {
  question: string;
  resolved: string;
  citations: Citation[];
  /** Abstract sentences this turn's answer quoted (not quoted again in the conversation unless asked). */
  quoted?: string[];
  at: number;
}

/** A follow-up that asks to hear the same thing again. */
export const ASKS_AGAIN = /\b(again|repeat|once more|same answer|say that)\b/i;

/** A follow-up that asks for more of the same: nothing quoted before is quoted again, not even the best sentence. */
export const ASKS_MORE = /\b(more|else|other|another|further|additional|elaborate|go on|continue)\b/i;

export interface ConversationLimits {
  /** Turns kept per conversation. */
  maxTurns: number;
  /** A conversation idle longer than this starts over. */
  maxAgeMs: number;
  /** Conversations kept at once (least recently used dropped first). */
  maxConversations: number;
}

export const DEFAULT_LIMITS: ConversationLimits = { maxTurns: 6, maxAgeMs: 30 * 60_000, maxConversations: 5000 };

/** Where conversations are kept: in this process, or in the shared database (every shard sees them). */
export interface Conversations {
  turns(id: string): Turn[] | Promise<Turn[]>;
  add(id: string, turn: Omit<Turn, 'at'>): void | Promise<void>;
  reset(id: string): void | Promise<void>;
}

/** Recent turns per conversation id (a DM channel, a CLI session), bounded in turns, age and count. */
export class ConversationStore implements Conversations {
  private readonly byId: LRUCache<string, Turn[]>;

  constructor(
    private readonly limits: ConversationLimits = DEFAULT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    // Idle conversations expire (the clock restarts at each turn); the least recently used go first.
    this.byId = new LRUCache({ max: limits.maxConversations, ttl: limits.maxAgeMs, ttlResolution: 0, perf: { now } });
  }

  turns(id: string): Turn[] {
    return this.byId.get(id) ?? [];
  }

  add(id: string, turn: Omit<Turn, 'at'>): void {
    this.byId.set(id, [...this.turns(id), { ...turn, at: this.now() }].slice(-this.limits.maxTurns));
  }

  reset(id: string): void {
    this.byId.delete(id);
  }

  get size(): number {
    this.byId.purgeStale();
    return this.byId.size;
  }
}

/**
 * Conversations in the shared database: a restart, or another shard, continues them. Same limits
 * (turns kept; idle conversations expire, the clock restarting at each turn).
 */
export class SharedConversations implements Conversations {
  private readonly state: SharedState<Turn[]>;

  constructor(
    db: Db,
    private readonly limits: ConversationLimits = DEFAULT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.state = new SharedState<Turn[]>(db, 'conversation', limits.maxAgeMs, now);
  }

  async turns(id: string): Promise<Turn[]> {
    return (await this.state.get(id)) ?? [];
  }

  async add(id: string, turn: Omit<Turn, 'at'>): Promise<void> {
    await this.state.set(id, [...(await this.turns(id)), { ...turn, at: this.now() }].slice(-this.limits.maxTurns));
  }

  async reset(id: string): Promise<void> {
    await this.state.delete(id);
  }
}

const ORDINALS: Record<string, number> = { first: 1, '1st': 1, second: 2, '2nd': 2, third: 3, '3rd': 3, fourth: 4, '4th': 4, fifth: 5, '5th': 5 };
const ORDINAL_REF = /\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)\b(?:\s+(?:one|paper|work|source|result|citation))?/i;
const NUMBER_REF = /(?:\[(\d)\]|\b(?:paper|source|number|no\.?)\s*#?(\d)\b)/i;
/** Words that point back at the last answer's paper: "it", "their", "that method" (not "that" as a conjunction, nor "is there"). */
const DEICTIC =
  /\b(?:it|its|they|their|them|(?:these|those) \w+|(?:this|that|the) (?:paper|method|model|approach|dataset|data set|benchmark|authors|work|study|one|ones|network|architecture|technique|framework|system)s?)\b|\bthere\s*\?\s*$/i;
/** An ellipsis that continues the last question: "and with CutMix?", "what about CIFAR-10?". */
const ELLIPSIS = /^\s*(?:and|what about|how about|also|same for|and for|and on|and with)\b/i;
/** A question about the previous answer's papers as a group: "which of them …", "do any of these …". */
const AMONG =
  /\b(?:which|what|who|any|all|each|either|both|none|one|how many)\s+(?:one\s+)?of\s+(?:them|these|those|the(?:se|m)?\s+(?:papers|works|sources|ones))\b|\b(?:do|does|did|are|were)\s+(?:they|these|those)\b/i;

/** A follow-up with the paper it points at named: "does it need training?" → "does CaSED need training?" (the first reference only). */
export function withReferent(question: string, name: string): string {
  const m = /\b(?:it|they|them|(?:this|that|the) (?:paper|method|model|approach|work|system))\b|\b(?:its|their)\b/i.exec(question);
  if (!m) return question;
  const word = m[0].toLowerCase();
  const replacement = word === 'its' || word === 'their' ? `${name}'s` : name;
  return question.slice(0, m.index) + replacement + question.slice(m.index + m[0].length);
}

/** A resolved follow-up without the `(about "Title")` that points retrieval at a paper: the user's question. */
export const withoutTarget = (resolved: string) => resolved.replace(/\s*\(about ".*"\)$/, '');

export interface Resolved {
  question: string;
  /** Papers the follow-up points at (to put first, and not to refuse). */
  focus: string[];
  /** The follow-up asks which of several earlier papers fits: rank `focus` by the question, keep the ones that match. */
  among?: boolean;
}

/**
 * Makes a follow-up self-contained for retrieval: "and the second one?" points at the second
 * source of the last answer; "what dataset did it use?" and "and with CutMix?" at its first source;
 * "which of them reports 63.2%?" at all of them, to be ranked by the question. A question that
 * neither points back nor continues the last one is left alone.
 */
export function resolveFollowUp(question: string, turns: Turn[]): Resolved {
  const last = turns[turns.length - 1];
  if (!last || last.citations.length === 0) return { question, focus: [] };
  if (AMONG.test(question) && last.citations.length > 1) {
    return { question, focus: last.citations.map((c) => c.id), among: true };
  }
  const ord = ORDINAL_REF.exec(question);
  const num = NUMBER_REF.exec(question);
  let target: Citation | undefined;
  if (num) target = last.citations.find((c) => c.n === Number(num[1] ?? num[2]));
  else if (ord) {
    const word = ord[1]!.toLowerCase();
    target = word === 'last' ? last.citations[last.citations.length - 1] : last.citations[(ORDINALS[word] ?? 1) - 1];
  } else if (DEICTIC.test(question) || ELLIPSIS.test(question)) {
    // However many words of its own: "how many people took part in their Turing test?" is about
    // the last answer's paper. The chain drops the focus when the question names another paper.
    target = last.citations[0];
  }
  if (!target) return { question, focus: [] };
  // Ordinal-only follow-ups ("and the second one?") carry no question of their own: reuse the last one.
  const own = terms(question.replace(ORDINAL_REF, '').replace(NUMBER_REF, ''));
  const base = own.length === 0 ? withoutTarget(last.resolved) : question;
  return { question: `${base} (about "${target.title}")`, focus: [target.id] };
}
