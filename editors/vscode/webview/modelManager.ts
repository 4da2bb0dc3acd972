/**
 * The Model Manager page: plain DOM, fed by messages from the extension (see managerMessages.ts).
 * Text goes in through textContent only, so model names can never inject markup. The tables
 * have a fixed layout: a pull's progress or error replaces cells of its row, never its height.
 */
import { formatBytes } from '../src/format.js';
import type { FromPage, ToPage } from '../src/managerMessages';
import type { CatalogEntry, ListModelsResult, ModelEntry, Recommendation, Role, ShowModelResult } from '../src/protocol';

interface VsCodeApi {
  postMessage(message: FromPage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface Pull {
  percentage?: number;
  message?: string;
  error?: string;
}

/** One catalog model with its levels (the catalog lists each level as its own tag). */
interface Group {
  key: string;
  levels: CatalogEntry[];
}

const vscode = acquireVsCodeApi();
let models: ListModelsResult = { models: [], catalog: [] };
const pulls = new Map<string, Pull>();
const chosen = new Set<string>();
/** The level picked in each catalog row, by group key. */
const pickedLevel = new Map<string, string>();

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

function send(message: FromPage): void {
  vscode.postMessage(message);
}

function button(label: string, action: string, model: string, onClick: () => void, kind = 'secondary'): HTMLButtonElement {
  const b = el('button', { textContent: label, className: kind });
  b.dataset.action = action;
  b.dataset.model = model;
  b.addEventListener('click', onClick);
  return b;
}

/** A cell whose text may be cut: the whole text shows on hover. */
function cell(text: string, className = ''): HTMLTableCellElement {
  return el('td', { className, textContent: text, title: text });
}

const canComplete = (m: ModelEntry): boolean => m.supportsFim === true;
/** Embedding models cannot chat; a model whose capabilities are unknown is given the chance. */
const canChat = (m: ModelEntry): boolean => !m.capabilities?.length || m.capabilities.includes('completion');

function badges(entry: ModelEntry | CatalogEntry): HTMLTableCellElement {
  const td = el('td', { className: 'badges' });
  const embedding = 'capabilities' in entry && entry.capabilities?.includes('embedding');
  if (embedding) td.append(el('span', { className: 'badge muted', textContent: 'embedding' }));
  else td.append(el('span', { className: entry.supportsFim ? 'badge fim' : 'badge muted', textContent: entry.supportsFim ? 'FIM' : 'no FIM' }));
  if ('loaded' in entry && entry.loaded) td.append(el('span', { className: 'badge loaded', textContent: 'loaded' }));
  if ('recommended' in entry && entry.recommended) td.append(el('span', { className: 'badge star', textContent: '★ pick' }));
  if ('fits' in entry && entry.fits === false) {
    td.append(el('span', { className: 'badge warn', textContent: 'may not fit', title: "larger than this machine's free memory" }));
  }
  return td;
}

/** "✓ completion" for the role's model, a button for a model that can take the role, else nothing. */
function roleSlot(m: ModelEntry, role: Role): HTMLElement {
  const slot = el('span', { className: `slot ${role}` });
  if (m.roles?.includes(role)) {
    slot.append(el('span', { className: 'in-use', textContent: `✓ ${role}`, title: `the ${role} model` }));
  } else if (role === 'completion' ? canComplete(m) : canChat(m)) {
    slot.append(button(role === 'completion' ? 'Completion' : 'Chat', `switch-${role}`, m.name, () => send({ type: 'switch', model: m.name, role })));
  }
  return slot;
}

function openMenu(anchor: HTMLElement, model: string): void {
  const menu = $('menu');
  const remove = el('button', { className: 'destructive', textContent: `Delete ${model}…` });
  remove.dataset.action = 'delete';
  remove.dataset.model = model;
  remove.addEventListener('click', () => {
    closeMenu();
    send({ type: 'delete', model });
  });
  menu.replaceChildren(remove);
  const box = anchor.getBoundingClientRect();
  menu.hidden = false;
  menu.style.top = `${box.bottom + window.scrollY + 2}px`;
  menu.style.left = `${Math.max(8, box.right + window.scrollX - menu.offsetWidth)}px`;
  remove.focus();
}

function closeMenu(): void {
  $('menu').hidden = true;
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
    const more = button('⋯', 'more', m.name, () => openMenu(more, m.name), 'icon');
    more.title = 'More actions';
    more.setAttribute('aria-label', `more actions for ${m.name}`);
    const details = [formatBytes(m.size), m.parameterSize, m.quantization].filter(Boolean).join(' · ');
    const row = el(
      'tr',
      {},
      el('td', {}, check),
      cell(m.name, 'name'),
      cell(details),
      badges(m),
      el('td', { className: 'use' }, roleSlot(m, 'completion'), roleSlot(m, 'chat'), more),
    );
    row.dataset.model = m.name;
    body.append(row);
  }
  $('installed-empty').hidden = models.models.length > 0;
}

/** `qwen2.5-coder:1.5b-base-q4_K_M` -> `qwen2.5-coder:1.5b-base`: the tag without its level. */
function groupKey(tag: string): string {
  const dash = tag.lastIndexOf('-');
  return dash > tag.indexOf(':') ? tag.slice(0, dash) : tag;
}

function groups(): Group[] {
  const byKey = new Map<string, Group>();
  for (const c of models.catalog ?? []) {
    if (c.pulled) continue;
    const key = groupKey(c.name);
    const group = byKey.get(key) ?? { key, levels: [] };
    group.levels.push(c);
    byKey.set(key, group);
  }
  return [...byKey.values()];
}

/** The level shown in a row: the one picked, else a recommended one, else the first that fits. */
function shownLevel(group: Group): CatalogEntry {
  const picked = group.levels.find((c) => c.name === pickedLevel.get(group.key));
  return picked ?? group.levels.find((c) => c.recommended) ?? group.levels.find((c) => c.fits !== false) ?? group.levels[0];
}

/** The pull running (or failed) for a row: of its shown tag, any of its tags, or its bare name. */
function pullOf(group: Group): [string, Pull] | undefined {
  for (const name of [shownLevel(group).name, ...group.levels.map((c) => c.name), group.key]) {
    const pull = pulls.get(name);
    if (pull) return [name, pull];
  }
  return undefined;
}

function matches(group: Group, filter: string): boolean {
  if (!filter) return true;
  const c = group.levels[0];
  const words = [group.key, c.family, c.parameterSize, c.supportsFim ? 'fim completion' : 'chat instruct', ...group.levels.map((l) => l.quantization)];
  const text = words.join(' ').toLowerCase();
  return filter.split(/\s+/).every((word) => text.includes(word));
}

function levelPicker(group: Group, current: CatalogEntry, busy: boolean): HTMLTableCellElement {
  const select = el('select');
  select.setAttribute('aria-label', `level of ${group.key}`);
  select.dataset.model = group.key;
  for (const c of group.levels) {
    const fits = c.fits === false ? ' · may not fit' : '';
    const option = el('option', { textContent: `${c.quantization ?? '?'} · ${formatBytes(c.sizeBytes)}${fits}` });
    option.value = c.name;
    option.selected = c.name === current.name;
    select.append(option);
  }
  select.disabled = busy || group.levels.length === 1;
  select.addEventListener('change', () => {
    pickedLevel.set(group.key, select.value);
    renderCatalog();
  });
  return el('td', {}, select);
}

/** Progress (or the failure) of a pull across the level, parameter and capability cells. */
function pullCells(name: string, pull: Pull): HTMLTableCellElement {
  const td = el('td', { className: 'progress' });
  td.colSpan = 3;
  if (pull.error) {
    td.className = 'row-error';
    td.textContent = `⚠ ${pull.error}`;
    td.title = pull.error;
    td.setAttribute('role', 'alert');
    return td;
  }
  const bar = el('progress');
  bar.max = 100;
  if (typeof pull.percentage === 'number') bar.value = pull.percentage;
  bar.setAttribute('aria-label', `pulling ${name}`);
  const label = typeof pull.percentage === 'number' ? `${Math.round(pull.percentage)}%` : '';
  const text = [label, pull.message ?? ''].filter(Boolean).join(' · ');
  td.append(el('div', { className: 'progress-line' }, bar, el('span', { className: 'progress-text', textContent: text, title: text })));
  return td;
}

function renderCatalog(): void {
  const body = $('catalog').querySelector('tbody') as HTMLTableSectionElement;
  body.replaceChildren();
  const filter = ($('filter') as HTMLInputElement).value.trim().toLowerCase();
  const all = groups();
  const known = new Set(all.flatMap((g) => [g.key, ...g.levels.map((c) => c.name)]));
  // A pull of a model the catalog does not list (typed by name) gets a row of its own.
  const others: Group[] = [...pulls.keys()]
    .filter((name) => !known.has(name) && !models.models.some((m) => m.name === name))
    .map((name) => ({ key: name, levels: [{ name }] }));
  const shown = [...others, ...all.filter((g) => matches(g, filter))];
  for (const group of shown) {
    const current = shownLevel(group);
    const running = pullOf(group);
    const action = el('td', { className: 'actions' });
    const cells: HTMLTableCellElement[] = [];
    if (running && !running[1].error) {
      cells.push(pullCells(running[0], running[1]));
      action.append(button('Cancel', 'cancel', running[0], () => send({ type: 'cancelPull', model: running[0] })));
    } else {
      if (running) cells.push(pullCells(running[0], running[1]));
      else cells.push(levelPicker(group, current, false), cell(current.parameterSize ?? ''), badges(current));
      const label = running ? 'Retry' : 'Pull';
      action.append(
        button(label, 'pull', current.name, () => {
          for (const name of [group.key, ...group.levels.map((c) => c.name)]) pulls.delete(name);
          pulls.set(current.name, { percentage: 0, message: 'starting' });
          renderCatalog();
          send({ type: 'pull', model: current.name });
        }, 'primary'),
      );
    }
    const row = el('tr', {}, cell(group.key, 'name'), ...cells, action);
    row.dataset.model = group.key;
    body.append(row);
  }
  $('catalog-empty').hidden = shown.length > 0;
  $('catalog-empty').textContent = all.length ? 'No model matches the filter.' : 'Every catalog model is pulled.';
}

function renderRecommendations(): void {
  const list = models.recommended ?? [];
  const box = $('recommendations');
  box.replaceChildren(...list.map(recommendation));
  $('recommended').hidden = list.length === 0;
}

function recommendation(r: Recommendation): HTMLElement {
  const installed = models.models.find((m) => m.name === r.model);
  const act = el('div', { className: 'act' });
  if (installed?.roles?.includes(r.role)) act.append(el('span', { className: 'in-use', textContent: `✓ ${r.role}` }));
  else if (r.pulled) act.append(button(`Use for ${r.role}`, `use-${r.role}`, r.model, () => send({ type: 'switch', model: r.model, role: r.role })));
  else if (pulls.has(r.model)) act.append(el('span', { className: 'muted', textContent: 'pulling…' }));
  else {
    act.append(
      button('Pull and use', 'pull-use', r.model, () => {
        pulls.set(r.model, { percentage: 0, message: 'starting' });
        render();
        send({ type: 'pull', model: r.model, use: r.role });
      }, 'primary'),
    );
  }
  const card = el(
    'div',
    { className: 'recommendation' },
    el('span', { className: 'role', textContent: r.role }),
    el('span', { className: 'model', textContent: r.model, title: r.model }),
    act,
    el('span', { className: 'reason', textContent: r.reason, title: r.reason }),
  );
  card.dataset.role = r.role;
  return card;
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
    ['Parameters', (d) => d.details?.parameter_size ?? ''],
    ['Quantization', (d) => d.details?.quantization_level ?? ''],
    ['Size on disk', (d) => formatBytes(sizes.get(d.name))],
    ['Context length', (d) => (d.contextLength ? d.contextLength.toLocaleString('en-US') : '?')],
    ['Fill-in-the-middle', (d) => (d.supportsFim ? 'yes' : 'no')],
    ['Capabilities', (d) => (d.capabilities ?? []).join(', ')],
  ];
  const head = el('tr', {}, el('th', { textContent: '', className: 'row-label' }), ...details.map((d) => el('th', { textContent: d.name, title: d.name })));
  const body = rows.map(([label, value]) => {
    const values = details.map(value);
    const row = el('tr', {}, el('th', { textContent: label, className: 'row-label' }), ...values.map((v) => cell(v)));
    if (new Set(values).size > 1) row.classList.add('differs');
    return row;
  });
  table.replaceChildren(el('thead', {}, head), el('tbody', {}, ...body));
  $('comparison-box').hidden = false;
  $('comparison-box').scrollIntoView({ block: 'nearest' });
}

function showError(message: string): void {
  const box = $('error');
  box.textContent = message;
  box.hidden = false;
}

function render(): void {
  renderRecommendations();
  renderInstalled();
  renderCatalog();
  updateCompareButton();
}

function receive(message: ToPage): void {
  switch (message.type) {
    case 'models':
      models = message.data;
      $('error').hidden = true;
      for (const name of [...chosen]) if (!models.models.some((m) => m.name === name)) chosen.delete(name);
      render();
      break;
    case 'progress':
      if (message.error) pulls.set(message.model, { error: message.error });
      else if (message.done) pulls.delete(message.model);
      else pulls.set(message.model, { percentage: message.percentage, message: message.message });
      renderRecommendations();
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
$('close-comparison').addEventListener('click', () => ($('comparison-box').hidden = true));
$('filter').addEventListener('input', renderCatalog);
document.addEventListener('click', (event) => {
  const target = event.target as HTMLElement;
  if (!target.closest('#menu') && !target.closest('button[data-action="more"]')) closeMenu();
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') closeMenu();
});
updateCompareButton();
send({ type: 'ready' });
