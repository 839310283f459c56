// Browser test: headless Debian chromium, driven by playwright-core, logs into
// the demo hospital and walks census -> unit -> chart -> print view, keeping
// screenshots in e2e/out/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startDemo } from './demo.mjs';

const out = join(import.meta.dirname, 'out');
mkdirSync(out, { recursive: true });

let server, browser, creds, dataDir;

before(async () => {
  ({ server, dataDir, creds } = await startDemo({ seed: 7, showLog: true }));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGINT');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function login(page) {
  await page.goto(creds.URL);
  assert.match(page.url(), /\/login/, 'an anonymous visit lands on the login page');
  await page.fill('input[name=username]', creds.User);
  await page.fill('input[name=password]', creds.Password);
  await Promise.all([page.waitForLoadState('load'), page.click('form [type=submit]')]);
  assert.doesNotMatch(page.url(), /\/login/, 'login succeeds');
}

test('a wrong password is refused with a message', async () => {
  const page = await browser.newPage();
  await page.goto(creds.URL + 'login');
  await page.fill('input[name=username]', creds.User);
  await page.fill('input[name=password]', 'not-the-password');
  await page.click('form [type=submit]');
  await page.waitForLoadState('load');
  assert.match(page.url(), /\/login/);
  assert.match(await page.textContent('body'), /invalid|incorrect|not valid/i);
  await page.close();
});

test('census, unit, chart and print view', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await login(page);

  await page.goto(creds.URL);
  const units = await page.$$eval('a[href^="/units/"]', (as) => as.map((a) => a.getAttribute('href')));
  assert.ok(units.length >= 6, `census lists at least 6 units, got ${units.length}`);
  assert.match(await page.textContent('body'), /data as of/i, 'census says how fresh its data is');
  await page.screenshot({ path: join(out, '1-census.png'), fullPage: true });

  await page.goto(creds.URL.replace(/\/$/, '') + units[0]);
  const patients = await page.$$eval('a[href^="/patients/"]', (as) => [...new Set(as.map((a) => a.getAttribute('href')))]);
  assert.ok(patients.length >= 5, `the unit lists its patients, got ${patients.length}`);
  await page.screenshot({ path: join(out, '2-unit.png'), fullPage: true });

  await page.goto(creds.URL.replace(/\/$/, '') + patients[0]);
  const chart = await page.textContent('body');
  for (const want of [/MRN/, /allerg/i, /MAR|administration/i, /vital/i, /lab/i, /data as of/i]) {
    assert.match(chart, want, `chart shows ${want}`);
  }
  await page.screenshot({ path: join(out, '3-chart.png'), fullPage: true });

  await page.emulateMedia({ media: 'print' });
  await page.screenshot({ path: join(out, '4-chart-print-media.png'), fullPage: true });
  await page.emulateMedia({ media: 'screen' });

  await Promise.all([page.waitForLoadState('load'), page.click(`a[href="${patients[0]}/print"]`)]);
  assert.match(page.url(), /\/print$/, 'the chart links its print view');
  const printed = await page.textContent('body');
  assert.match(printed, /MRN/, 'the print view identifies the patient');
  assert.match(printed, /data as of/i, 'the print view says how fresh its data is');
  await page.screenshot({ path: join(out, '5-print-view.png'), fullPage: true });
  await page.pdf({ path: join(out, '5-print-view.pdf'), format: 'Letter' });

  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  await login(phone);
  await phone.goto(creds.URL.replace(/\/$/, '') + patients[0]);
  await phone.screenshot({ path: join(out, '6-chart-phone.png'), fullPage: true });
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the chart fits a phone without horizontal page scroll (overflow ${overflow}px)`);
  await phone.close();
  await page.close();
});

test('search finds a patient by name', async () => {
  const page = await browser.newPage();
  await login(page);
  await page.goto(creds.URL);
  const unit = await page.$eval('a[href^="/units/"]', (a) => a.getAttribute('href'));
  await page.goto(creds.URL.replace(/\/$/, '') + unit);
  const name = (await page.$eval('a[href^="/patients/"]', (a) => a.textContent)).trim();
  const family = name.split(/[ ,]+/)[0];
  await page.goto(creds.URL + 'search?q=' + encodeURIComponent(family.toLowerCase()));
  assert.ok((await page.$$('a[href^="/patients/"]')).length >= 1, 'search returns the patient');
  await page.screenshot({ path: join(out, '7-search.png'), fullPage: true });
  await page.close();
});
