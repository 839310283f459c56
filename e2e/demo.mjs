// Starting `lifeboat demo` for the end-to-end tests.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const bin = process.env.LIFEBOAT_BIN || 'lifeboat';

// freePort resolves with a TCP port free on loopback.
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

// startDemo runs `lifeboat demo` with a hospital of the given seed in a new
// data directory, and resolves with the server process, its data directory
// and the URL, user and password it prints. With showLog its log goes to
// this process's standard error.
export async function startDemo({ seed, prefix = 'lifeboat-e2e-', showLog = false }) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const server = spawn(bin, ['demo', '--addr', `127.0.0.1:${port}`, '--data', dataDir, '--seed', String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const creds = await new Promise((resolve, reject) => {
    const got = {};
    let buf = '';
    const timer = setTimeout(() => reject(new Error('demo did not print its URL in 30 s')), 30000);
    server.stdout.on('data', (chunk) => {
      buf += chunk;
      for (const m of buf.matchAll(/^(URL|User|Password): (\S+)$/gm)) got[m[1]] = m[2];
      if (got.URL && got.User && got.Password) { clearTimeout(timer); resolve(got); }
    });
    if (showLog) server.stderr.on('data', (chunk) => process.stderr.write(chunk));
    else server.stderr.resume();
    server.on('exit', (code) => reject(new Error(`demo exited with ${code}`)));
  });
  return { server, dataDir, creds };
}
