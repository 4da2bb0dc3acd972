/** The Model Manager webview panel: one at a time; page template in media/, script bundled in out/bundle/. */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { deleteModel, switchModel } from './commands';
import type { FromPage, ToPage } from './managerMessages';
import { ModelManagerHost } from './modelManagerHost';
import type { OllamaServer } from './server';

/** Fill the page template: CSP source, nonce and resource URIs. */
export function renderPage(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? '');
}

export class ModelManagerPanel {
  private static current: ModelManagerPanel | undefined;

  static show(extensionUri: vscode.Uri, server: OllamaServer): ModelManagerPanel {
    if (ModelManagerPanel.current) {
      ModelManagerPanel.current.panel.reveal();
      return ModelManagerPanel.current;
    }
    const panel = vscode.window.createWebviewPanel('ollamaLsp.modelManager', 'Ollama Models', vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'out', 'bundle')],
    });
    ModelManagerPanel.current = new ModelManagerPanel(panel, extensionUri, server);
    return ModelManagerPanel.current;
  }

  private readonly host: ModelManagerHost;
  private readonly disposables: vscode.Disposable[] = [];

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    server: OllamaServer,
  ) {
    const webview = panel.webview;
    const template = fs.readFileSync(vscode.Uri.joinPath(extensionUri, 'media', 'modelManager.html').fsPath, 'utf8');
    webview.html = renderPage(template, {
      cspSource: webview.cspSource,
      nonce: crypto.randomBytes(16).toString('base64'),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'modelManager.css')).toString(),
      scriptUri: webview
        .asWebviewUri(vscode.Uri.joinPath(extensionUri, 'out', 'bundle', 'modelManager.js'))
        .toString(),
    });
    this.host = new ModelManagerHost(server, (message: ToPage) => void webview.postMessage(message), {
      switchModel: (model, role) => switchModel(server, model, role),
      deleteModel: (model) => deleteModel(server, model),
    });
    this.disposables.push(
      webview.onDidReceiveMessage((message: FromPage) => this.host.handle(message)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** Models changed elsewhere (a command): show the new list. */
  static refresh(): void {
    void ModelManagerPanel.current?.host.refresh();
  }

  dispose(): void {
    ModelManagerPanel.current = undefined;
    this.host.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
