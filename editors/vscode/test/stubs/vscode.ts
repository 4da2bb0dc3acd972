/**
 * A small stand-in for the `vscode` module: records what the extension shows and answers
 * prompts from a script (`ui.answers`), so the command logic runs under node:test.
 */

export interface Shown {
  kind: 'info' | 'warning' | 'error' | 'quickPick' | 'inputBox' | 'progress';
  text: string;
  items?: unknown[];
  options?: unknown;
}

export const ui = {
  shown: [] as Shown[],
  /** Answers for the next prompts, in order: a label (quick pick / message button) or text. */
  answers: [] as (string | undefined)[],
  progressReports: [] as { title: string; message?: string; increment?: number }[],
  cancelProgress: undefined as (() => void) | undefined,
  reset(): void {
    this.shown = [];
    this.answers = [];
    this.progressReports = [];
    this.cancelProgress = undefined;
  },
};

export class EventEmitter<T> {
  private listeners: ((value: T) => void)[] = [];
  readonly event = (listener: (value: T) => void) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(value: T): void {
    for (const l of this.listeners) l(value);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Uri {
  private constructor(readonly scheme: string, readonly path: string) {}
  static parse(value: string): Uri {
    const colon = value.indexOf(':');
    return new Uri(value.slice(0, colon), value.slice(colon + 1));
  }
  static file(path: string): Uri {
    return new Uri('file', path);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, [base.path, ...parts].join('/'));
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return `${this.scheme}:${this.path}`;
  }
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export enum ProgressLocation {
  SourceControl = 1,
  Window = 10,
  Notification = 15,
}
export enum QuickPickItemKind {
  Separator = -1,
  Default = 0,
}
export enum StatusBarAlignment {
  Left = 1,
  Right = 2,
}
export enum ViewColumn {
  Active = -1,
  Beside = -2,
  One = 1,
}

function label(item: unknown): string {
  return typeof item === 'string' ? item : (item as { label: string }).label;
}

function cancellation() {
  const emitter = new EventEmitter<void>();
  const token = { isCancellationRequested: false, onCancellationRequested: emitter.event };
  return {
    token,
    cancel: () => {
      token.isCancellationRequested = true;
      emitter.fire();
    },
  };
}

export const window = {
  activeTextEditor: undefined as unknown,
  async showQuickPick<T>(items: T[] | Promise<T[]>, options?: { title?: string }): Promise<T | undefined> {
    const list = await items;
    ui.shown.push({ kind: 'quickPick', text: options?.title ?? '', items: list, options });
    const answer = ui.answers.shift();
    return list.find((item) => label(item) === answer);
  },
  async showInputBox(options?: { title?: string }): Promise<string | undefined> {
    ui.shown.push({ kind: 'inputBox', text: options?.title ?? '', options });
    return ui.answers.shift();
  },
  async showInformationMessage(text: string, ...rest: unknown[]): Promise<string | undefined> {
    ui.shown.push({ kind: 'info', text, options: rest[0] });
    return undefined;
  },
  async showWarningMessage(text: string, ...rest: unknown[]): Promise<string | undefined> {
    ui.shown.push({ kind: 'warning', text, options: rest[0] });
    const buttons = rest.filter((r): r is string => typeof r === 'string');
    const answer = ui.answers.shift();
    return buttons.find((b) => b === answer);
  },
  async showErrorMessage(text: string): Promise<string | undefined> {
    ui.shown.push({ kind: 'error', text });
    return undefined;
  },
  async withProgress<R>(
    options: { title?: string; cancellable?: boolean },
    task: (
      progress: { report(value: { message?: string; increment?: number }): void },
      token: ReturnType<typeof cancellation>['token'],
    ) => Promise<R>,
  ): Promise<R> {
    const title = options.title ?? '';
    ui.shown.push({ kind: 'progress', text: title, options });
    const source = cancellation();
    ui.cancelProgress = source.cancel;
    return task({ report: (value) => ui.progressReports.push({ title, ...value }) }, source.token);
  },
  createStatusBarItem() {
    return { text: '', tooltip: '', name: '', command: '', backgroundColor: undefined, show() {}, dispose() {} };
  },
  async showTextDocument(): Promise<void> {},
};

export const workspace = {
  async openTextDocument(uri: Uri) {
    return { uri };
  },
  asRelativePath(uri: Uri | string): string {
    return typeof uri === 'string' ? uri : uri.path.replace(/^.*\//, '');
  },
  getConfiguration() {
    return { get: () => undefined };
  },
};
