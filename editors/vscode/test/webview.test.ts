/** The Model Manager page in headless Chromium (playwright-core), fed fixture messages. */
import './stubs/register';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { FromPage, ToPage } from '../src/managerMessages';
import type { ListModelsResult } from '../src/protocol';
import { Pages, deliver as post, sent as sentBy, skip } from './pages';

const pages = new Pages();
before(async () => {
  if (!skip) await pages.start();
});
after(() => pages.stop());

const open = (viewport?: { width: number; height: number }) => pages.open('modelManager', viewport);
const sent = (page: Page) => sentBy<FromPage>(page);
const deliver = (page: Page, message: ToPage) => post(page, message);

/** As the server sends it: the catalog lists each level as a tag, pulled ones left out. */
const data: ListModelsResult = {
  models: [
    { name: 'qwen2.5-coder:1.5b-base', size: 986_061_892, family: 'qwen2', parameterSize: '1.5B', quantization: 'Q4_K_M', supportsFim: true, capabilities: ['completion', 'insert'], loaded: true, roles: ['completion'] },
    { name: 'llama3.2:3b', size: 2_019_393_189, family: 'llama', parameterSize: '3.2B', quantization: 'Q4_K_M', supportsFim: false, capabilities: ['completion', 'tools'], loaded: false, roles: ['chat'] },
    { name: 'codellama:7b-code', size: 3_825_910_662, family: 'llama', parameterSize: '7B', quantization: 'Q4_0', supportsFim: true, capabilities: ['completion', 'insert'], loaded: false, roles: [] },
    { name: 'nomic-embed-text:latest', size: 274_302_450, family: 'nomic-bert', parameterSize: '137M', quantization: 'F16', supportsFim: false, capabilities: ['embedding'], loaded: false, roles: [] },
  ],
  catalog: [
    { name: 'qwen2.5-coder:3b-base-q4_K_M', family: 'qwen2.5-coder', parameterSize: '3B', quantization: 'Q4_K_M', sizeBytes: 1_870_000_000, supportsFim: true, recommended: true, fits: true },
    { name: 'qwen2.5-coder:3b-base-q6_K', family: 'qwen2.5-coder', parameterSize: '3B', quantization: 'Q6_K', sizeBytes: 2_530_000_000, supportsFim: true, fits: true },
    { name: 'qwen2.5-coder:3b-base-q8_0', family: 'qwen2.5-coder', parameterSize: '3B', quantization: 'Q8_0', sizeBytes: 3_280_000_000, supportsFim: true, fits: true },
    { name: 'starcoder2:3b-q4_K_M', family: 'starcoder2', parameterSize: '3B', quantization: 'Q4_K_M', sizeBytes: 1_840_000_000, supportsFim: true, fits: true },
    { name: 'starcoder2:3b-q8_0', family: 'starcoder2', parameterSize: '3B', quantization: 'Q8_0', sizeBytes: 3_220_000_000, supportsFim: true, fits: true },
    { name: 'codellama:70b-code-q4_0', family: 'codellama', parameterSize: '70B', quantization: 'Q4_0', sizeBytes: 39_000_000_000, supportsFim: true, fits: false },
    { name: 'qwen2.5-coder:7b-instruct-q4_K_M', family: 'qwen2.5-coder', parameterSize: '7B', quantization: 'Q4_K_M', sizeBytes: 4_680_000_000, supportsFim: false, recommended: true, fits: true },
  ],
  recommended: [
    { role: 'completion', model: 'qwen2.5-coder:3b-base-q4_K_M', level: 'Q4_K_M', pulled: false, reason: 'completion: qwen2.5-coder:3b-base-q4_K_M needs about 2.2 GiB and runs on the CPU at an estimated 21 tokens/s; a 1.7 GiB pull.' },
    { role: 'chat', model: 'qwen2.5-coder:7b-instruct-q4_K_M', level: 'Q4_K_M', pulled: false, reason: 'chat: qwen2.5-coder:7b-instruct-q4_K_M runs at 9 tokens/s.' },
  ],
};

const rowTexts = (page: Page, table: string) =>
  page.locator(`#${table} tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())));

test('installed models show details, capabilities and one action per role they can take', { skip }, async () => {
  const page = await open();
  assert.deepEqual(await sent(page), [{ type: 'ready' }]);
  await deliver(page, { type: 'models', data });
  const rows = await rowTexts(page, 'installed');
  assert.deepEqual(rows.map((r) => r.slice(1)), [
    ['qwen2.5-coder:1.5b-base', '986.1 MB · 1.5B · Q4_K_M', 'FIMloaded', '✓ completionChat⋯'],
    ['llama3.2:3b', '2.0 GB · 3.2B · Q4_K_M', 'no FIM', '✓ chat⋯'], // no FIM: not offered for completion
    ['codellama:7b-code', '3.8 GB · 7B · Q4_0', 'FIM', 'CompletionChat⋯'],
    ['nomic-embed-text:latest', '274.3 MB · 137M · F16', 'embedding', '⋯'], // neither role
  ]);
  await page.click('button[data-action="switch-chat"][data-model="qwen2.5-coder:1.5b-base"]');
  await page.click('button[data-action="switch-completion"][data-model="codellama:7b-code"]');
  assert.deepEqual((await sent(page)).slice(1), [
    { type: 'switch', model: 'qwen2.5-coder:1.5b-base', role: 'chat' },
    { type: 'switch', model: 'codellama:7b-code', role: 'completion' },
  ]);
  await page.close();
});

test('Delete is in the row\'s overflow menu, styled as destructive', { skip }, async () => {
  const page = await open();
  await deliver(page, { type: 'models', data });
  assert.equal(await page.locator('#installed button', { hasText: /^Delete/ }).count(), 0, 'not a button in the row');
  await page.click('button[data-action="more"][data-model="llama3.2:3b"]');
  const remove = page.locator('#menu button[data-action="delete"]');
  assert.equal(await remove.innerText(), 'Delete llama3.2:3b…');
  assert.equal(await remove.getAttribute('class'), 'destructive');
  await remove.click();
  assert.deepEqual((await sent(page)).at(-1), { type: 'delete', model: 'llama3.2:3b' });
  assert.equal(await page.locator('#menu').isVisible(), false);
  await page.close();
});

test('the catalog shows one row per model with a level selector, and a filter', { skip }, async () => {
  const page = await open();
  await deliver(page, { type: 'models', data });
  const rows = await rowTexts(page, 'catalog');
  assert.deepEqual(rows.map((r) => r[0]), ['qwen2.5-coder:3b-base', 'starcoder2:3b', 'codellama:70b-code', 'qwen2.5-coder:7b-instruct']);
  const levels = await page.locator('select[data-model="qwen2.5-coder:3b-base"] option').allInnerTexts();
  assert.deepEqual(levels, ['Q4_K_M · 1.9 GB', 'Q6_K · 2.5 GB', 'Q8_0 · 3.3 GB']);
  assert.match(rows[0][3], /★ pick/);
  assert.match(rows[2][3], /may not fit/);
  await page.selectOption('select[data-model="starcoder2:3b"]', 'starcoder2:3b-q8_0');
  await page.click('#catalog tr[data-model="starcoder2:3b"] button[data-action="pull"]');
  assert.deepEqual((await sent(page)).at(-1), { type: 'pull', model: 'starcoder2:3b-q8_0' });
  await page.fill('#filter', 'instruct');
  assert.deepEqual((await rowTexts(page, 'catalog')).map((r) => r[0]), ['qwen2.5-coder:7b-instruct']);
  await page.fill('#filter', 'nothing like it');
  assert.equal(await page.locator('#catalog-empty').innerText(), 'No model matches the filter.');
  await page.close();
});

test('the recommendation for this machine is at the top, with Pull and use', { skip }, async () => {
  const page = await open();
  await deliver(page, { type: 'models', data });
  const cards = await page.locator('#recommendations .recommendation').allInnerTexts();
  assert.equal(cards.length, 2);
  assert.match(cards[0], /completion\s+qwen2\.5-coder:3b-base-q4_K_M\s+Pull and use/);
  await page.click('.recommendation[data-role="completion"] button[data-action="pull-use"]');
  assert.deepEqual((await sent(page)).at(-1), { type: 'pull', model: 'qwen2.5-coder:3b-base-q4_K_M', use: 'completion' });
  const top = await page.locator('#recommended').boundingBox();
  const installed = await page.locator('#installed').boundingBox();
  assert.ok(top && installed && top.y < installed.y);
  await page.close();
});

test('a pull shows progress in its row, from the page or from the palette, with cancel', { skip }, async () => {
  const page = await open();
  await deliver(page, { type: 'models', data });
  // a pull started in the command palette: the page learns of it from its progress
  await deliver(page, { type: 'progress', model: 'starcoder2:3b-q4_K_M', percentage: 42, message: '0.8 GB / 1.8 GB, 85.0 MB/s, 12 s left', done: false });
  const row = page.locator('#catalog tr[data-model="starcoder2:3b"]');
  assert.equal(await row.locator('progress').getAttribute('value'), '42');
  assert.equal(await row.locator('.progress-text').innerText(), '42% · 0.8 GB / 1.8 GB, 85.0 MB/s, 12 s left');
  await row.locator('button[data-action="cancel"]').click();
  assert.deepEqual((await sent(page)).at(-1), { type: 'cancelPull', model: 'starcoder2:3b-q4_K_M' });
  await deliver(page, { type: 'progress', model: 'starcoder2:3b-q4_K_M', done: true });
  assert.equal(await row.locator('progress').count(), 0);
  assert.equal(await row.locator('button[data-action="pull"]').count(), 1);
  await page.close();
});

test('a failed pull says why at its row, once, and offers Retry', { skip }, async () => {
  const page = await open();
  await deliver(page, { type: 'models', data });
  const why = 'Pulling starcoder2:3b-q4_K_M failed: Ollama is not running at http://127.0.0.1:11434.';
  await deliver(page, { type: 'progress', model: 'starcoder2:3b-q4_K_M', done: true, error: why });
  const row = page.locator('#catalog tr[data-model="starcoder2:3b"]');
  assert.equal(await row.locator('[role="alert"]').innerText(), `⚠ ${why}`);
  assert.equal(await page.locator('#error').isVisible(), false, 'not a banner at the top');
  assert.equal(await row.locator('button[data-action="pull"]').innerText(), 'Retry');
  await page.close();
});

test('at 730 px nothing wraps, and a pull does not re-flow the table', { skip }, async () => {
  const page = await open({ width: 730, height: 900 });
  await deliver(page, { type: 'models', data });
  const layout = () =>
    page.evaluate(() => {
      const heights = [...document.querySelectorAll('#installed tbody tr, #catalog tbody tr')].map((tr) => (tr as HTMLElement).offsetHeight);
      const columns = [...document.querySelectorAll('#catalog thead th, #installed thead th')].map((th) => Math.round((th as HTMLElement).offsetWidth));
      return { heights, columns, scrolls: document.documentElement.scrollWidth > window.innerWidth };
    });
  const before = await layout();
  assert.equal(before.scrolls, false, 'no horizontal scrolling');
  assert.equal(new Set(before.heights).size, 1, `every row one line high: ${before.heights.join(',')}`);
  await deliver(page, { type: 'progress', model: 'starcoder2:3b-q4_K_M', percentage: 42, message: '0.8 GB / 1.8 GB, 85.0 MB/s, 12 s left', done: false });
  assert.deepEqual(await layout(), before);
  await page.close();
});

test('two ticked models compare side by side from Ollama\'s own details, differences marked', { skip }, async () => {
  const page = await open();
  await deliver(page, { type: 'models', data });
  const compare = page.locator('#compare');
  assert.equal(await compare.isDisabled(), true);
  await page.check('input.compare-pick[data-model="qwen2.5-coder:1.5b-base"]');
  await page.check('input.compare-pick[data-model="llama3.2:3b"]');
  assert.equal(await compare.innerText(), 'Compare qwen2.5-coder:1.5b-base and llama3.2:3b');
  const button = await compare.boundingBox();
  assert.ok(button && button.y + button.height < 800, 'Compare is reachable without scrolling');
  await compare.click();
  assert.deepEqual((await sent(page)).at(-1), { type: 'compare', models: ['qwen2.5-coder:1.5b-base', 'llama3.2:3b'] });
  // ollama.showModel passes Ollama's details through: snake_case keys
  await deliver(page, {
    type: 'comparison',
    models: [
      { name: 'qwen2.5-coder:1.5b-base', details: { family: 'qwen2', parameter_size: '1.5B', quantization_level: 'Q4_K_M' }, contextLength: 32768, supportsFim: true, capabilities: ['completion', 'insert'] },
      { name: 'llama3.2:3b', details: { family: 'llama', parameter_size: '3.2B', quantization_level: 'Q4_K_M' }, contextLength: 131072, supportsFim: false, capabilities: ['completion', 'tools'] },
    ],
  });
  const rows = await page.locator('#comparison tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [tr.querySelector('th')?.textContent, tr.classList.contains('differs'), [...tr.querySelectorAll('td')].map((td) => td.textContent)]),
  );
  assert.deepEqual(rows, [
    ['Family', true, ['qwen2', 'llama']],
    ['Parameters', true, ['1.5B', '3.2B']],
    ['Quantization', false, ['Q4_K_M', 'Q4_K_M']],
    ['Size on disk', true, ['986.1 MB', '2.0 GB']],
    ['Context length', true, ['32,768', '131,072']],
    ['Fill-in-the-middle', true, ['yes', 'no']],
    ['Capabilities', true, ['completion, insert', 'completion, tools']],
  ]);
  await page.close();
});

test('a list that cannot be read shows in an alert; model names stay text', { skip }, async () => {
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
