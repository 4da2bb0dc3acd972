import './stubs/register';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChatTranscript } from '../src/transcript';

test('streams deltas into the answer and notes the speed', () => {
  const t = new ChatTranscript();
  t.ask('how do I sort?', 'calc.py:1-2');
  assert.ok(t.applyDelta({ conversationId: 'c1', delta: 'Use ', done: false }));
  assert.ok(t.applyDelta({ conversationId: 'c1', delta: '`sorted()`.', done: false }));
  assert.ok(!t.applyDelta({ conversationId: 'c2', delta: 'other', done: false }), 'another conversation');
  assert.ok(!t.applyDelta({ conversationId: 'c1', delta: '', done: true }));
  t.finish({ conversationId: 'c1', content: 'Use `sorted()`.', tokensPerSecond: 12.5 });
  assert.equal(t.text, '## You\n\nhow do I sort?\n\n_with calc.py:1-2_\n\n## Ollama\n\nUse `sorted()`.\n\n_12.5 tok/s_');
  assert.equal(t.conversationId, 'c1');
  assert.equal(t.pending, false);
});

test('uses the final content when nothing streamed, and keeps turns apart', () => {
  const t = new ChatTranscript();
  t.ask('hi');
  t.finish({ conversationId: 'c9', content: 'Hello.' });
  t.ask('again');
  t.fail('Ollama is not reachable');
  assert.equal(t.text, '## You\n\nhi\n\n## Ollama\n\nHello.\n\n## You\n\nagain\n\n## Ollama\n\n\n\n> Ollama is not reachable');
  assert.ok(!t.applyDelta({ conversationId: 'c9', delta: 'late', done: false }), 'no answer pending');
});
