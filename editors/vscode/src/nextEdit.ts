/**
 * Next-edit suggestions in the editor: after a pause following an edit, ask the server
 * (`ollama/nextEdit`) and show its edit where it goes, as a diff (the replaced text struck
 * through, the new text beside it) with a hint. Tab jumps to the edit, then accepts it; Escape
 * dismisses it; typing replaces it with the next request. The outcome goes back to the server
 * (`ollama/nextEditOutcome`). VS Code's stable API has no inline edits for extensions, so the
 * edit is drawn with decorations; Tab belongs to us only while one is shown (a context key).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { cursorAtEdit, hint, offsetAfter, shownText } from './nextEditView';
import {
  NextEditOutcomeNotification,
  NextEditRequest,
  type NextEditOutcome,
  type NextEditParams,
  type NextEditResult,
} from './protocol';

/** Wait after the last change before asking (the server debounces too). */
const PAUSE_MS = 250;
const SHOWN_CONTEXT = 'ollamaLsp.nextEditShown';

interface Shown {
  editor: vscode.TextEditor;
  version: number;
  result: NextEditResult;
  ranges: vscode.Range[];
}

export class NextEditController implements vscode.Disposable {
  private readonly removed = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('diffEditor.removedTextBackground'),
    textDecoration: 'line-through',
  });
  private readonly inserted = vscode.window.createTextEditorDecorationType({});
  private readonly hints = vscode.window.createTextEditorDecorationType({});
  private readonly subscriptions: vscode.Disposable[];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pending: vscode.CancellationTokenSource | undefined;
  private shown: Shown | undefined;
  private applying = false;

  constructor(private readonly client: LanguageClient) {
    this.subscriptions = [
      vscode.commands.registerCommand('ollamaLsp.nextEdit.jumpOrAccept', () => this.jumpOrAccept()),
      vscode.commands.registerCommand('ollamaLsp.nextEdit.accept', () => this.accept()),
      vscode.commands.registerCommand('ollamaLsp.nextEdit.dismiss', () => this.clear('dismissed')),
      vscode.commands.registerCommand('ollamaLsp.nextEdit.suggest', () => this.request(0)),
      vscode.workspace.onDidChangeTextDocument((event) => this.changed(event)),
      vscode.window.onDidChangeTextEditorSelection((event) => this.moved(event.textEditor)),
      vscode.window.onDidChangeActiveTextEditor(() => this.clear('dismissed')),
    ];
  }

  private get enabled(): boolean {
    return !!vscode.workspace.getConfiguration('ollama.nextEdit').get<string>('model');
  }

  private changed(event: vscode.TextDocumentChangeEvent): void {
    const editor = vscode.window.activeTextEditor;
    if (!editor || event.document !== editor.document || event.contentChanges.length === 0) return;
    if (!this.applying) this.clear('dismissed');
    if (this.enabled) this.request(PAUSE_MS);
  }

  /** Ask after `delay` ms; a newer change or request cancels this one. */
  private request(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.pending?.cancel();
    this.timer = setTimeout(() => void this.ask(), delay);
  }

  private async ask(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return;
    const source = new vscode.CancellationTokenSource();
    this.pending = source;
    const { document } = editor;
    const version = document.version;
    const params: NextEditParams = {
      textDocument: { uri: document.uri.toString() },
      position: editor.selection.active,
    };
    try {
      const result = await this.client.sendRequest<NextEditResult | null>(NextEditRequest, params, source.token);
      const stillThere = vscode.window.activeTextEditor === editor && document.version === version;
      if (result && result.edits.length > 0 && stillThere && !source.token.isCancellationRequested) {
        this.show(editor, version, result);
      }
    } catch {
      // cancelled, or failed: the server has told the user what failed
    } finally {
      if (this.pending === source) this.pending = undefined;
      source.dispose();
    }
  }

  private show(editor: vscode.TextEditor, version: number, result: NextEditResult): void {
    this.clear();
    const ranges = result.edits.map(
      (e) => new vscode.Range(e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character),
    );
    this.shown = { editor, version, result, ranges };
    editor.setDecorations(
      this.removed,
      ranges.filter((range) => !range.isEmpty),
    );
    editor.setDecorations(
      this.inserted,
      result.edits.map((edit, i) => ({
        range: new vscode.Range(ranges[i].end, ranges[i].end),
        renderOptions: {
          after: {
            contentText: shownText(edit.newText),
            backgroundColor: new vscode.ThemeColor('diffEditor.insertedTextBackground'),
            color: new vscode.ThemeColor('editor.foreground'),
          },
        },
      })),
    );
    this.moved(editor);
    void vscode.commands.executeCommand('setContext', SHOWN_CONTEXT, true);
  }

  /** The cursor moved: the hint follows it (jump from afar, accept at the edit). */
  private moved(editor: vscode.TextEditor): void {
    const shown = this.shown;
    if (!shown || shown.editor !== editor) return;
    const lines = shown.ranges.map((range) => ({ startLine: range.start.line, endLine: range.end.line }));
    const cursor = editor.selection.active.line;
    const atEdit = cursorAtEdit(cursor, lines);
    const line = atEdit ? shown.ranges[shown.ranges.length - 1].end.line : cursor;
    const end = editor.document.lineAt(line).range.end;
    editor.setDecorations(this.hints, [
      {
        range: new vscode.Range(end, end),
        renderOptions: {
          after: {
            contentText: hint(atEdit, shown.ranges[0].start.line),
            color: new vscode.ThemeColor('editorCodeLens.foreground'),
            margin: '0 0 0 2em',
          },
        },
      },
    ]);
  }

  private async jumpOrAccept(): Promise<void> {
    const shown = this.shown;
    if (!shown) return;
    const { editor, ranges } = shown;
    const lines = ranges.map((range) => ({ startLine: range.start.line, endLine: range.end.line }));
    if (cursorAtEdit(editor.selection.active.line, lines)) {
      await this.accept();
      return;
    }
    const target = ranges[0].start;
    editor.selection = new vscode.Selection(target, target);
    editor.revealRange(ranges[0], vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private async accept(): Promise<void> {
    const shown = this.shown;
    if (!shown || shown.editor.document.version !== shown.version) return;
    const { editor, result, ranges } = shown;
    const document = editor.document;
    const offsets = result.edits.map((edit, i) => ({
      start: document.offsetAt(ranges[i].start),
      end: document.offsetAt(ranges[i].end),
      newText: edit.newText,
    }));
    this.applying = true;
    try {
      const applied = await editor.edit((builder) => {
        result.edits.forEach((edit, i) => builder.replace(ranges[i], edit.newText));
      });
      if (!applied) return;
    } finally {
      this.applying = false;
    }
    const cursor = result.cursor
      ? new vscode.Position(result.cursor.line, result.cursor.character)
      : document.positionAt(offsetAfter(offsets));
    editor.selection = new vscode.Selection(cursor, cursor);
    this.clear('accepted');
  }

  /** Remove the shown edit; with an outcome, tell the server what the user did with it. */
  private clear(outcome?: NextEditOutcome['outcome']): void {
    const shown = this.shown;
    if (!shown) return;
    this.shown = undefined;
    for (const type of [this.removed, this.inserted, this.hints]) shown.editor.setDecorations(type, []);
    void vscode.commands.executeCommand('setContext', SHOWN_CONTEXT, false);
    if (outcome) {
      const params: NextEditOutcome = { id: shown.result.id, outcome };
      void this.client.sendNotification(NextEditOutcomeNotification, params);
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.pending?.cancel();
    this.clear('dismissed');
    for (const disposable of [...this.subscriptions, this.removed, this.inserted, this.hints]) disposable.dispose();
  }
}
