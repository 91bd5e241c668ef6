import { ChannelType, DiscordAPIError, RESTJSONErrorCodes, Routes, ThreadAutoArchiveDuration, type REST } from 'discord.js';
import { LIMITS, fit } from '../discord/limits.js';

/** What Discord says about a thread: open, archived (reopens when asked), locked (moderators only), or deleted. */
export type ThreadState = 'open' | 'archived' | 'locked' | 'gone';

/** Why a thread could not be opened or posted in, said to the user in one line. */
export class ThreadRefused extends Error {}

const codeOf = (err: unknown) => (err instanceof DiscordAPIError && typeof err.code === 'number' ? err.code : undefined);

/** Discord's refusals that a user should read (permissions, limits, locks) as ThreadRefused; anything else as it was. */
function refusal(err: unknown): unknown {
  switch (codeOf(err)) {
    case RESTJSONErrorCodes.MissingPermissions:
    case RESTJSONErrorCodes.MissingAccess:
      return new ThreadRefused('I lack a permission there: give me Create Public Threads and Send Messages in Threads in this channel.');
    case RESTJSONErrorCodes.MaximumActiveThreads:
      return new ThreadRefused('This server has reached Discord’s limit of active threads; archive some and try again.');
    case RESTJSONErrorCodes.ThreadLocked:
      return new ThreadRefused('That thread is locked: only a moderator can unlock it.');
    case RESTJSONErrorCodes.InvalidActionOnArchivedThread:
      return new ThreadRefused('That thread is archived and I could not reopen it.');
    default:
      return err;
  }
}

export async function threadState(rest: REST, threadId: string): Promise<ThreadState> {
  try {
    const ch = (await rest.get(Routes.channel(threadId))) as { thread_metadata?: { archived?: boolean; locked?: boolean } };
    if (ch.thread_metadata?.locked) return 'locked';
    return ch.thread_metadata?.archived ? 'archived' : 'open';
  } catch (err) {
    if (codeOf(err) === RESTJSONErrorCodes.UnknownChannel) return 'gone';
    throw refusal(err);
  }
}

/** Unarchives a thread (Discord refuses a locked one). */
export async function reopenThread(rest: REST, threadId: string): Promise<void> {
  await rest.patch(Routes.channel(threadId), { body: { archived: false } }).catch((err: unknown) => {
    throw refusal(err);
  });
}

/**
 * Opens a public thread named `name`: on the message when it can take one (a paper card, a paper of
 * the daily post), else in the channel (the message has a thread already, or is gone). Its id.
 */
export async function openThread(rest: REST, channelId: string, name: string, messageId?: string): Promise<string> {
  const body = { name: fit(name, LIMITS.threadName), auto_archive_duration: ThreadAutoArchiveDuration.OneWeek };
  try {
    if (messageId) {
      try {
        return ((await rest.post(Routes.threads(channelId, messageId), { body })) as { id: string }).id;
      } catch (err) {
        const code = codeOf(err);
        if (code !== RESTJSONErrorCodes.ThreadAlreadyCreatedForMessage && code !== RESTJSONErrorCodes.UnknownMessage) throw err;
      }
    }
    return ((await rest.post(Routes.threads(channelId), { body: { ...body, type: ChannelType.PublicThread } })) as { id: string }).id;
  } catch (err) {
    const known = refusal(err);
    // Any other refusal (a thread inside a thread, a forum channel): said as Discord says it.
    if (known === err && err instanceof DiscordAPIError) throw new ThreadRefused(`Discord would not open a thread here: ${err.message}.`);
    throw known;
  }
}

/** Posts a message in a thread (or any channel), mentioning no one; its id. */
export async function postIn(rest: REST, channelId: string, body: Record<string, unknown>): Promise<string> {
  try {
    return ((await rest.post(Routes.channelMessages(channelId), { body: { ...body, allowed_mentions: { parse: [] } } })) as { id: string }).id;
  } catch (err) {
    throw refusal(err);
  }
}
