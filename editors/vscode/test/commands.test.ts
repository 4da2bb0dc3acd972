import './stubs/register';
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import {
  deleteModelCommand,
  pullModelCommand,
  selectModelCommand,
  setQuantizationCommand,
} from '../src/commands';
import { ServerError } from '../src/server';
import { ui } from './stubs/vscode';
import { FakeServer, listModelsFixture } from './fakeServer';

beforeEach(() => ui.reset());

const listModels = () => listModelsFixture;

test('Select Model switches the picked model for the picked role; the server tells the result, once', async () => {
  const server = new FakeServer({
    'ollama.listModels': listModels,
    'ollama.switchModel': (arg) => ({ model: arg?.model, role: arg?.role, loadMs: 3004 }),
  });
  ui.answers.push('llama3.2:3b', 'chat');
  await selectModelCommand(server);
  assert.deepEqual(server.calls[1], { command: 'ollama.switchModel', argument: { model: 'llama3.2:3b', role: 'chat' } });
  const pick = ui.shown.find((s) => s.kind === 'quickPick');
  assert.equal((pick?.items as { description: string }[])[0].description, '986.0 MB · 1.5B · Q4_K_M · FIM');
  // The server shows the load's progress and "The chat model is now ..." itself.
  assert.deepEqual(ui.shown.filter((s) => s.kind === 'info' || s.kind === 'progress'), []);
});

test('Select Model for a role from the menu asks no role', async () => {
  const server = new FakeServer({
    'ollama.listModels': listModels,
    'ollama.switchModel': (arg) => ({ model: arg?.model, role: arg?.role, loadMs: 10 }),
  });
  ui.answers.push('qwen2.5-coder:1.5b-base');
  await selectModelCommand(server, 'completion');
  assert.deepEqual(server.calls[1].argument, { model: 'qwen2.5-coder:1.5b-base', role: 'completion' });
  assert.equal(ui.shown.filter((s) => s.kind === 'quickPick').length, 1);
});

test('Select Model with no models pulled offers to pull one', async () => {
  const server = new FakeServer({
    'ollama.listModels': () => ({ ...listModelsFixture, models: [], recommended: [{ role: 'completion', model: 'starcoder2:3b', level: 'Q4_0', pulled: false, reason: 'fits' }] }),
    'ollama.pullModel': (arg) => ({ model: arg?.model, status: 'done' }),
  });
  ui.answers.push('$(cloud-download) Pull a model…', '$(star-full) starcoder2:3b');
  await selectModelCommand(server);
  const [select, pull] = ui.shown.filter((s) => s.kind === 'quickPick');
  assert.deepEqual((select.items as { label: string }[]).map((i) => i.label), ['No models pulled yet', '$(cloud-download) Pull a model…']);
  // the recommendation for this machine comes first in the pull list
  assert.deepEqual((pull.items as { label: string }[]).slice(0, 2).map((i) => i.label), ['Recommended for this machine', '$(star-full) starcoder2:3b']);
  assert.deepEqual(server.calls.at(-1), { command: 'ollama.pullModel', argument: { model: 'starcoder2:3b' } });
});

test('Pull Model follows the server progress of that model and can be cancelled', async () => {
  let finish: (value: unknown) => void = () => undefined;
  const server = new FakeServer({
    'ollama.listModels': listModels,
    'ollama.pullModel': (arg, s) => {
      s.progress.handle('srv-1', { kind: 'begin', title: `Pulling ${String(arg?.model)}`, percentage: 0 });
      s.progress.handle('srv-2', { kind: 'begin', title: 'Loading llama3.2:3b' });
      s.progress.handle('srv-1', { kind: 'report', message: 'downloading', percentage: 30 });
      s.progress.handle('srv-1', { kind: 'report', message: 'downloading', percentage: 75 });
      return new Promise((resolve) => (finish = resolve));
    },
    'ollama.cancelPull': () => ({ cancelled: true }),
  });
  ui.answers.push('starcoder2:3b');
  const running = pullModelCommand(server);
  while (ui.progressReports.length < 2) await new Promise((r) => setImmediate(r));
  ui.cancelProgress?.();
  server.progress.handle('srv-1', { kind: 'end', message: 'cancelled' });
  finish({ model: 'starcoder2:3b', status: 'cancelled' });
  await running;
  assert.deepEqual(
    ui.progressReports.map((r) => [r.message, r.increment]),
    [
      [undefined, 0],
      ['downloading', 30],
      ['downloading', 45],
    ],
  );
  assert.ok(ui.progressReports.every((r) => r.title === 'Pulling starcoder2:3b'), 'only that model');
  assert.deepEqual(server.commands, ['ollama.listModels', 'ollama.pullModel', 'ollama.cancelPull']);
  assert.deepEqual(server.calls[2].argument, { model: 'starcoder2:3b' });
});

test('Pull Model accepts a model that is not in the catalog', async () => {
  const server = new FakeServer({
    'ollama.listModels': listModels,
    'ollama.pullModel': (arg) => ({ model: arg?.model, status: 'success' }),
  });
  ui.answers.push('$(edit) Another model…', ' deepseek-coder:1.3b-base ');
  await pullModelCommand(server);
  assert.deepEqual(server.calls[1].argument, { model: 'deepseek-coder:1.3b-base' });
  assert.ok(!ui.shown.some((s) => s.kind === 'info'), 'the server announces the result, once');
});

test('a pull the server refused is not announced a second time; a local failure is', async () => {
  const refused = new FakeServer({
    'ollama.listModels': listModels,
    'ollama.pullModel': () => {
      throw new ServerError('Pulling starcoder2:3b failed: Ollama is not reachable.');
    },
  });
  ui.answers.push('starcoder2:3b');
  await pullModelCommand(refused);
  assert.deepEqual(ui.shown.filter((s) => s.kind === 'error'), [], 'the server showed its message');
  const down = new FakeServer({
    'ollama.listModels': listModels,
    'ollama.pullModel': () => {
      throw new Error('Client is not running');
    },
  });
  ui.answers.push('starcoder2:3b');
  await pullModelCommand(down);
  assert.deepEqual(ui.shown.filter((s) => s.kind === 'error').map((s) => s.text), ['Ollama: pulling starcoder2:3b failed: Client is not running']);
});

test('Pull and use pulls, then switches the role to the model', async () => {
  const server = new FakeServer({
    'ollama.pullModel': (arg) => ({ model: arg?.model, status: 'done' }),
    'ollama.switchModel': (arg) => ({ model: arg?.model, role: arg?.role }),
  });
  await pullModelCommand(server, 'starcoder2:3b', 'completion');
  assert.deepEqual(server.calls, [
    { command: 'ollama.pullModel', argument: { model: 'starcoder2:3b' } },
    { command: 'ollama.switchModel', argument: { model: 'starcoder2:3b', role: 'completion' } },
  ]);
});

test('Delete Model asks first and does nothing when the user keeps it', async () => {
  const server = new FakeServer({
    'ollama.listModels': listModels,
    'ollama.deleteModel': () => ({ deleted: true }),
  });
  ui.answers.push('llama3.2:3b', undefined);
  await deleteModelCommand(server);
  assert.deepEqual(server.commands, ['ollama.listModels']);
  ui.answers.push('llama3.2:3b', 'Delete');
  await deleteModelCommand(server);
  assert.deepEqual(server.calls.at(-1), { command: 'ollama.deleteModel', argument: { model: 'llama3.2:3b', confirm: true } });
  assert.ok(ui.shown.some((s) => s.kind === 'warning' && (s.options as { modal: boolean }).modal));
});

test('Set Quantization sends model, level and role', async () => {
  const server = new FakeServer({
    'ollama.listModels': listModels,
    'ollama.setQuantization': (arg) => ({ model: arg?.model, level: arg?.level, created: true, pulled: false }),
  });
  ui.answers.push('qwen2.5-coder:1.5b-base', 'q8_0', 'completion');
  await setQuantizationCommand(server);
  assert.deepEqual(server.calls[1].argument, { model: 'qwen2.5-coder:1.5b-base', level: 'q8_0', role: 'completion' });
  assert.ok(ui.shown.some((s) => s.text === 'Ollama: qwen2.5-coder:1.5b-base (q8_0) created.'));
  assert.deepEqual(ui.shown.filter((s) => s.kind === 'progress'), [], "the server's progress is the only one");
});

