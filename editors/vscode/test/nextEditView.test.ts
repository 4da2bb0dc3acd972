import './stubs/register';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cursorAtEdit, hint, offsetAfter, shownText } from '../src/nextEditView';

test('the cursor lands after the last edit, shifted by the edits before it', () => {
  // "def f(rate):\n    return rate * rate\n": rename both uses on line 2
  const edits = [
    { start: 24, end: 28, newText: 'tax' },
    { start: 31, end: 35, newText: 'tax' },
  ];
  assert.equal(offsetAfter(edits), 33); // 31 - 1 (the first edit is one shorter) + 3
  assert.equal(offsetAfter([{ start: 5, end: 5, newText: 'abc' }]), 8);
  assert.equal(offsetAfter([...edits].reverse()), 33); // whatever order the server sent
});

test('a replacement over several lines is shown on one line', () => {
  assert.equal(shownText('a\n    b'), 'a ⏎     b');
  assert.equal(shownText('x\r\ny'), 'x ⏎ y');
});

test('the hint says jump from afar and accept at the edit', () => {
  const lines = [{ startLine: 4, endLine: 5 }];
  assert.equal(cursorAtEdit(0, lines), false);
  assert.equal(cursorAtEdit(5, lines), true);
  assert.equal(hint(false, 4), '⇥ Tab to jump to the edit on line 5');
  assert.match(hint(true, 4), /Tab to accept/);
});
