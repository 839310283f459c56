// HL7 v2 interoperability: every message of the corpus, sent to a running
// `lifeboat serve --mllp` by two independent senders (npm simple-hl7 and
// Debian python3-hl7's mllp_send), gets an acknowledgement.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { bin, freePort } from './demo.mjs';

const require = createRequire(import.meta.url);
const hl7 = require('simple-hl7');
const run = promisify(execFile);
const corpus = process.env.LIFEBOAT_CORPUS;

let server, dir, mllpPort;

// corpusFiles lists the corpus messages, one per file.
function corpusFiles() {
  const root = join(corpus, 'hl7v2');
  return readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(root, d.name)).filter((f) => f.endsWith('.hl7')).map((f) => join(root, d.name, f)));
}

// msaOf returns MSA-1 of an acknowledgement, whatever its field separator
// (simple-hl7 re-serialises what it receives with "|" as the separator even
// when the message used another one, so the MSA segment's own separator is
// taken from the character after "MSA").
function msaOf(ack) {
  const m = /(?:^|[\r\n])MSA(.)([A-Z]{2})/.exec(ack);
  return m ? m[2] : undefined;
}

before(async () => {
  assert.ok(corpus, 'LIFEBOAT_CORPUS must point at the test corpus');
  dir = mkdtempSync(join(tmpdir(), 'lifeboat-hl7-'));
  writeFileSync(join(dir, 'db.key'), execFileSync(bin, ['keygen']));
  mllpPort = await freePort();
  const httpPort = await freePort();
  server = spawn(bin, ['serve', '--data', join(dir, 'data'), '--key-file', join(dir, 'db.key'),
    '--addr', `127.0.0.1:${httpPort}`, '--mllp', `127.0.0.1:${mllpPort}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('serve did not start in 30 s')), 30000);
    server.stderr.on('data', (chunk) => { if (String(chunk).includes('receiving HL7 v2')) { clearTimeout(timer); resolve(); } });
    server.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
});

after(() => {
  server?.kill('SIGINT');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('simple-hl7 sends every corpus message and gets an acknowledgement', async () => {
  const files = corpusFiles();
  assert.ok(files.length >= 200, `corpus has ${files.length} messages`);
  const codes = {};
  for (const f of files) {
    const msg = readFileSync(f, 'latin1');
    const ack = await new Promise((resolve, reject) => {
      const client = hl7.Server.createTcpClient({ host: '127.0.0.1', port: mllpPort });
      client.send(msg, (err, reply) => { client.close(); err ? reject(err) : resolve(String(reply)); });
    });
    const code = msaOf(ack);
    assert.ok(['AA', 'AE', 'AR', 'CA', 'CE', 'CR'].includes(code), `${f}: acknowledgement ${JSON.stringify(ack)}`);
    codes[code] = (codes[code] || 0) + 1;
  }
  console.log('simple-hl7 acknowledgements:', codes);
});

test('mllp_send sends every corpus message and gets an acknowledgement', async () => {
  const files = corpusFiles();
  const codes = {};
  for (let i = 0; i < files.length; i += 4) {
    await Promise.all(files.slice(i, i + 4).map(async (f) => {
      const { stdout } = await run('mllp_send', ['--loose', '--port', String(mllpPort), '--file', f, '127.0.0.1']);
      const code = msaOf(stdout.trim());
      assert.ok(['AA', 'AE', 'AR', 'CA', 'CE', 'CR'].includes(code), `${f}: acknowledgement ${JSON.stringify(stdout)}`);
      codes[code] = (codes[code] || 0) + 1;
    }));
  }
  console.log('mllp_send acknowledgements:', codes);
});
