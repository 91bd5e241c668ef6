import { Command } from 'commander';
import { UserError } from './shared.js';

/** `paperbot start` (`npm start`): the bot with DISCORD_TOKEN, otherwise the terminal session. */
export function startCommand(): Command {
  return new Command('start').description('run the bot (DISCORD_TOKEN set) or an interactive terminal session over the library').action(async () => {
    const { start } = await import('../start.js');
    await start();
  });
}

/** `paperbot deploy-commands` (`npm run deploy-commands`): register the slash commands. */
export function deployCommandsCommand(): Command {
  return new Command('deploy-commands').description('register the slash commands with Discord (global, or in DISCORD_GUILD_ID)').action(async () => {
    const [{ deployCommands }, { loadConfig }, { log }] = await Promise.all([import('../bot/deploy.js'), import('../config.js'), import('../log.js')]);
    const config = loadConfig();
    if (!config.DISCORD_TOKEN) throw new UserError('DISCORD_TOKEN is not set (see .env.example)');
    console.log(`registered ${await deployCommands(config, log)} commands`);
  });
}
