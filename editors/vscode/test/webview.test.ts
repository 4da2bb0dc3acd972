/** The Model Manager page in headless Chromium (playwright-core), fed fixture messages. */
import './stubs/register';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FromPage, ToPage } from '../src/managerMessages';
import { renderPage } from '../src/modelManager';
import { findChromium, chromiumArgs } from './chromium';
import { listModelsFixture } from './fakeServer';

const root = path.resolve(__dirname, '..', '..');
const executablePath = findChromium();
const skip = executablePath ? false : 'no Chromium found (set CHROMIUM, or install the chromium package)';
let server: http.Server;
let base = '';
let browser: Browser;

const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

before(async () => {
  if (skip) return;
  const template = fs.readFileSync(path.join(root, 'media', 'modelManager.html'), 'utf8');
  server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/') {
      response.setHeader('content-type', 'text/html');
      response.end(
        renderPage(template, {
          cspSource: base,
          nonce: 'test-nonce',
          styleUri: `${base}/media/modelManager.css`,
          scriptUri: `${base}/out/bundle/modelManager.js`,
        }),
      );
      return;
    }
    const file = path.join(root, path.normalize(url.pathname));
    if (!file.startsWith(root) || !fs.existsSync(file)) {
      response.statusCode = 404;
      response.end();
      return;
    }
    response.setHeader('content-type', types[path.extname(file)] ?? 'application/octet-stream');
    response.end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath, args: chromiumArgs });
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function open(): Promise<Page> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  await page.addInitScript(() => {
    const sent: unknown[] = [];
    Object.assign(window, { __sent: sent, acquireVsCodeApi: () => ({ postMessage: (m: unknown) => sent.push(m) }) });
  });
  await page.goto(base);
  await page.waitForFunction(() => (window as unknown as { __sent: unknown[] }).__sent.length > 0);
  assert.deepEqual(problems, [], 'no script or CSP errors');
  return page;
}

const sent = (page: Page): Promise<FromPage[]> => page.evaluate(() => (window as unknown as { __sent: FromPage[] }).__sent);
/** Post a message to the page and resolve once its handler has run (listeners run in order). */
const deliver = (page: Page, message: ToPage): Promise<void> =>
  page.evaluate(
    (m) =>
      new Promise<void>((resolve) => {
        window.addEventListener('message', () => resolve(), { once: true });
        window.postMessage(m, '*');
      }),
    message,
  );

test('lists installed models and the catalog with sizes and capabilities', { skip }, async () => {
  const page = await open();
  assert.deepEqual(await sent(page), [{ type: 'ready' }]);
  await deliver(page, { type: 'models', data: listModelsFixture });
  const installed = await page.locator('#installed tbody tr').allInnerTexts();
  assert.equal(installed.length, 2);
  assert.match(installed[0], /qwen2\.5-coder:1\.5b-base\s+986\.0 MB\s+1\.5B\s+Q4_K_M\s+FIM\s*loaded\s*completion/);
  assert.match(installed[1], /llama3\.2:3b\s+2\.0 GB.*no FIM\s*chat/);
  const catalog = await page.locator('#catalog tbody tr').allInnerTexts();
  assert.equal(catalog.length, 2, 'pulled catalog models are not offered again');
  assert.match(catalog[1], /codellama:70b-code\s+39\.0 GB.*may not fit/);
  await page.close();
});

test('pull shows a progress bar fed by progress messages, with cancel', { skip }, async () => {
  const page = await open();
  await deliver(page, { type: 'models', data: listModelsFixture });
  await page.click('#catalog button[data-action="pull"][data-model="starcoder2:3b"]');
  assert.deepEqual((await sent(page)).at(-1), { type: 'pull', model: 'starcoder2:3b' });
  await deliver(page, { type: 'progress', model: 'starcoder2:3b', percentage: 42, message: 'downloading', done: false });
  const bar = page.locator('#catalog tr[data-model="starcoder2:3b"] progress');
  assert.equal(await bar.getAttribute('value'), '42');
  assert.equal(await page.locator('#catalog tr[data-model="starcoder2:3b"] .progress-text').innerText(), '42% · downloading');
  await page.click('#catalog button[data-action="cancel"][data-model="starcoder2:3b"]');
  assert.deepEqual((await sent(page)).at(-1), { type: 'cancelPull', model: 'starcoder2:3b' });
  await deliver(page, { type: 'progress', model: 'starcoder2:3b', done: true });
  assert.equal(await bar.count(), 0);
  assert.equal(await page.locator('#catalog button[data-action="pull"][data-model="starcoder2:3b"]').count(), 1);
  await page.close();
});

test('switch and delete buttons post the model and role', { skip }, async () => {
  const page = await open();
  await deliver(page, { type: 'models', data: listModelsFixture });
  await page.click('button[data-action="switch-chat"][data-model="qwen2.5-coder:1.5b-base"]');
  await page.click('button[data-action="switch-completion"][data-model="llama3.2:3b"]');
  await page.click('button[data-action="delete"][data-model="llama3.2:3b"]');
  assert.deepEqual((await sent(page)).slice(1), [
    { type: 'switch', model: 'qwen2.5-coder:1.5b-base', role: 'chat' },
    { type: 'switch', model: 'llama3.2:3b', role: 'completion' },
    { type: 'delete', model: 'llama3.2:3b' },
  ]);
  await page.close();
});

test('two ticked models compare side by side, differences marked', { skip }, async () => {
  const page = await open();
  await deliver(page, { type: 'models', data: listModelsFixture });
  const compare = page.locator('#compare');
  assert.equal(await compare.isDisabled(), true);
  await page.check('input.compare-pick[data-model="qwen2.5-coder:1.5b-base"]');
  await page.check('input.compare-pick[data-model="llama3.2:3b"]');
  assert.equal(await compare.innerText(), 'Compare qwen2.5-coder:1.5b-base and llama3.2:3b');
  await compare.click();
  assert.deepEqual((await sent(page)).at(-1), { type: 'compare', models: ['qwen2.5-coder:1.5b-base', 'llama3.2:3b'] });
  await deliver(page, {
    type: 'comparison',
    models: [
      { name: 'qwen2.5-coder:1.5b-base', details: { family: 'qwen2', parameterSize: '1.5B', quantizationLevel: 'Q4_K_M' }, contextLength: 32768, supportsFim: true, capabilities: ['completion', 'insert'] },
      { name: 'llama3.2:3b', details: { family: 'llama', parameterSize: '3.2B', quantizationLevel: 'Q4_K_M' }, contextLength: 32768, supportsFim: false, capabilities: ['completion', 'tools'] },
    ],
  });
  const rows = await page.locator('#comparison tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [tr.querySelector('th')?.textContent, tr.classList.contains('differs'), [...tr.querySelectorAll('td')].map((td) => td.textContent)]),
  );
  assert.deepEqual(rows, [
    ['Family', true, ['qwen2', 'llama']],
    ['Parameters', true, ['1.5B', '3.2B']],
    ['Quantization', false, ['Q4_K_M', 'Q4_K_M']],
    ['Size on disk', true, ['986.0 MB', '2.0 GB']],
    ['Context length', false, ['32,768', '32,768']],
    ['Fill-in-the-middle', true, ['yes', 'no']],
    ['Capabilities', true, ['completion, insert', 'completion, tools']],
  ]);
  await page.close();
});

test('errors show in an alert and model names stay text', { skip }, async () => {
  const page = await open();
  const hostile = '<img src=x onerror="window.__pwned=1">';
  await deliver(page, { type: 'models', data: { models: [{ name: hostile, size: 1 }], catalog: [] } });
  assert.equal(await page.locator('#installed td.name').innerText(), hostile);
  assert.equal(await page.locator('#installed img').count(), 0);
  assert.equal(await page.locator('#catalog-empty').isVisible(), true);
  await deliver(page, { type: 'error', message: 'Ollama is not reachable' });
  assert.equal(await page.locator('[role="alert"]').innerText(), 'Ollama is not reachable');
  await page.close();
});
