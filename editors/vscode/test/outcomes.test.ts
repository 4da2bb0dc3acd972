import './stubs/register';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outcomeRow } from '../src/format';
import { offeredItems, SuggestionWatcher, type Offered, type Outcome } from '../src/outcomes';

const URI = 'file:///area.py';
const at = (line: number, character: number) => ({ line, character });
const insert = (line: number, character: number, text: string) => [{ at: at(line, character), rangeLength: 0, text }];
const first: Offered = { id: 's1', kind: 'completion', text: 'result = w * h\n    return result' };
const second: Offered = { id: 's2', kind: 'completion', text: 'return w * h' };

function watching(): { watcher: SuggestionWatcher; told: [string, Outcome][] } {
  const told: [string, Outcome][] = [];
  const watcher = new SuggestionWatcher((item, outcome) => told.push([item.id, outcome]));
  watcher.offered(URI, 1, at(1, 4), [first, second]);
  return { watcher, told };
}

test('the offered items are read from the accept command each one carries', () => {
  const item = (id: string, text: string) => ({
    insertText: text,
    range: { start: at(1, 4), end: at(1, 4) },
    command: { command: 'ollama.suggestionOutcome', arguments: [{ id, kind: 'completion', outcome: 'accepted' }] },
  });
  assert.deepEqual(offeredItems({ items: [item('s1', first.text), item('s2', second.text)] }, at(1, 4)), [first, second]);
  assert.deepEqual(offeredItems([item('s1', first.text)], at(2, 0)), []); // for another cursor
  assert.deepEqual(offeredItems([{ insertText: 'x' }], at(1, 4)), []); // not ours
  assert.deepEqual(offeredItems(null, at(1, 4)), []);
});

test('typing through a suggestion says nothing; a word taken at once is a partial accept', () => {
  const { watcher, told } = watching();
  watcher.changed(URI, 2, insert(1, 4, 'r'));
  watcher.moved(URI, 2, at(1, 5));
  assert.deepEqual(told, []);
  watcher.changed(URI, 3, insert(1, 5, 'esult'));
  assert.deepEqual(told, [['s1', 'partial']]);
  watcher.changed(URI, 4, insert(1, 10, ' = w * h\n    return result')); // Tab: the item's command tells
  watcher.moved(URI, 4, at(2, 17));
  assert.deepEqual(told, [['s1', 'partial']]);
});

test('a line break with its indentation is typing, not a part taken', () => {
  const told: [string, Outcome][] = [];
  const watcher = new SuggestionWatcher((item, outcome) => told.push([item.id, outcome]));
  watcher.offered(URI, 1, at(0, 15), [{ id: 's3', kind: 'completion', text: '\n    return w * h' }]);
  watcher.changed(URI, 2, insert(0, 15, '\n    '));
  watcher.moved(URI, 2, at(1, 4));
  assert.deepEqual(told, []);
});

test('typing something else, an edit elsewhere or the cursor leaving dismisses the suggestion', () => {
  let { watcher, told } = watching();
  watcher.changed(URI, 2, insert(1, 4, 'x'));
  assert.deepEqual(told, [['s1', 'dismissed']]);
  watcher.changed(URI, 3, insert(1, 5, 'y'));
  assert.equal(told.length, 1); // nothing watched any more

  ({ watcher, told } = watching());
  watcher.moved(URI, 1, at(0, 0));
  assert.deepEqual(told, [['s1', 'dismissed']]);

  ({ watcher, told } = watching());
  watcher.changed('file:///other.py', 2, insert(1, 4, 'x')); // another document: not this one
  watcher.moved(URI, 2, at(0, 0)); // a change still on its way: the cursor says nothing yet
  watcher.changed(URI, 2, [{ at: at(1, 0), rangeLength: 4, text: '' }]);
  assert.deepEqual(told, [['s1', 'dismissed']]);
});

test('the choices the typing agrees with stay watched', () => {
  const { watcher, told } = watching();
  watcher.changed(URI, 2, insert(1, 4, 'r'));
  watcher.changed(URI, 3, insert(1, 5, 'e'));
  watcher.changed(URI, 4, insert(1, 6, 'turn w')); // only the second goes on like this
  assert.deepEqual(told, [['s2', 'partial']]);
  watcher.left();
  assert.deepEqual(told, [['s2', 'partial'], ['s2', 'dismissed']]);
});

test('the status menu row gives the share accepted, and per language when there are several', () => {
  const counts = (shown: number, accepted: number) => ({
    shown,
    accepted,
    partial: 0,
    dismissed: shown - accepted,
    acceptedRate: shown ? accepted / shown : null,
    partialRate: shown ? 0 : null,
    dismissedRate: shown ? (shown - accepted) / shown : null,
  });
  assert.equal(outcomeRow(undefined), undefined);
  assert.equal(outcomeRow(counts(0, 0)), undefined);
  const row = outcomeRow({ ...counts(4, 1), byLanguage: [{ language: 'python', ...counts(3, 1) }, { language: 'go', ...counts(1, 0) }] });
  assert.deepEqual(row, {
    label: '$(graph) 25% of suggestions accepted',
    description: '4 shown · 0% partly · 75% dismissed',
    detail: 'python 33% · go 0%',
  });
});
