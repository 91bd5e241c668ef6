import { REST, Routes } from 'discord.js';
import { commands } from '../commands/index.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';

/** A bot token's first part is the bot user's id (base64), which is the application id. */
export function appIdFromToken(token: string): string | undefined {
  const id = Buffer.from(token.split('.')[0] ?? '', 'base64').toString('utf8');
  return /^\d{15,25}$/.test(id) ? id : undefined;
}

/** Registers the slash commands (global, or in DISCORD_GUILD_ID) from the same definitions the bot uses. */
export async function deployCommands(config: Config, log: Logger, appId?: string): Promise<number> {
  if (!config.DISCORD_TOKEN) throw new Error('DISCORD_TOKEN is not set');
  const id = appId ?? config.DISCORD_APP_ID ?? appIdFromToken(config.DISCORD_TOKEN);
  if (!id) throw new Error('cannot tell the application id: set DISCORD_APP_ID');
  const rest = new REST({ api: config.DISCORD_API_BASE }).setToken(config.DISCORD_TOKEN);
  const body = commands.map((c) => c.data.toJSON());
  const route = config.DISCORD_GUILD_ID ? Routes.applicationGuildCommands(id, config.DISCORD_GUILD_ID) : Routes.applicationCommands(id);
  await rest.put(route, { body });
  log.info({ commands: body.map((c) => c.name), scope: config.DISCORD_GUILD_ID ? `guild ${config.DISCORD_GUILD_ID}` : 'global' }, 'registered slash commands');
  return body.length;
}
