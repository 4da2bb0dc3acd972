import './stubs/register';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ToPage } from '../src/managerMessages';
import { ModelManagerHost } from '../src/modelManagerHost';
import { ServerError } from '../src/server';
import { FakeServer, listModelsFixture } from './fakeServer';

function setup(handlers: ConstructorParameters<typeof FakeServer>[0], deleted = true) {
  const server = new FakeServer({ 'ollama.listModels': () => listModelsFixture, ...handlers });
  const posted: ToPage[] = [];
  const actions: string[] = [];
  const host = new ModelManagerHost(server, (m) => posted.push(m), {
    switchModel: async (model, role) => void actions.push(`switch ${model} ${role}`),
    deleteModel: async (model) => {
      actions.push(`delete ${model}`);
      return deleted;
    },
  });
  return { server, posted, actions, host };
}

test('the page gets the model list when it is ready', async () => {
  const { posted, host } = setup({});
  await host.handle({ type: 'ready' });
  assert.deepEqual(posted, [{ type: 'models', data: listModelsFixture }]);
});

test('pulls stream their progress to the page, then the new list', async () => {
  const { posted, host } = setup({
    'ollama.pullModel': (arg, s) => {
      s.progress.handle('p', { kind: 'begin', title: `Pulling ${String(arg?.model)}`, percentage: 0 });
      s.progress.handle('q', { kind: 'begin', title: 'Pulling other:1b', percentage: 0 });
      s.progress.handle('p', { kind: 'report', percentage: 60, message: 'downloading' });
      s.progress.handle('p', { kind: 'end' });
      return { model: arg?.model, status: 'success' };
    },
  });
  await host.handle({ type: 'pull', model: 'starcoder2:3b' });
  assert.deepEqual(posted, [
    { type: 'progress', model: 'starcoder2:3b', percentage: 0, message: undefined, done: false },
    { type: 'progress', model: 'other:1b', percentage: 0, message: undefined, done: false },
    { type: 'progress', model: 'starcoder2:3b', percentage: 60, message: 'downloading', done: false },
    { type: 'progress', model: 'starcoder2:3b', percentage: 100, message: 'success', done: true },
    { type: 'models', data: listModelsFixture },
  ]);
});

test('a failed pull ends the bar and says why at its row, in the server\'s words only', async () => {
  const { posted, host } = setup({
    'ollama.pullModel': () => {
      throw new ServerError('Pulling nope failed: model "nope" not found in the registry.');
    },
  });
  await host.handle({ type: 'pull', model: 'nope' });
  assert.deepEqual(posted, [
    { type: 'progress', model: 'nope', done: true, error: 'Pulling nope failed: model "nope" not found in the registry.' },
  ]);
});

test('a pull started elsewhere (the command palette) shows in its row too', () => {
  const { server, posted } = setup({});
  server.progress.handle('t', { kind: 'begin', title: 'Pulling starcoder2:3b', percentage: 0 });
  server.progress.handle('t', { kind: 'report', percentage: 30, message: '0.5 GB / 1.7 GB' });
  server.progress.handle('u', { kind: 'begin', title: 'Loading llama3.2:3b' });
  assert.deepEqual(posted, [
    { type: 'progress', model: 'starcoder2:3b', percentage: 0, message: undefined, done: false },
    { type: 'progress', model: 'starcoder2:3b', percentage: 30, message: '0.5 GB / 1.7 GB', done: false },
  ]);
});

test('pull and use switches the role once the pull is done', async () => {
  const { actions, host } = setup({ 'ollama.pullModel': (arg) => ({ model: arg?.model, status: 'done' }) });
  await host.handle({ type: 'pull', model: 'starcoder2:3b', use: 'completion' });
  assert.deepEqual(actions, ['switch starcoder2:3b completion']);
});

test('compare asks the server about both models', async () => {
  const { server, posted, host } = setup({
    'ollama.showModel': (arg) => ({ name: arg?.model, contextLength: 32768, supportsFim: arg?.model !== 'llama3.2:3b' }),
  });
  await host.handle({ type: 'compare', models: ['qwen2.5-coder:1.5b-base', 'llama3.2:3b'] });
  assert.deepEqual(server.commands, ['ollama.showModel', 'ollama.showModel']);
  assert.deepEqual(posted, [
    {
      type: 'comparison',
      models: [
        { name: 'qwen2.5-coder:1.5b-base', contextLength: 32768, supportsFim: true },
        { name: 'llama3.2:3b', contextLength: 32768, supportsFim: false },
      ],
    },
  ]);
});

test('switch and delete go through the editor actions; a kept model is not refreshed', async () => {
  const { posted, actions, host } = setup({}, false);
  await host.handle({ type: 'switch', model: 'llama3.2:3b', role: 'chat' });
  await host.handle({ type: 'delete', model: 'llama3.2:3b' });
  assert.deepEqual(actions, ['switch llama3.2:3b chat', 'delete llama3.2:3b']);
  assert.equal(posted.filter((m) => m.type === 'models').length, 1, 'refreshed after the switch only');
});
