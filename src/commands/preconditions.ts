import type { BaseInteraction, Message, PermissionsBitField } from 'discord.js';
import { retryMessage } from '../discord/rate-limit.js';
import { checkQuestion } from '../question.js';
import type { BotContext } from './context.js';

/** Who is asking, and where: what a precondition looks at (an interaction and a DM both have it). */
export interface Caller {
  userId: string;
  /** null in a DM or a user-installed app outside a server. */
  guildId: string | null;
  /** The member's permissions in that channel (null outside a server). */
  permissions: Readonly<PermissionsBitField> | null;
  /** A string option's value (a DM's text stands for every option). */
  option(name: string): string | null;
  /** The subcommand used (`/paper add` → "add"), null for a command without subcommands or a DM. */
  subcommand: string | null;
}

/**
 * A check a command declares and the dispatcher applies before running it (as Sapphire's
 * preconditions do): undefined lets the command run, a string is the one-line reason shown to the
 * user instead. Checks run in the order declared; the first that refuses ends it.
 */
export interface Precondition {
  readonly name: string;
  check(caller: Caller, ctx: BotContext): string | undefined;
}

/** The per-user rate limit on work that retrieves or answers (ASK_RATE_LIMIT_PER_MINUTE, shared by /ask, /search, /similar and DMs). */
export const rateLimited: Precondition = {
  name: 'rate limit',
  check(caller, ctx) {
    const wait = ctx.questions.take(caller.userId);
    return wait > 0 ? retryMessage(wait) : undefined;
  },
};

/** A question (or query) option that is a question: not empty, not too long, no control characters. Before the rate limit, so a typo costs nothing. */
export function validQuestion(option: string): Precondition {
  return {
    name: `valid ${option}`,
    check(caller) {
      const q = checkQuestion(caller.option(option) ?? '');
      return q.ok ? undefined : q.message;
    },
  };
}

/** Only inside a server (subscriptions belong to a server's channels). */
export const guildOnly: Precondition = {
  name: 'guild only',
  check: (caller) => (caller.guildId ? undefined : 'This command works inside a server only.'),
};

/**
 * Only members with this permission (checked again here: the command's default member permissions
 * hide it from others, but a server can change who sees it, and the check must hold regardless).
 */
export function memberCan(permission: bigint, label: string): Precondition {
  return {
    name: `member can ${label}`,
    check: (caller) => (caller.permissions?.has(permission) ? undefined : `You need the ${label} permission in this server to use this command.`),
  };
}

/** Checks that apply to one subcommand only (`/paper add` needs Manage Server, `/paper show` does not). */
export function forSubcommand(subcommand: string, ...checks: Precondition[]): Precondition {
  return {
    name: `${subcommand}: ${checks.map((c) => c.name).join(', ')}`,
    check: (caller, ctx) => (caller.subcommand === subcommand ? refusalOf(checks, caller, ctx) : undefined),
  };
}

export const callerOf = (source: BaseInteraction | Message): Caller =>
  'author' in source
    ? { userId: source.author.id, guildId: source.guildId, permissions: source.member?.permissions ?? null, option: () => source.content, subcommand: null }
    : {
        userId: source.user.id,
        guildId: source.guildId,
        permissions: source.memberPermissions,
        option: (name) => (source.isChatInputCommand() ? source.options.getString(name) : null),
        subcommand: source.isChatInputCommand() ? source.options.getSubcommand(false) : null,
      };

/** The first refusal of the declared checks, or undefined when all pass. */
export function refusalOf(preconditions: readonly Precondition[] | undefined, caller: Caller, ctx: BotContext): string | undefined {
  for (const p of preconditions ?? []) {
    const reason = p.check(caller, ctx);
    if (reason) return reason;
  }
  return undefined;
}
