/**
 * Tells the server where the cursor rests (`ollama/didMoveCursor`), a moment after it stops
 * moving or another editor gets focus: the server then has the model read the prompt a
 * suggestion there will need, so the first suggestion after a pause comes from a warm cache.
 */
import * as vscode from 'vscode';
import type { OllamaClient } from './client';
import { CursorNotification, type CursorParams } from './protocol';

/** How long the cursor stays put before its place is reported. */
export const CURSOR_REST_MS = 250;

export function reportCursorRests(ollama: OllamaClient): vscode.Disposable {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const rested = (editor: vscode.TextEditor | undefined): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!editor) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (!ollama.running) return;
      const at = editor.selection.active;
      const params: CursorParams = {
        textDocument: { uri: ollama.client.code2ProtocolConverter.asUri(editor.document.uri) },
        position: { line: at.line, character: at.character },
      };
      void ollama.client.sendNotification(CursorNotification, params);
    }, CURSOR_REST_MS);
  };
  return vscode.Disposable.from(
    vscode.window.onDidChangeTextEditorSelection((event) => rested(event.textEditor)),
    vscode.window.onDidChangeActiveTextEditor(rested),
    { dispose: () => timer && clearTimeout(timer) },
  );
}
