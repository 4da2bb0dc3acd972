import './stubs/register';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatToPage } from '../src/chatMessages';
import { ChatHost } from '../src/chatHost';
import { ServerError } from '../src/server';
import { FakeServer } from './fakeServer';

/** A chat server whose answers the test releases one by one. */
function setup() {
  const answers: ((content: string, cancelled?: boolean) => void)[] = [];
  const server = new FakeServer({
    'ollama.status': () => ({ state: 'idle', roles: { chat: 'qwen2.5-coder:1.5b-instruct' } }),
    'ollama.chat': (arg) =>
      new Promise((resolve) => {
        answers.push((content, cancelled = false) => resolve({ conversationId: arg?.conversationId ?? 'c1', content, cancelled, tokensPerSecond: 12.5 }));
      }),
    'ollama.cancelChat': () => ({ cancelled: true }),
  });
  const posted: ChatToPage[] = [];
  const editor = { inserted: [] as string[], copied: [] as string[] };
  const host = new ChatHost(server, (m) => posted.push(m), {
    insert: async (code) => void editor.inserted.push(code),
    copy: async (code) => void editor.copied.push(code),
  });
  return { server, posted, host, answers, editor };
}

const tick = () => new Promise((r) => setImmediate(r));
const turns = (posted: ChatToPage[]) => posted.flatMap((m) => (m.type === 'turn' ? [[m.turn.id, m.turn.state]] : []));

test('a question streams its answer and keeps the conversation for the next one', async () => {
  const { server, posted, host, answers } = setup();
  const first = host.handle({ type: 'ask', text: 'what is a closure?' });
  await tick();
  host.onDelta({ conversationId: 'c1', delta: 'A closure ', done: false });
  host.onDelta({ conversationId: 'c1', delta: 'captures.', done: false });
  answers[0]('A closure captures.');
  await first;
  assert.deepEqual(posted.filter((m) => m.type === 'delta'), [
    { type: 'delta', id: 1, text: 'A closure ' },
    { type: 'delta', id: 1, text: 'captures.' },
  ]);
  const second = host.handle({ type: 'ask', text: 'an example?' });
  await tick();
  answers[1]('def f(): ...');
  await second;
  assert.deepEqual(server.calls.map((c) => c.argument?.conversationId), [undefined, 'c1']);
  assert.deepEqual(turns(posted), [[1, 'queued'], [1, 'answering'], [1, 'done'], [2, 'queued'], [2, 'answering'], [2, 'done']]);
});

test('a second question while an answer is written is queued, then asked', async () => {
  const { server, posted, host, answers } = setup();
  const first = host.handle({ type: 'ask', text: 'one' });
  await tick();
  const second = host.handle({ type: 'ask', text: 'two' });
  await tick();
  assert.equal(server.calls.filter((c) => c.command === 'ollama.chat').length, 1, 'not sent yet');
  assert.deepEqual(turns(posted).at(-1), [2, 'queued']);
  answers[0]('first answer');
  await tick();
  answers[1]('second answer');
  await Promise.all([first, second]);
  assert.deepEqual(server.calls.filter((c) => c.command === 'ollama.chat').map((c) => c.argument?.message), ['one', 'two']);
});

test('Stop cancels the answer through its progress; the turn is marked stopped', async () => {
  const { server, posted, host, answers } = setup();
  const asked = host.handle({ type: 'ask', text: 'long answer please' });
  await tick();
  server.progress.handle(String(server.lastToken), { kind: 'begin', title: 'Chat (qwen)', cancellable: true });
  await host.handle({ type: 'stop' });
  assert.deepEqual(server.cancelled, [String(server.lastToken)]);
  answers[0]('partial', true);
  await asked;
  assert.deepEqual(turns(posted).at(-1), [1, 'stopped']);
});

test('a failed answer says why in its turn', async () => {
  const server = new FakeServer({
    'ollama.chat': () => {
      throw new ServerError('model qwen is not pulled');
    },
  });
  const posted: ChatToPage[] = [];
  const host = new ChatHost(server, (m) => posted.push(m), { insert: async () => {}, copy: async () => {} });
  await host.handle({ type: 'ask', text: 'hi' });
  const last = posted.filter((m) => m.type === 'turn').at(-1);
  assert.equal(last?.type === 'turn' && last.turn.error, 'model qwen is not pulled');
});

test('the selection goes with the next question only; code blocks insert and copy', async () => {
  const { server, posted, host, answers, editor } = setup();
  host.attach({ label: 'calc.py:1-3', selection: { uri: 'file:///calc.py', range: { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } } } });
  const asked = host.handle({ type: 'ask', text: 'explain' });
  await tick();
  answers[0]('ok');
  await asked;
  assert.deepEqual(server.calls[0].argument?.includeSelection, { uri: 'file:///calc.py', range: { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } } });
  assert.deepEqual(posted.filter((m) => m.type === 'context'), [{ type: 'context', label: 'calc.py:1-3' }, { type: 'context', label: undefined }]);
  await host.handle({ type: 'insert', code: 'x = 1' });
  await host.handle({ type: 'copy', code: 'y = 2' });
  assert.deepEqual(editor, { inserted: ['x = 1'], copied: ['y = 2'] });
});
