/** Pure text for the status bar, quick picks and messages (no vscode import: unit-tested). */
import type { CatalogEntry, EndpointStatus, ListModelsResult, ModelEntry, OutcomeCounts, StatusParams } from './protocol';

/** Bytes as a short decimal size ("4.1 GB"). */
export function formatBytes(bytes: number | undefined | null): string {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes)) {
    return '?';
  }
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export interface StatusBarContent {
  text: string;
  tooltip: string;
  /** `error`: red, the model cannot answer; `warning`: something to do (pull the model). */
  severity: 'ok' | 'warning' | 'error';
}

const stateIcons: Record<StatusParams['state'], string> = {
  idle: '$(sparkle)',
  loading: '$(loading~spin)',
  generating: '$(loading~spin)',
  error: '$(error)',
  disabled: '$(circle-slash)',
};

/** The model a "not pulled" message names, if it is one. */
export function missingModel(message: string | null | undefined): string | undefined {
  return /model '([^']+)' is not pulled/.exec(message ?? '')?.[1];
}

/**
 * Status bar item from the last `ollama/status` notification: an icon for the state, the
 * model, and the last speed (`speed`, kept from the last status that had one).
 * `offFor` names the active editor's language when completion is off for it.
 */
export function statusBarContent(
  status: StatusParams | undefined,
  speed?: number,
  offFor?: string,
): StatusBarContent {
  const menu = 'Click for the Ollama menu.';
  if (!status) {
    return { text: '$(loading~spin) Ollama', tooltip: `Ollama: starting the language server\n${menu}`, severity: 'ok' };
  }
  const model = status.model ?? 'Ollama';
  const lines = [`Ollama: ${status.state}`, status.model ? `Model: ${status.model}` : '', status.message ?? ''];
  lines.push(lastSuggestion(status, speed));
  const missing = missingModel(status.message);
  if (status.state === 'error' && missing) {
    return { text: `$(cloud-download) Pull ${missing}`, tooltip: [...lines, menu].filter(Boolean).join('\n'), severity: 'warning' };
  }
  const took = typeof status.suggestionMs === 'number' ? ` · ${formatMs(status.suggestionMs)}` : '';
  const shownSpeed = typeof speed === 'number' && status.state !== 'error' ? `${took} · ${speed.toFixed(0)} tok/s` : '';
  const icon = offFor && status.state !== 'error' ? '$(circle-slash)' : stateIcons[status.state] ?? '';
  if (offFor) lines.push(`Inline suggestions are off for ${offFor}.`);
  return {
    text: `${icon} ${model}${shownSpeed}`,
    tooltip: [...lines, menu].filter(Boolean).join('\n'),
    severity: status.state === 'error' ? 'error' : 'ok',
  };
}

/** "420 ms" or "1.4 s". */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The tooltip's line on the last suggestion: its time, speed and share of the prompt from cache. */
export function lastSuggestion(status: StatusParams, speed: number | undefined): string {
  const parts: string[] = [];
  if (typeof status.suggestionMs === 'number') parts.push(formatMs(status.suggestionMs));
  if (typeof speed === 'number') parts.push(`${speed.toFixed(1)} tokens/s`);
  if (typeof status.cachedShare === 'number') {
    parts.push(`${Math.round(status.cachedShare * 100)}% of the prompt from the model's cache`);
  }
  return parts.length ? `Last suggestion: ${parts.join(', ')}` : '';
}

/** Whether the `ollama.completion.languages` / `disabledLanguages` settings turn `language` off. */
export function completionsOff(language: string, languages: readonly string[], disabled: readonly string[]): boolean {
  return disabled.includes(language) || !(languages.includes('*') || languages.includes(language));
}

/** The speed a status brings, or the one known before (the server may leave it out). */
export function lastSpeed(status: StatusParams, before: number | undefined): number | undefined {
  return typeof status.tokensPerSecond === 'number' && status.tokensPerSecond > 0 ? status.tokensPerSecond : before;
}

function percent(rate: number | null | undefined): string {
  return typeof rate === 'number' ? `${Math.round(rate * 100)}%` : '-';
}

/**
 * The status menu's row for what became of the suggestions shown (none before one was shown):
 * the share accepted, the counts, and the share accepted per language.
 */
export function outcomeRow(
  counts: (OutcomeCounts & { byLanguage?: (OutcomeCounts & { language: string })[] }) | undefined,
): { label: string; description: string; detail?: string } | undefined {
  if (!counts || !counts.shown) return undefined;
  const languages = (counts.byLanguage ?? []).map((row) => `${row.language || '?'} ${percent(row.acceptedRate)}`);
  return {
    label: `$(graph) ${percent(counts.acceptedRate)} of suggestions accepted`,
    description: `${counts.shown} shown · ${percent(counts.partialRate)} partly · ${percent(counts.dismissedRate)} dismissed`,
    detail: languages.length > 1 ? languages.join(' · ') : undefined,
  };
}

/** What a button on a server message does. */
export type NoticeAction =
  | { title: string; kind: 'pull'; model: string; use?: 'completion' | 'chat' }
  | { title: string; kind: 'command'; command: string; args?: unknown[] };

const openManager: NoticeAction = { title: 'Open Model Manager', kind: 'command', command: 'ollamaLsp.openModelManager' };
const showLogs: NoticeAction = { title: 'Show Logs', kind: 'command', command: 'ollamaLsp.showLogs' };
const settings = (query: string): NoticeAction => ({
  title: 'Open Settings',
  kind: 'command',
  command: 'workbench.action.openSettings',
  args: [query],
});

/** A server message as a notification shows it: `code` spans in quotes (no markdown there). */
export function plainMessage(text: string): string {
  return text.replace(/`([^`]+)`/g, '"$1"');
}

/** The buttons a server message gets: what a person does next about it. */
export function noticeActions(text: string, isError: boolean): NoticeAction[] {
  const missing = missingModel(text);
  if (missing) return [{ title: `Pull ${missing}`, kind: 'pull', model: missing }, openManager];
  const interrupted = /download of (\S+) was interrupted/.exec(text)?.[1] ?? /Pulling (\S+) failed: .*resumes/.exec(text)?.[1];
  if (interrupted) return [{ title: `Resume ${interrupted}`, kind: 'pull', model: interrupted }];
  if (/TLS verification failed/.test(text)) return [settings('ollama.tls'), showLogs];
  if (/not running at|connection to \S+ broke|timed out|cannot connect/.test(text)) return [settings('ollama.endpoints'), showLogs];
  if (/API key|unauthori[sz]ed|authenticat/i.test(text)) return [settings('ollama.apiKey'), showLogs];
  if (/fill-in-the-middle/.test(text)) {
    return [{ title: 'Select Model', kind: 'command', command: 'ollamaLsp.selectModel', args: ['completion'] }, openManager];
  }
  if (/not enough memory/.test(text)) return [openManager];
  return isError ? [showLogs] : [];
}

export interface ModelPickItem {
  label: string;
  description: string;
  detail: string;
  model: string;
}

/** What one model is, in one line: size, quantization, FIM support. */
export function modelDescription(entry: ModelEntry | CatalogEntry): string {
  const size = 'sizeBytes' in entry ? entry.sizeBytes : (entry as ModelEntry).size;
  const parts = [formatBytes(size)];
  if (entry.parameterSize) parts.push(entry.parameterSize);
  if (entry.quantization) parts.push(entry.quantization);
  parts.push(entry.supportsFim ? 'FIM' : 'no FIM');
  return parts.join(' · ');
}

/** Quick pick items for Select Model: pulled models with loaded state and roles. */
export function modelPickItems(result: ListModelsResult): ModelPickItem[] {
  return result.models.map((m) => {
    const detail = [m.loaded ? '$(circle-filled) loaded' : '$(circle-outline) not loaded'];
    if (m.roles && m.roles.length > 0) detail.push(`used for ${m.roles.join(' and ')}`);
    if (m.family) detail.push(m.family);
    return { label: m.name, description: modelDescription(m), detail: detail.join(' · '), model: m.name };
  });
}

/** Quick pick items for Pull Model: catalog models not pulled yet, warning when they may not fit. */
export function catalogPickItems(result: ListModelsResult): ModelPickItem[] {
  return (result.catalog ?? [])
    .filter((c) => !c.pulled)
    .map((c) => ({
      label: c.name,
      description: modelDescription(c),
      detail: c.fits === false ? '$(warning) may not fit in this machine\'s memory' : (c.family ?? ''),
      model: c.name,
    }));
}

export interface PickGroup {
  label: string;
  items: ModelPickItem[];
}

/** Pull Model's list: what the server recommends for this machine first, then the catalog. */
export function pullPickGroups(result: ListModelsResult): PickGroup[] {
  const all = catalogPickItems(result);
  const recommended = (result.recommended ?? [])
    .filter((r) => !r.pulled)
    .map((r) => {
      const item = all.find((i) => i.model === r.model);
      return {
        label: `$(star-full) ${r.model}`,
        description: item?.description ?? '',
        detail: r.reason, // it begins with the role: "completion: ..."
        model: r.model,
      };
    });
  const rest = all.filter((i) => !recommended.some((r) => r.model === i.model));
  const groups = [{ label: 'Recommended for this machine', items: recommended }, { label: 'All models', items: rest }];
  return groups.filter((g) => g.items.length > 0);
}

/** One endpoint for the menu: engine, loaded models, latency to the first token, share. */
export function endpointSummary(e: EndpointStatus): string {
  const parts = [e.api === 'openai' ? 'OpenAI-compatible' : `Ollama ${e.version ?? ''}`.trim()];
  if (e.loadedModels?.length) parts.push(`loaded: ${e.loadedModels.join(', ')}`);
  if (typeof e.latencyMs === 'number') parts.push(`${Math.round(e.latencyMs)} ms to first token`);
  if (e.requests) parts.push(`${Math.round((e.share ?? 0) * 100)}% of requests`);
  return parts.join(' · ');
}
