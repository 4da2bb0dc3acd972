/**
 * The Model Manager page: plain DOM, fed by messages from the extension (see managerMessages.ts).
 * Text goes in through textContent only, so model names can never inject markup.
 */
import { formatBytes } from '../src/format.js';
import type { FromPage, ToPage } from '../src/managerMessages';
import type { CatalogEntry, ListModelsResult, ModelEntry, ShowModelResult } from '../src/protocol';

interface VsCodeApi {
  postMessage(message: FromPage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
let models: ListModelsResult = { models: [], catalog: [] };
const progress = new Map<string, { percentage?: number; message?: string }>();
const chosen = new Set<string>();

function $(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (!found) throw new Error(`missing #${id}`);
  return found;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<'className' | 'textContent' | 'title', string>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

function button(label: string, action: string, model: string, onClick: () => void, primary = false): HTMLButtonElement {
  const b = el('button', { textContent: label, className: primary ? 'primary' : 'secondary' });
  b.dataset.action = action;
  b.dataset.model = model;
  b.addEventListener('click', onClick);
  return b;
}

function badges(entry: ModelEntry | CatalogEntry): HTMLElement {
  const cell = el('td', { className: 'badges' });
  cell.append(el('span', { className: entry.supportsFim ? 'badge fim' : 'badge muted', textContent: entry.supportsFim ? 'FIM' : 'no FIM' }));
  if ('loaded' in entry && entry.loaded) cell.append(el('span', { className: 'badge loaded', textContent: 'loaded' }));
  for (const role of ('roles' in entry ? entry.roles : undefined) ?? []) {
    cell.append(el('span', { className: 'badge role', textContent: role }));
  }
  if ('fits' in entry && entry.fits === false) {
    cell.append(el('span', { className: 'badge warn', textContent: 'may not fit', title: "larger than this machine's free memory" }));
  }
  return cell;
}

function send(message: FromPage): void {
  vscode.postMessage(message);
}

function renderInstalled(): void {
  const body = $('installed').querySelector('tbody') as HTMLTableSectionElement;
  body.replaceChildren();
  for (const m of models.models) {
    const check = el('input');
    check.type = 'checkbox';
    check.className = 'compare-pick';
    check.dataset.model = m.name;
    check.checked = chosen.has(m.name);
    check.setAttribute('aria-label', `compare ${m.name}`);
    check.addEventListener('change', () => {
      if (check.checked) chosen.add(m.name);
      else chosen.delete(m.name);
      updateCompareButton();
    });
    const row = el(
      'tr',
      {},
      el('td', {}, check),
      el('td', { className: 'name', textContent: m.name }),
      el('td', { textContent: formatBytes(m.size) }),
      el('td', { textContent: m.parameterSize ?? '' }),
      el('td', { textContent: m.quantization ?? '' }),
      badges(m),
      el(
        'td',
        { className: 'actions' },
        button('Use for completion', 'switch-completion', m.name, () => send({ type: 'switch', model: m.name, role: 'completion' }), true),
        button('Use for chat', 'switch-chat', m.name, () => send({ type: 'switch', model: m.name, role: 'chat' })),
        button('Delete', 'delete', m.name, () => send({ type: 'delete', model: m.name })),
      ),
    );
    row.dataset.model = m.name;
    body.append(row);
  }
  $('installed-empty').hidden = models.models.length > 0;
}

function pullCell(c: CatalogEntry): HTMLElement {
  const cell = el('td', { className: 'actions' });
  const running = progress.get(c.name);
  if (!running) {
    cell.append(
      button('Pull', 'pull', c.name, () => {
        progress.set(c.name, { percentage: 0, message: 'starting' });
        renderCatalog();
        send({ type: 'pull', model: c.name });
      }, true),
    );
    return cell;
  }
  const bar = el('progress');
  bar.max = 100;
  if (typeof running.percentage === 'number') bar.value = running.percentage;
  bar.setAttribute('aria-label', `pulling ${c.name}`);
  const label = typeof running.percentage === 'number' ? `${Math.round(running.percentage)}%` : '';
  cell.append(
    bar,
    el('span', { className: 'progress-text', textContent: [label, running.message ?? ''].filter(Boolean).join(' · ') }),
    button('Cancel', 'cancel', c.name, () => send({ type: 'cancelPull', model: c.name })),
  );
  return cell;
}

function renderCatalog(): void {
  const body = $('catalog').querySelector('tbody') as HTMLTableSectionElement;
  body.replaceChildren();
  const available = (models.catalog ?? []).filter((c) => !c.pulled);
  for (const c of available) {
    const row = el(
      'tr',
      {},
      el('td', { className: 'name', textContent: c.name }),
      el('td', { textContent: formatBytes(c.sizeBytes) }),
      el('td', { textContent: c.parameterSize ?? '' }),
      el('td', { textContent: c.quantization ?? '' }),
      badges(c),
      pullCell(c),
    );
    row.dataset.model = c.name;
    body.append(row);
  }
  $('catalog-empty').hidden = available.length > 0;
}

function updateCompareButton(): void {
  const b = $('compare') as HTMLButtonElement;
  b.disabled = chosen.size !== 2;
  b.textContent = chosen.size === 2 ? `Compare ${[...chosen].join(' and ')}` : 'Tick two models to compare';
}

function renderComparison(details: ShowModelResult[]): void {
  const table = $('comparison');
  const sizes = new Map(models.models.map((m) => [m.name, m.size]));
  const rows: [string, (d: ShowModelResult) => string][] = [
    ['Family', (d) => d.details?.family ?? ''],
    ['Parameters', (d) => d.details?.parameterSize ?? ''],
    ['Quantization', (d) => d.details?.quantizationLevel ?? ''],
    ['Size on disk', (d) => formatBytes(sizes.get(d.name))],
    ['Context length', (d) => (d.contextLength ? d.contextLength.toLocaleString('en-US') : '?')],
    ['Fill-in-the-middle', (d) => (d.supportsFim ? 'yes' : 'no')],
    ['Capabilities', (d) => (d.capabilities ?? []).join(', ')],
  ];
  const head = el('tr', {}, el('th', { textContent: '' }), ...details.map((d) => el('th', { textContent: d.name })));
  const body = rows.map(([label, value]) => {
    const values = details.map(value);
    const row = el('tr', {}, el('th', { textContent: label, className: 'row-label' }), ...values.map((v) => el('td', { textContent: v })));
    if (new Set(values).size > 1) row.classList.add('differs');
    return row;
  });
  table.replaceChildren(el('thead', {}, head), el('tbody', {}, ...body));
  table.hidden = false;
}

function showError(message: string): void {
  const box = $('error');
  box.textContent = message;
  box.hidden = false;
}

function receive(message: ToPage): void {
  switch (message.type) {
    case 'models':
      models = message.data;
      $('error').hidden = true;
      for (const name of [...chosen]) if (!models.models.some((m) => m.name === name)) chosen.delete(name);
      renderInstalled();
      renderCatalog();
      updateCompareButton();
      break;
    case 'progress':
      if (message.done) progress.delete(message.model);
      else progress.set(message.model, { percentage: message.percentage, message: message.message });
      renderCatalog();
      break;
    case 'comparison':
      renderComparison(message.models);
      break;
    case 'error':
      showError(message.message);
      break;
  }
}

window.addEventListener('message', (event: MessageEvent<ToPage>) => receive(event.data));
$('refresh').addEventListener('click', () => send({ type: 'refresh' }));
$('compare').addEventListener('click', () => send({ type: 'compare', models: [...chosen] }));
updateCompareButton();
send({ type: 'ready' });
