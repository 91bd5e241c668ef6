#!/usr/bin/env node
// Entry point for `paperbot` / `npx paperbot` / `npm start`: runs the TypeScript sources through tsx,
// so there is no build step between a clone and a working bot.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main();
