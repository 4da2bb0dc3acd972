import './stubs/register';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  catalogPickItems,
  completionsOff,
  endpointSummary,
  formatBytes,
  formatMs,
  lastSpeed,
  modelPickItems,
  noticeActions,
  plainMessage,
  statusBarContent,
} from '../src/format';
import { listModelsFixture } from './fakeServer';

test('formatBytes uses decimal units', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(986_000_000), '986.0 MB');
  assert.equal(formatBytes(4_100_000_000), '4.1 GB');
  assert.equal(formatBytes(undefined), '?');
});

test('the status bar shows an icon, the model and the last speed, also once idle', () => {
  assert.equal(statusBarContent({ state: 'idle', model: 'qwen:1.5b' }).text, '$(sparkle) qwen:1.5b');
  const generating = statusBarContent({ state: 'generating', model: 'qwen:1.5b', tokensPerSecond: 41.7 }, 41.7);
  assert.equal(generating.text, '$(loading~spin) qwen:1.5b · 42 tok/s');
  // the server sends the speed with idle; idle without one keeps the last
  let speed = lastSpeed({ state: 'idle', model: 'qwen:1.5b', tokensPerSecond: 38.2 }, undefined);
  speed = lastSpeed({ state: 'idle', model: 'qwen:1.5b' }, speed);
  assert.equal(statusBarContent({ state: 'idle', model: 'qwen:1.5b' }, speed).text, '$(sparkle) qwen:1.5b · 38 tok/s');
  assert.match(statusBarContent({ state: 'idle', model: 'qwen:1.5b' }, speed).tooltip, /38\.2 tokens\/s/);
  const down = statusBarContent({ state: 'error', model: 'qwen:1.5b', message: 'Ollama is not reachable' }, speed);
  assert.equal(down.severity, 'error');
  assert.equal(down.text, '$(error) qwen:1.5b');
  assert.match(down.tooltip, /Ollama is not reachable/);
  assert.equal(statusBarContent(undefined).severity, 'ok');
  const off = statusBarContent({ state: 'idle', model: 'qwen:1.5b' }, undefined, 'markdown');
  assert.equal(off.text, '$(circle-slash) qwen:1.5b');
  assert.match(off.tooltip, /off for markdown/);
});

test('the status bar says what the last suggestion cost: time, speed, share from the cache', () => {
  const status = { state: 'idle' as const, model: 'gemma3:270m', tokensPerSecond: 31.3, suggestionMs: 421, cachedShare: 0.88 };
  const content = statusBarContent(status, 31.3);
  assert.equal(content.text, '$(sparkle) gemma3:270m · 421 ms · 31 tok/s');
  assert.match(content.tooltip, /Last suggestion: 421 ms, 31\.3 tokens\/s, 88% of the prompt from the model's cache/);
  assert.equal(formatMs(1430), '1.4 s');
});

test('a model that is not pulled is a call to pull it, not a red error', () => {
  const missing = statusBarContent({
    state: 'error',
    model: 'qwen2.5-coder:1.5b-base',
    message: "model 'qwen2.5-coder:1.5b-base' is not pulled on http://127.0.0.1:11434: pull it with `ollama pull qwen2.5-coder:1.5b-base`",
  });
  assert.equal(missing.text, '$(cloud-download) Pull qwen2.5-coder:1.5b-base');
  assert.equal(missing.severity, 'warning');
});

test('server messages get the buttons that act on them, and no markdown', () => {
  const titles = (text: string, error = true) => noticeActions(text, error).map((a) => a.title);
  assert.deepEqual(titles("model 'qwen2.5-coder:1.5b-base' is not pulled on http://h:11434: run Pull Model"), [
    'Pull qwen2.5-coder:1.5b-base',
    'Open Model Manager',
  ]);
  assert.deepEqual(titles('Ollama is not running at http://127.0.0.1:11434: start it with `ollama serve`'), ['Open Settings', 'Show Logs']);
  assert.deepEqual(titles('The download of codellama:7b was interrupted at 40 %; pull it again', false), ['Resume codellama:7b']);
  assert.deepEqual(titles("model 'llama3' does not support fill-in-the-middle (insert); choose a code model"), ['Select Model', 'Open Model Manager']);
  assert.deepEqual(titles('something odd'), ['Show Logs']);
  assert.deepEqual(titles('Pulled starcoder2:3b in 4 s.', false), []);
  assert.equal(plainMessage('start it with `ollama serve`, or check `ollama.endpoints`'), 'start it with "ollama serve", or check "ollama.endpoints"');
});

test('completions are off for a disabled language, or one the allow-list leaves out', () => {
  assert.equal(completionsOff('python', ['*'], ['markdown']), false);
  assert.equal(completionsOff('markdown', ['*'], ['markdown']), true);
  assert.equal(completionsOff('go', ['python'], []), true);
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


test('an endpoint shows its engine, loaded models, latency and share', () => {
  assert.equal(endpointSummary({ url: 'http://a', healthy: true, version: '0.12.6' }), 'Ollama 0.12.6');
  assert.equal(
    endpointSummary({ url: 'http://b/v1', api: 'openai', healthy: true, loadedModels: ['qwen'], latencyMs: 41.6, requests: 12, share: 0.75 }),
    'OpenAI-compatible · loaded: qwen · 42 ms to first token · 75% of requests',
  );
});
