/**
 * What became of the inline suggestions shown, for the server's local counts
 * (`ollama.suggestionOutcome`, docs/protocol.md).
 *
 * VS Code runs an accepted item's own command, which tells the server. Taking a word or a
 * line of it (Accept Word, Accept Line) and leaving it are not told to extensions, so the
 * watcher reads them from what follows an offer: text inserted at once at the cursor that the
 * suggestion goes on with is a part taken (one character is typing); any other edit, or the
 * cursor going elsewhere, leaves it. Pure logic over positions and texts: the extension feeds
 * it VS Code's events.
 */

export interface Position {
  readonly line: number;
  readonly character: number;
}

/** A suggestion offered under an id (the argument of its accept command). */
export interface Offered {
  id: string;
  kind: string;
  text: string;
}

/** One content change of a document. */
export interface Change {
  at: Position;
  rangeLength: number;
  text: string;
}

export type Outcome = 'partial' | 'dismissed';

/** The inline items of a provider result, as the ids, kinds and texts the server offered. */
export function offeredItems(result: unknown, at: Position): Offered[] {
  const items: unknown[] = Array.isArray(result) ? result : ((result as { items?: unknown[] } | null | undefined)?.items ?? []);
  const offered: Offered[] = [];
  for (const raw of items) {
    const item = raw as {
      insertText?: unknown;
      range?: { start: Position; end: Position };
      command?: { command?: string; arguments?: unknown[] };
    };
    const argument = item.command?.command === 'ollama.suggestionOutcome' ? item.command.arguments?.[0] : undefined;
    const { id, kind } = (argument ?? {}) as { id?: unknown; kind?: unknown };
    const from = item.range;
    const atCursor = !from || (same(from.start, at) && same(from.end, at));
    if (typeof id !== 'string' || typeof item.insertText !== 'string' || !atCursor) return [];
    offered.push({ id, kind: typeof kind === 'string' ? kind : 'completion', text: item.insertText });
  }
  return offered;
}

function same(a: Position, b: Position): boolean {
  return a.line === b.line && a.character === b.character;
}

function after(at: Position, text: string): Position {
  const lines = text.split('\n');
  if (lines.length === 1) return { line: at.line, character: at.character + text.length };
  return { line: at.line + lines.length - 1, character: lines[lines.length - 1].length };
}

/** A line break and its indentation: what Enter inserts, typing through a suggestion. */
const NEW_LINE = /^\r?\n[ \t]*$/;

interface Watched {
  uri: string;
  version: number;
  cursor: Position;
  typed: string;
  items: Offered[];
}

export class SuggestionWatcher {
  private watched: Watched | undefined;

  constructor(private readonly report: (item: Offered, outcome: Outcome) => void) {}

  /** The editor got `items` for the cursor `at` of document `uri` at `version`. */
  offered(uri: string, version: number, at: Position, items: Offered[]): void {
    this.watched = items.length > 0 ? { uri, version, cursor: at, typed: '', items } : undefined;
  }

  /** Document `uri` changed to `version`. */
  changed(uri: string, version: number, changes: readonly Change[]): void {
    const watched = this.watched;
    if (!watched || watched.uri !== uri || changes.length === 0) return;
    const change = changes[0];
    const inserted =
      changes.length === 1 && change.rangeLength === 0 && same(change.at, watched.cursor) ? change.text : undefined;
    const typed = inserted === undefined ? undefined : watched.typed + inserted;
    const taking = typed === undefined ? [] : watched.items.filter((item) => item.text.startsWith(typed));
    if (inserted === undefined || typed === undefined || taking.length === 0) {
      this.left();
      return;
    }
    if (taking.some((item) => item.text === typed)) {
      this.watched = undefined; // taken whole: the item's own command tells the server
      return;
    }
    if (inserted.length > 1 && !NEW_LINE.test(inserted)) this.report(taking[0], 'partial');
    this.watched = { ...watched, version, cursor: after(watched.cursor, inserted), typed, items: taking };
  }

  /** The cursor of document `uri` (at `version`) is now `cursor`. */
  moved(uri: string, version: number, cursor: Position): void {
    const watched = this.watched;
    // A newer version: its change is still on the way, and says more than the cursor.
    if (!watched || watched.uri !== uri || version !== watched.version) return;
    if (!same(cursor, watched.cursor)) this.left();
  }

  /** The suggestion was left (another edit, the cursor elsewhere, another editor). */
  left(): void {
    const watched = this.watched;
    this.watched = undefined;
    if (watched) this.report(watched.items[0], 'dismissed');
  }
}
