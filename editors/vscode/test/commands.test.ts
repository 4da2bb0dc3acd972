import './stubs/register';
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import {
  deleteModelCommand,
  pullModelCommand,
  selectModelCommand,
  setQuantizationCommand,
  showStatusCommand,
} from '../src/commands';
import { ui } from './stubs/vscode';
import { FakeServer, listModelsFixture } from './fakeServer';

beforeEach(() => ui.reset());

const listModels = () => listModelsFixture;

test('Select Model switches the picked model for the picked role', async () => {
  const server = new FakeServer({
    'ollama.listModels': listModels,
    'ollama.switchModel': (arg) => ({ model: arg?.model, role: arg?.role, loadMs: 120 }),
  });
  ui.answers.push('llama3.2:3b', 'chat');
  await selectModelCommand(server);
  assert.deepEqual(server.calls[1], { command: 'ollama.switchModel', argument: { model: 'llama3.2:3b', role: 'chat' } });
  const pick = ui.shown.find((s) => s.kind === 'quickPick');
  assert.equal((pick?.items as { description: string }[])[0].description, '986.0 MB · 1.5B · Q4_K_M · FIM');
  assert.ok(ui.shown.some((s) => s.kind === 'info' && s.text === 'Ollama: chat now uses llama3.2:3b (loaded in 120 ms).'));
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

test('a failed pull shows the server message', async () => {
  const server = new FakeServer({
    'ollama.listModels': listModels,
    'ollama.pullModel': () => {
      throw new Error('Ollama is not reachable at http://127.0.0.1:11434: start it with `ollama serve`.');
    },
  });
  ui.answers.push('starcoder2:3b');
  await pullModelCommand(server);
  const error = ui.shown.find((s) => s.kind === 'error');
  assert.equal(error?.text, 'Ollama: pulling starcoder2:3b failed: Ollama is not reachable at http://127.0.0.1:11434: start it with `ollama serve`.');
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
});

test('Show Status lists endpoints in a modal message', async () => {
  const server = new FakeServer({
    'ollama.status': () => ({ state: 'idle', roles: { completion: 'a' }, endpoints: [{ url: 'http://127.0.0.1:11434', healthy: true, version: '0.12.3' }] }),
  });
  await showStatusCommand(server);
  const shown = ui.shown.find((s) => s.kind === 'info');
  assert.equal(shown?.text, 'Ollama: idle');
  assert.match((shown?.options as { detail: string }).detail, /http:\/\/127\.0\.0\.1:11434: ok, Ollama 0\.12\.3/);
});
