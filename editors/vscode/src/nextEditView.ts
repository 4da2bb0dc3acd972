/**
 * What a next edit looks like and where the cursor goes: pure functions over offsets and text,
 * so they run under node:test without VS Code.
 */

/** An edit by offsets into the document as it was asked about. */
export interface OffsetEdit {
  start: number;
  end: number;
  newText: string;
}

/** The replacement as one line of text for a decoration: line breaks shown as ⏎. */
export function shownText(newText: string): string {
  return newText.replace(/\r?\n/g, ' ⏎ ');
}

/** The offset, once all `edits` are applied, of the end of the last one's new text. */
export function offsetAfter(edits: readonly OffsetEdit[]): number {
  const ordered = [...edits].sort((a, b) => a.start - b.start);
  let shift = 0;
  for (const edit of ordered.slice(0, -1)) shift += edit.newText.length - (edit.end - edit.start);
  const last = ordered[ordered.length - 1];
  return last ? last.start + shift + last.newText.length : 0;
}

/** The hint shown at the end of the cursor's line (far from the edit) or of the edit's line. */
export function hint(atEdit: boolean, editLine: number): string {
  return atEdit ? '⇥ Tab to accept · Esc to dismiss' : `⇥ Tab to jump to the edit on line ${editLine + 1}`;
}

/** Whether the cursor (a line) is on the lines the edits touch. */
export function cursorAtEdit(cursorLine: number, edits: readonly { startLine: number; endLine: number }[]): boolean {
  return edits.some((edit) => cursorLine >= edit.startLine && cursorLine <= edit.endLine);
}
