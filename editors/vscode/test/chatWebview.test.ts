/** The chat view's page in headless Chromium (playwright-core), fed fixture messages. */
import './stubs/register';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { ChatFromPage, ChatToPage } from '../src/chatMessages';
import type { Turn } from '../src/chatSession';
import { Pages, deliver as post, sent as sentBy, skip } from './pages';

const pages = new Pages();
before(async () => {
  if (!skip) await pages.start();
});
after(() => pages.stop());

const sent = (page: Page) => sentBy<ChatFromPage>(page);
const deliver = (page: Page, message: ChatToPage) => post(page, message);
const turn = (id: number, state: Turn['state'], answer = '', more: Partial<Turn> = {}): Turn => ({ id, question: `question ${id}`, answer, state, ...more });

test('Enter sends the question; Shift+Enter is a new line', { skip }, async () => {
  const page = await pages.open('chat');
  assert.deepEqual(await sent(page), [{ type: 'ready' }]);
  await page.fill('#input', 'what does');
  await page.press('#input', 'Shift+Enter');
  await page.type('#input', 'this do?');
  await page.press('#input', 'Enter');
  assert.deepEqual((await sent(page)).at(-1), { type: 'ask', text: 'what does\nthis do?' });
  assert.equal(await page.inputValue('#input'), '');
  await page.close();
});

test('the answer streams in as rendered markdown; code blocks have Copy and Insert', { skip }, async () => {
  const page = await pages.open('chat');
  await deliver(page, { type: 'turn', turn: turn(1, 'answering') });
  assert.equal(await page.locator('#stop').isVisible(), true, 'Stop while an answer is written');
  assert.equal(await page.locator('.waiting').innerText(), 'Thinking…');
  for (const text of ['Use **sum**:\n\n', '```python\ndef add(a, b):\n', '    return a + b\n```\n']) {
    await deliver(page, { type: 'delta', id: 1, text });
  }
  await page.waitForSelector('.code-block pre code');
  assert.equal(await page.locator('.answer .markdown strong').innerText(), 'sum');
  assert.equal(await page.locator('.code-block .lang').innerText(), 'python');
  await page.click('.code-block button[data-action="insert"]');
  await page.click('.code-block button[data-action="copy"]');
  assert.deepEqual((await sent(page)).slice(-2), [
    { type: 'insert', code: 'def add(a, b):\n    return a + b' },
    { type: 'copy', code: 'def add(a, b):\n    return a + b' },
  ]);
  await page.click('#stop');
  assert.deepEqual((await sent(page)).at(-1), { type: 'stop' });
  await page.close();
});

test('a stopped answer is marked; a queued question says it waits; raw HTML stays text', { skip }, async () => {
  const page = await pages.open('chat');
  await deliver(page, { type: 'state', turns: [turn(1, 'stopped', 'Half an <img src=x onerror="window.__pwned=1"> answer', { tokensPerSecond: 11.94 }), turn(2, 'queued')], model: 'qwen2.5-coder:1.5b-instruct' });
  assert.equal(await page.locator('article[data-id="1"] .meta').innerText(), '■ Stopped · 11.9 tokens/s');
  assert.equal(await page.locator('article img').count(), 0);
  assert.match(await page.locator('article[data-id="1"] .markdown').innerText(), /<img src=x/);
  assert.match(await page.locator('article[data-id="2"] .queued').innerText(), /Queued/);
  await page.click('article[data-id="2"] .queued button');
  assert.deepEqual((await sent(page)).at(-1), { type: 'unqueue', id: 2 });
  assert.equal(await page.locator('#stop').isVisible(), false);
  assert.equal(await page.locator('#model').innerText(), 'qwen2.5-coder:1.5b-instruct');
  await page.close();
});

test('the selection that goes along is shown and can be dropped', { skip }, async () => {
  const page = await pages.open('chat');
  await deliver(page, { type: 'context', label: 'calc.py:3-7' });
  assert.equal(await page.locator('#context-label').innerText(), 'calc.py:3-7');
  await page.click('#drop-context');
  assert.deepEqual((await sent(page)).at(-1), { type: 'dropContext' });
  await deliver(page, { type: 'context' });
  assert.equal(await page.locator('#context').isVisible(), false);
  await page.close();
});
