#!/usr/bin/env node
// Entry point for `paperbot` / `npx paperbot` / `npm start`: runs the TypeScript sources through tsx,
// so there is no build step between a clone and a working bot.
import { existsSync } from 'node:fs';
import { register } from 'tsx/esm/api';

// .env in the working directory, as .env.example says; variables already in the environment win.
// Loaded first, so that everything (the logger included) sees it.
if (existsSync('.env')) process.loadEnvFile('.env');

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main();
