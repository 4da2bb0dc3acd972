import './stubs/register';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProgressHub, concernsModel, followModel, type ProgressEvent } from '../src/progressHub';

test('report and end carry the begin title and the last percentage', () => {
  const hub = new ProgressHub();
  const seen: ProgressEvent[] = [];
  hub.listen((e) => void seen.push(e));
  hub.handle('t', { kind: 'begin', title: 'Pulling starcoder2:3b', percentage: 0, cancellable: true });
  hub.handle('t', { kind: 'report', percentage: 40, message: 'downloading' });
  hub.handle('t', { kind: 'report', message: 'verifying' });
  assert.equal(hub.active().length, 1);
  hub.handle('t', { kind: 'end' });
  assert.deepEqual(
    seen.map((e) => [e.kind, e.title, e.percentage, e.message, e.cancellable]),
    [
      ['begin', 'Pulling starcoder2:3b', 0, undefined, true],
      ['report', 'Pulling starcoder2:3b', 40, 'downloading', true],
      ['report', 'Pulling starcoder2:3b', 40, 'verifying', true],
      ['end', 'Pulling starcoder2:3b', 40, 'verifying', true],
    ],
  );
  assert.equal(hub.active().length, 0);
  assert.ok(concernsModel(seen[0], 'starcoder2:3b'));
  assert.ok(!concernsModel(seen[0], 'llama3'));
  assert.ok(concernsModel({ ...seen[0], title: 'Pulling model', message: 'starcoder2:3b: downloading' }, 'starcoder2:3b'));
});

test('progress nobody claims goes to the fallback, all of it', () => {
  const hub = new ProgressHub();
  const fallback: string[] = [];
  hub.setFallback((e) => void fallback.push(`${e.token}:${e.kind}`));
  hub.listen((e) => concernsModel(e, 'starcoder2:3b'));
  hub.handle(1, { kind: 'begin', title: 'Pulling starcoder2:3b' });
  hub.handle(2, { kind: 'begin', title: 'Loading llama3' });
  hub.handle(1, { kind: 'end' });
  hub.handle(2, { kind: 'report', percentage: 50 });
  hub.handle(2, { kind: 'end' });
  assert.deepEqual(fallback, ['2:begin', '2:report', '2:end']);
});

test('a listener stops hearing once it unsubscribes', () => {
  const hub = new ProgressHub();
  let heard = 0;
  const stop = hub.listen(() => void (heard += 1));
  hub.handle('a', { kind: 'begin', title: 'x' });
  stop();
  hub.handle('a', { kind: 'end' });
  assert.equal(heard, 1);
});

test('following a model keeps a token named only at its begin, and claims it', () => {
  const hub = new ProgressHub();
  const fallback: string[] = [];
  hub.setFallback((e) => void fallback.push(e.kind));
  const followed: (number | undefined)[] = [];
  const stop = followModel(hub, 'starcoder2:3b', (e) => void followed.push(e.percentage));
  hub.handle('t', { kind: 'begin', title: 'Pulling model', message: 'starcoder2:3b', percentage: 0 });
  hub.handle('t', { kind: 'report', message: 'downloading', percentage: 50 });
  hub.handle('u', { kind: 'begin', title: 'Pulling llama3.2:3b' });
  hub.handle('t', { kind: 'end' });
  stop();
  assert.deepEqual(followed, [0, 50, 50]);
  assert.deepEqual(fallback, ['begin'], 'only the other model reaches the fallback');
});
