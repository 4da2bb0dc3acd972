/** Pure text for the status bar, quick picks and messages (no vscode import: unit-tested). */
import type { CatalogEntry, ListModelsResult, ModelEntry, StatusParams, StatusResult } from './protocol';

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
  error: boolean;
}

const stateIcons: Record<StatusParams['state'], string> = {
  idle: '$(check)',
  loading: '$(loading~spin)',
  generating: '$(loading~spin)',
  error: '$(error)',
  disabled: '$(circle-slash)',
};

/** Status bar item text from the last `ollama/status` notification. */
export function statusBarContent(status: StatusParams | undefined): StatusBarContent {
  if (!status) {
    return { text: '$(loading~spin) Ollama', tooltip: 'Ollama: starting the language server', error: false };
  }
  const model = status.model ? ` ${status.model}` : '';
  let speed = '';
  if (status.state === 'generating' && typeof status.tokensPerSecond === 'number') {
    speed = ` ${status.tokensPerSecond.toFixed(0)} tok/s`;
  }
  const tooltip = [`Ollama: ${status.state}`, status.model ? `Model: ${status.model}` : '', status.message ?? '']
    .filter(Boolean)
    .join('\n');
  return { text: `${stateIcons[status.state] ?? ''}${model}${speed}`, tooltip, error: status.state === 'error' };
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

/** The `ollama.status` result as lines for a modal message. */
export function statusLines(s: StatusResult): string[] {
  const lines = [
    `Completion model: ${s.roles?.completion ?? '-'}`,
    `Chat model: ${s.roles?.chat ?? '-'}`,
  ];
  for (const e of s.endpoints ?? []) {
    lines.push(`${e.url}: ${e.healthy ? `ok, Ollama ${e.version ?? '?'}` : `unreachable (${e.error ?? 'no answer'})`}`);
  }
  for (const err of s.lastErrors ?? []) {
    const text = typeof err === 'string' ? err : (err as { message?: string }).message ?? JSON.stringify(err);
    lines.push(`Error: ${text}`);
  }
  return lines;
}
