import './stubs/register';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogPickItems, formatBytes, modelPickItems, statusBarContent, statusLines } from '../src/format';
import { listModelsFixture } from './fakeServer';

test('formatBytes uses decimal units', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(986_000_000), '986.0 MB');
  assert.equal(formatBytes(4_100_000_000), '4.1 GB');
  assert.equal(formatBytes(undefined), '?');
});

test('the status bar shows model, state and tokens per second', () => {
  assert.equal(statusBarContent({ state: 'idle', model: 'qwen:1.5b' }).text, '$(check) qwen:1.5b');
  const generating = statusBarContent({ state: 'generating', model: 'qwen:1.5b', tokensPerSecond: 41.7 });
  assert.equal(generating.text, '$(loading~spin) qwen:1.5b 42 tok/s');
  const down = statusBarContent({ state: 'error', model: 'qwen:1.5b', message: 'Ollama is not reachable' });
  assert.equal(down.error, true);
  assert.match(down.tooltip, /Ollama is not reachable/);
  assert.equal(statusBarContent(undefined).error, false);
});

test('Select Model items carry size, quantization, FIM support and loaded state', () => {
  const [qwen, llama] = modelPickItems(listModelsFixture);
  assert.equal(qwen.label, 'qwen2.5-coder:1.5b-base');
  assert.equal(qwen.description, '986.0 MB · 1.5B · Q4_K_M · FIM');
  assert.match(qwen.detail, /^\$\(circle-filled\) loaded · used for completion/);
  assert.equal(llama.description, '2.0 GB · 3.2B · Q4_K_M · no FIM');
  assert.match(llama.detail, /not loaded · used for chat/);
});

test('Pull Model offers only models not pulled yet, warning when one may not fit', () => {
  const items = catalogPickItems(listModelsFixture);
  assert.deepEqual(items.map((i) => i.model), ['starcoder2:3b', 'codellama:70b-code']);
  assert.match(items[1].detail, /may not fit/);
  assert.equal(items[0].detail, 'starcoder2');
});

test('status lines name role models and endpoint health', () => {
  assert.deepEqual(
    statusLines({
      state: 'error',
      roles: { completion: 'a', chat: 'b' },
      endpoints: [
        { url: 'http://127.0.0.1:11434', healthy: false, error: 'connection refused' },
        { url: 'http://h:11434', healthy: true, version: '0.12.3' },
      ],
      lastErrors: [{ message: 'model not found' }],
    }),
    [
      'Completion model: a',
      'Chat model: b',
      'http://127.0.0.1:11434: unreachable (connection refused)',
      'http://h:11434: ok, Ollama 0.12.3',
      'Error: model not found',
    ],
  );
});
