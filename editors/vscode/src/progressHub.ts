/**
 * Work-done progress from the server, as events: the pull command, the Model Manager's progress
 * bars and the generic notification all read the same stream. No vscode import (unit-tested).
 */

export type ProgressToken = string | number;

export interface ProgressValue {
  kind: 'begin' | 'report' | 'end';
  title?: string;
  message?: string;
  percentage?: number;
  cancellable?: boolean;
}

export interface ProgressEvent {
  token: ProgressToken;
  kind: ProgressValue['kind'];
  /** The begin title, carried over to report and end. */
  title: string;
  message?: string;
  percentage?: number;
  cancellable: boolean;
}

/** A listener returns true to claim the progress (it displays it; nobody else needs to). */
export type ProgressListener = (event: ProgressEvent) => boolean | void;

export class ProgressHub {
  private readonly running = new Map<ProgressToken, ProgressEvent>();
  private readonly listeners = new Set<ProgressListener>();
  private readonly claimed = new Set<ProgressToken>();
  private fallback: ProgressListener | undefined;

  /** Listen to every event; returns a function that stops listening. */
  listen(listener: ProgressListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Shown for progress nobody claimed (e.g. a model load started by a completion). */
  setFallback(listener: ProgressListener): void {
    this.fallback = listener;
  }

  /** Feed one `$/progress` value. */
  handle(token: ProgressToken, value: ProgressValue): ProgressEvent {
    const previous = this.running.get(token);
    const event: ProgressEvent = {
      token,
      kind: value.kind,
      title: value.title ?? previous?.title ?? '',
      message: value.message ?? previous?.message,
      percentage: value.percentage ?? previous?.percentage,
      cancellable: value.cancellable ?? previous?.cancellable ?? false,
    };
    if (value.kind === 'end') {
      this.running.delete(token);
    } else {
      this.running.set(token, event);
    }
    let claimed = this.claimed.has(token);
    for (const listener of [...this.listeners]) {
      if (listener(event) === true) claimed = true;
    }
    if (claimed) {
      this.claimed.add(token);
    } else {
      this.fallback?.(event);
    }
    if (value.kind === 'end') this.claimed.delete(token);
    return event;
  }

  /** Progress currently running, oldest first. */
  active(): ProgressEvent[] {
    return [...this.running.values()];
  }
}

/** Whether a progress is about `model`: its title ("Pulling qwen2.5-coder:1.5b") or message names it. */
export function concernsModel(event: ProgressEvent, model: string): boolean {
  return event.title.includes(model) || (event.message?.includes(model) ?? false);
}

/**
 * Follow the progress of one model (a pull, a load): every token whose begin or any update names
 * the model, until its end. Claims those events; returns a function that stops following.
 */
export function followModel(hub: ProgressHub, model: string, onEvent: (event: ProgressEvent) => void): () => void {
  const tokens = new Set<ProgressToken>();
  return hub.listen((event) => {
    if (!tokens.has(event.token) && !concernsModel(event, model)) return false;
    tokens.add(event.token);
    if (event.kind === 'end') tokens.delete(event.token);
    onEvent(event);
    return true;
  });
}
