/**
 * Drives VS Code (code-server) in Chromium for the Python code-server suite
 * (tests/editors/test_vscode_code_server.py): one scenario per run, observations printed as
 * one JSON line. Usage: node out/test/e2e/codeServer.js '{"scenario": ..., "url": ..., ...}'
 */
import { chromium, type Frame, type Page } from 'playwright-core';
import { chromiumArgs, findChromium } from '../chromium';

interface Args {
  scenario: keyof typeof scenarios;
  /** code-server URL with ?folder=... */
  url: string;
  file: string;
  /** The completion model the status bar should name once the server is up. */
  completionModel: string;
  /** The model a scenario pulls or switches to. */
  model?: string;
  /** Two installed models to compare. */
  models?: string[];
  /** A screenshot of the window when the scenario ends. */
  screenshot?: string;
  /** Where the `shots` scenario writes the pictures for the docs, and their name's suffix. */
  shotsDir?: string;
  theme?: string;
}

const STATUS_ITEM = '[id="ollama-lsp.ollama-lsp.ollamaLsp.status"]';
const TIMEOUT = 60_000;

async function openWorkbench(page: Page, args: Args, ready: string = args.completionModel): Promise<string> {
  await page.goto(args.url);
  await page.waitForSelector('.monaco-workbench', { timeout: TIMEOUT });
  // The extension is up and the server answered once the status bar names the model.
  const status = page.locator(STATUS_ITEM);
  await status.filter({ hasText: ready }).waitFor({ timeout: TIMEOUT });
  return (await status.getAttribute('aria-label')) ?? '';
}

async function statusLabel(page: Page): Promise<string> {
  return (await page.locator(STATUS_ITEM).getAttribute('aria-label')) ?? '';
}

interface Toast {
  text: string;
  buttons: string[];
  progress: boolean;
  width: string;
}

/** The notifications on screen: text, buttons, whether a progress bar runs and how far. */
async function toasts(page: Page): Promise<Toast[]> {
  return page.$$eval('.notifications-toasts .notification-toast', (els) =>
    els.map((el) => {
      const bit = el.querySelector<HTMLElement>('.monaco-progress-container .progress-bit');
      const container = el.querySelector('.monaco-progress-container');
      return {
        text: (el.querySelector('.notification-list-item-message')?.textContent ?? '').trim(),
        buttons: [...el.querySelectorAll('.notification-list-item-buttons-container .monaco-button')].map((b) => (b.textContent ?? '').trim()),
        progress: !!container && !container.classList.contains('done') && !!bit && bit.style.display !== 'none',
        width: bit?.style.width ?? '',
      };
    }),
  );
}

/** Every distinct notification seen until `done` holds (then `settle` ms more), in order. */
async function watchToasts(page: Page, done: (seen: Toast[]) => boolean, settle = 0): Promise<Toast[]> {
  const seen: Toast[] = [];
  const deadline = Date.now() + TIMEOUT;
  let until = Infinity;
  while (Date.now() < until) {
    for (const toast of await toasts(page)) {
      if (!seen.some((t) => t.text === toast.text && t.width === toast.width && t.progress === toast.progress)) seen.push(toast);
    }
    if (until === Infinity && done(seen)) until = Date.now() + settle;
    if (Date.now() > deadline) throw new Error(`gave up watching the notifications: ${JSON.stringify(seen)}`);
    await page.waitForTimeout(50);
  }
  return seen;
}

/** The frame of a webview whose page has `selector`. */
async function webview(page: Page, selector: string): Promise<Frame> {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    for (const frame of page.frames()) {
      if (await frame.$(selector).catch(() => null)) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no webview shows ${selector}`);
    await page.waitForTimeout(100);
  }
}

/** Type into the open quick pick's filter once its rows have loaded, and wait for a row with `text`. */
async function filterQuickPick(page: Page, text: string): Promise<void> {
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: TIMEOUT });
  await page.locator('.quick-input-widget input').fill(text);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first().waitFor();
}

/** Open the quick input with `key`, type `text` and accept the row that shows it. */
async function quickPick(page: Page, key: string, text: string): Promise<void> {
  await page.keyboard.press(key);
  await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
  await page.keyboard.type(text);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first().waitFor();
  await page.keyboard.press('Enter');
}

async function openFile(page: Page, file: string): Promise<void> {
  await quickPick(page, 'Control+P', file);
  await page.locator('.monaco-editor .view-lines').first().waitFor();
  await page.locator(`.tab.active[aria-label*="${file}"]`).waitFor();
}

/** The editor's visible lines, top to bottom, without ghost text. */
async function editorLines(page: Page): Promise<string[]> {
  return page.$$eval('.monaco-editor .view-lines .view-line', (lines) =>
    lines
      .map((line) => {
        const copy = line.cloneNode(true) as HTMLElement;
        copy.querySelectorAll('[class*="ghost-text"]').forEach((ghost) => ghost.remove());
        return { top: parseFloat((line as HTMLElement).style.top) || 0, text: copy.textContent ?? '' };
      })
      .sort((a, b) => a.top - b.top)
      .map((line) => line.text.replace(/\u00a0/g, ' ')),
  );
}

/** The ghost text on the cursor's line. */
async function ghostText(page: Page): Promise<string> {
  return page.$$eval('.monaco-editor .view-lines .ghost-text-decoration', (els) =>
    els.map((e) => e.textContent ?? '').join('').replace(/\u00a0/g, ' '),
  );
}

async function inline(page: Page, args: Args): Promise<Record<string, unknown>> {
  const statusBefore = await openWorkbench(page, args);
  await openFile(page, args.file);
  await page.click('.monaco-editor .view-lines');
  await page.keyboard.press('Control+End');
  await page.keyboard.type('def add(a, b):');
  await page.keyboard.press('Enter');
  await page.locator('.monaco-editor .ghost-text-decoration').first().waitFor({ timeout: TIMEOUT });
  const ghost = await ghostText(page);
  await page.keyboard.press('Tab');
  await page.waitForFunction(() => document.querySelectorAll('.monaco-editor .ghost-text-decoration').length === 0);
  const lines = await editorLines(page);
  return { statusBefore, ghost, lines, status: await page.locator(STATUS_ITEM).getAttribute('aria-label') };
}

async function pull(page: Page, args: Args): Promise<Record<string, unknown>> {
  const model = args.model ?? '';
  await openWorkbench(page, args);
  await runCommand(page, 'Ollama: Pull Model');
  // The list is virtualised: once the catalog has loaded, filter to the model, then pick it.
  await filterQuickPick(page, model);
  await page.keyboard.press('Enter');
  // Watch the notifications until the pull is reported done, keeping what the user saw.
  const seen = await watchToasts(page, (all) => all.some((t) => t.text.toLowerCase().includes(`pulled ${model}`) || t.text.includes('failed')));
  return { seen };
}

async function runCommand(page: Page, title: string): Promise<void> {
  await quickPick(page, 'F1', title);
}

/** The rows of a quick pick once it has loaded. */
async function quickPickRows(page: Page): Promise<string[]> {
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: TIMEOUT });
  await page.waitForTimeout(200);
  return page.$$eval('.quick-input-list .monaco-list-row', (rows) =>
    rows.map((row) => (row.getAttribute('aria-label') ?? row.textContent ?? '').trim()),
  );
}

async function openManager(page: Page): Promise<Frame> {
  await runCommand(page, 'Ollama: Open Model Manager');
  const frame = await webview(page, '#installed');
  await frame.waitForSelector('#installed tbody tr', { timeout: TIMEOUT });
  return frame;
}

/** Tick two installed models and compare them; the comparison's rows. */
async function compare(frame: Frame, models: string[]): Promise<string[][]> {
  for (const model of models) await frame.check(`input.compare-pick[data-model="${model}"]`);
  await frame.click('#compare');
  await frame.waitForSelector('#comparison tbody tr', { timeout: TIMEOUT });
  return frame.$$eval('#comparison tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => (c.textContent ?? '').trim())));
}

/** The Model Manager in its webview: what it lists, each installed model's role actions, a comparison. */
async function manager(page: Page, args: Args): Promise<Record<string, unknown>> {
  await openWorkbench(page, args);
  const frame = await openManager(page);
  const rowsOf = (table: string) => frame.$$eval(`#${table} tbody tr`, (trs) => trs.map((tr) => (tr as HTMLElement).dataset.model ?? ''));
  const roles = await frame.$$eval('#installed tbody tr', (trs) =>
    Object.fromEntries(trs.map((tr) => [(tr as HTMLElement).dataset.model ?? '', (tr.querySelector('td.use')?.textContent ?? '').trim()])),
  );
  const levels = await frame.$$eval('#catalog select', (selects) =>
    Object.fromEntries(selects.map((s) => [(s as HTMLElement).dataset.model ?? '', [...(s as HTMLSelectElement).options].map((o) => o.value)])),
  );
  const comparison = args.models ? await compare(frame, args.models) : [];
  return { installed: await rowsOf('installed'), catalog: await rowsOf('catalog'), levels, roles, comparison };
}

/** Pull from the Model Manager; what its row and the notifications say when it ends. */
async function managerPull(page: Page, args: Args): Promise<Record<string, unknown>> {
  const model = args.model ?? '';
  await openWorkbench(page, args);
  const frame = await openManager(page);
  const row = frame.locator(`#catalog tr[data-model="${model}"]`);
  await row.locator('button[data-action="pull"]').click();
  await row.locator('[role="alert"]').waitFor({ timeout: TIMEOUT });
  const seen = await watchToasts(page, (all) => all.some((t) => t.text.includes('failed')), 1500);
  return {
    row: await row.locator('[role="alert"]').innerText(),
    banner: await frame.locator('#error').isVisible(),
    toasts: seen.map((t) => t.text),
  };
}

/** Select Model, then a role: the notifications until the switch is told, and a while after. */
async function switchModel(page: Page, args: Args): Promise<Record<string, unknown>> {
  const model = args.model ?? '';
  await openWorkbench(page, args);
  await runCommand(page, 'Ollama: Select Model');
  await filterQuickPick(page, model);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-title', { hasText: `Use ${model} for` }).waitFor();
  await filterQuickPick(page, 'completion');
  await page.keyboard.press('Enter');
  const seen = await watchToasts(page, (all) => all.some((t) => t.text.includes('model is now')), 2000);
  return { seen };
}

/** Type where the emulator answers slowly enough to be announced; the status bar once idle again. */
async function speed(page: Page, args: Args): Promise<Record<string, unknown>> {
  await openWorkbench(page, args);
  await openFile(page, args.file);
  await page.click('.monaco-editor .view-lines');
  await page.keyboard.press('Control+End');
  await page.keyboard.type('def mul(a, b):');
  await page.keyboard.press('Enter');
  await page.locator('.monaco-editor .ghost-text-decoration').first().waitFor({ timeout: TIMEOUT });
  const status = page.locator(STATUS_ITEM);
  await status.filter({ hasText: 'tok/s' }).waitFor({ timeout: TIMEOUT });
  await page.waitForFunction((selector) => !document.querySelector(`${selector} .codicon-loading`), STATUS_ITEM);
  return { status: await statusLabel(page), text: await status.innerText() };
}

/** Ollama without models: the status, the notification's buttons, Select Model, then the pull it offers. */
async function firstRun(page: Page, args: Args): Promise<Record<string, unknown>> {
  const model = args.completionModel;
  const before = await openWorkbench(page, args, `Pull ${model}`);
  const seen = await watchToasts(page, (all) => all.some((t) => t.text.includes('is not pulled') && t.buttons.length > 0), 500);
  const notice = seen.find((t) => t.text.includes('is not pulled'));
  await runCommand(page, 'Ollama: Select Model');
  const selectRows = await quickPickRows(page);
  await page.keyboard.press('Escape');
  await page.locator('.notifications-toasts .monaco-button', { hasText: `Pull ${model}` }).first().click();
  const pulled = await watchToasts(page, (all) => all.some((t) => t.text.startsWith(`Pulled ${model}`)));
  const status = page.locator(STATUS_ITEM);
  await status.filter({ hasText: model }).filter({ hasNotText: 'Pull' }).waitFor({ timeout: TIMEOUT });
  await page.waitForFunction((selector) => !document.querySelector(`${selector} .codicon-loading`), STATUS_ITEM);
  return { before, notice, selectRows, pulled: pulled.map((t) => t.text), after: await statusLabel(page) };
}

async function chatFrame(page: Page): Promise<Frame> {
  await runCommand(page, 'Ollama: Open Chat');
  const frame = await webview(page, '#input');
  await frame.waitForSelector('#input', { state: 'visible' });
  return frame;
}

async function ask(frame: Frame, question: string): Promise<void> {
  await frame.fill('#input', question);
  await frame.press('#input', 'Enter');
}

/** The chat view: an answer with code inserted at the cursor, a stopped answer, a queued question. */
async function chat(page: Page, args: Args): Promise<Record<string, unknown>> {
  await openWorkbench(page, args);
  await openFile(page, args.file);
  await page.click('.monaco-editor .view-lines');
  await page.keyboard.press('Control+End');
  const frame = await chatFrame(page);
  await ask(frame, 'How do I add two numbers?');
  const first = frame.locator('article[data-id="1"]');
  await first.locator('.code-block pre code').waitFor({ timeout: TIMEOUT });
  await first.locator('.meta').waitFor({ timeout: TIMEOUT }); // done: its speed shows
  const answer = await first.locator('.markdown').innerHTML();
  await first.locator('button[data-action="insert"]').click();
  await page.waitForFunction(() => document.querySelector('.monaco-editor .view-lines')?.textContent?.replace(/\u00a0/g, ' ').includes('return a + b'));
  const lines = await editorLines(page);
  // A slow answer: a second question waits behind it; Stop ends it, then the queued one runs.
  await ask(frame, 'Tell me a long story about numbers.');
  const second = frame.locator('article[data-id="2"]');
  await second.locator('.markdown p').waitFor({ timeout: TIMEOUT });
  await ask(frame, 'And subtraction?');
  const third = frame.locator('article[data-id="3"]');
  await third.locator('.queued').waitFor();
  const queued = await third.innerText();
  await frame.click('#stop');
  await second.locator('.meta.stopped').waitFor({ timeout: TIMEOUT });
  await third.locator('.meta').waitFor({ timeout: TIMEOUT });
  return {
    answer,
    lines,
    stopped: await second.locator('.meta').innerText(),
    queued,
    third: await third.locator('.markdown').innerText(),
  };
}

/** The status bar's menu: its rows. */
async function statusMenu(page: Page, args: Args): Promise<Record<string, unknown>> {
  await openWorkbench(page, args);
  await openFile(page, args.file);
  await page.click(STATUS_ITEM);
  const rows = await quickPickRows(page);
  const title = await page.locator('.quick-input-title').innerText();
  return { rows, title };
}

/** The pictures of docs/editors.md: Model Manager (with a comparison), status menu, chat. */
async function shots(page: Page, args: Args): Promise<Record<string, unknown>> {
  const dir = args.shotsDir ?? '.';
  const name = (what: string) => `${dir}/vscode-${what}-${args.theme ?? 'dark'}.png`;
  await openWorkbench(page, args);
  await openFile(page, args.file);
  await openManager(page);
  await page.waitForTimeout(500);
  await page.screenshot({ path: name('model-manager') });
  await page.click(`.tab[aria-label*="${args.file}"]`);
  await page.click(STATUS_ITEM);
  await quickPickRows(page);
  await page.screenshot({ path: name('status-menu') });
  await page.keyboard.press('Escape');
  await page.click('.monaco-editor .view-lines');
  await page.keyboard.press('Control+A');
  const frame = await chatFrame(page);
  await ask(frame, 'How do I add two numbers?');
  await frame.locator('article[data-id="1"] .meta').waitFor({ timeout: TIMEOUT });
  await frame.fill('#input', 'And how would I test it?');
  await page.waitForTimeout(300);
  await page.screenshot({ path: name('chat') });
  return { written: ['model-manager', 'status-menu', 'chat'].map(name) };
}

/** Ghost text, then VS Code's own Accept Word, Accept Line and Tab. */
async function partial(page: Page, args: Args): Promise<Record<string, unknown>> {
  await openWorkbench(page, args);
  await openFile(page, args.file);
  await page.click('.monaco-editor .view-lines');
  await page.keyboard.press('Control+End');
  await page.keyboard.type('def area(w, h):');
  await page.keyboard.press('Enter');
  await page.locator('.monaco-editor .ghost-text-decoration').first().waitFor({ timeout: TIMEOUT });
  const ghost = await ghostText(page);
  await page.keyboard.press('Control+ArrowRight'); // editor.action.inlineSuggest.acceptNextWord
  await page.waitForTimeout(300);
  const afterWord = await editorLines(page);
  const ghostAfterWord = await ghostText(page);
  await page.keyboard.press('Alt+L'); // editor.action.inlineSuggest.acceptNextLine (bound by the suite)
  await page.waitForTimeout(300);
  const afterLine = await editorLines(page);
  const ghostAfterLine = await ghostText(page);
  // Tab accepts the rest; on a line that is still empty VS Code's first Tab indents it.
  let tabs = 0;
  const rest = `    ${ghostAfterLine.trim()}`;
  while (!(await editorLines(page)).includes(rest) && tabs < 3) {
    await page.keyboard.press('Tab');
    tabs += 1;
    await page.waitForTimeout(300);
  }
  return { ghost, afterWord, ghostAfterWord, afterLine, ghostAfterLine, tabs, lines: await editorLines(page) };
}

/** The text of every `after` decoration on screen (VS Code draws it as CSS content). */
async function decorationTexts(page: Page): Promise<string[]> {
  return page.$$eval('.monaco-editor .view-lines span', (spans) =>
    spans
      .map((span) => getComputedStyle(span, '::after').content)
      .filter((content) => content && content !== 'none' && content !== 'normal')
      .map((content) => content.replace(/^"|"$/g, '').replace(/\u00a0/g, ' ')),
  );
}

/** Wait until an `after` decoration says `text`; all of them then. */
async function waitForDecoration(page: Page, text: string): Promise<string[]> {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const texts = await decorationTexts(page);
    if (texts.some((t) => t.includes(text))) return texts;
    if (Date.now() > deadline) throw new Error(`no decoration says ${text}: ${JSON.stringify(texts)}`);
    await page.waitForTimeout(100);
  }
}

/** Rename the parameter on the first line; the next edit at its use appears; Tab jumps, Tab accepts. */
async function nextEdit(page: Page, args: Args): Promise<Record<string, unknown>> {
  await openWorkbench(page, args);
  await openFile(page, args.file);
  await page.click('.monaco-editor .view-lines');
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('Control+Shift+ArrowLeft');
  await page.keyboard.type('tax');
  const farHint = await waitForDecoration(page, 'Tab to jump');
  const struck = await page.$$eval('.monaco-editor .view-lines span', (spans) =>
    spans.filter((s) => getComputedStyle(s).textDecorationLine.includes('line-through')).map((s) => s.textContent ?? ''),
  );
  if (args.screenshot) await page.screenshot({ path: args.screenshot.replace(/\.png$/, '-shown.png') });
  const beforeAccept = await editorLines(page);
  await page.keyboard.press('Tab');
  const nearHint = await waitForDecoration(page, 'Tab to accept');
  await page.keyboard.press('Tab');
  await page.waitForFunction(() =>
    document.querySelector('.monaco-editor .view-lines')?.textContent?.replace(/\u00a0/g, ' ').includes('subtotal * tax'),
  );
  await page.waitForTimeout(300);
  return { farHint, struck, nearHint, beforeAccept, lines: await editorLines(page), after: await decorationTexts(page) };
}


/** The status menu's row on what became of the suggestions (empty when it has none); the menu
 * stays open with `keepOpen` (for the screenshot). */
async function outcomeRow(page: Page, keepOpen = false): Promise<string> {
  await page.click(STATUS_ITEM);
  const rows = await quickPickRows(page);
  if (!keepOpen) await page.keyboard.press('Escape');
  return rows.find((row) => row.includes('of suggestions accepted')) ?? '';
}

/** Wait until the ghost text differs from `before`; returns it. */
async function nextGhost(page: Page, before: string): Promise<string> {
  await page.waitForFunction(
    (old) =>
      [...document.querySelectorAll('.monaco-editor .ghost-text-decoration')].map((e) => e.textContent ?? '').join('').replace(/\u00a0/g, ' ') !== old,
    before,
    { timeout: TIMEOUT },
  );
  return ghostText(page);
}

/** Ghost text, then VS Code's own Show Next / Show Previous through the choices, then Tab. */
async function choices(page: Page, args: Args): Promise<Record<string, unknown>> {
  await openWorkbench(page, args);
  await openFile(page, args.file);
  await page.click('.monaco-editor .view-lines');
  await page.keyboard.press('Control+End');
  await page.keyboard.type('def area(w, h):');
  await page.keyboard.press('Enter');
  await page.locator('.monaco-editor .ghost-text-decoration').first().waitFor({ timeout: TIMEOUT });
  const first = await ghostText(page);
  await page.keyboard.press('Alt+BracketRight'); // editor.action.inlineSuggest.showNext
  const second = await nextGhost(page, first);
  await page.keyboard.press('Alt+BracketRight');
  const third = await nextGhost(page, second);
  await page.keyboard.press('Alt+BracketLeft'); // editor.action.inlineSuggest.showPrevious
  const back = await nextGhost(page, third);
  await page.keyboard.press('Tab');
  await page.waitForFunction(() => document.querySelectorAll('.monaco-editor .ghost-text-decoration').length === 0);
  const lines = await editorLines(page);
  return { first, second, third, back, lines, outcomes: await outcomeRow(page, true) };
}

/** Asked for by hand in two function bodies: a word taken, then each left; the menu's counts. */
async function outcomes(page: Page, args: Args): Promise<Record<string, unknown>> {
  await openWorkbench(page, args);
  await openFile(page, args.file);
  await page.click('.monaco-editor .view-lines');
  const before = await outcomeRow(page);
  await page.click('.monaco-editor .view-lines');
  const ask = async (line: number): Promise<string> => {
    await page.keyboard.press('Control+Home');
    for (let i = 1; i < line; i += 1) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('End');
    await runCommand(page, 'Trigger Inline Suggestion'); // editor.action.inlineSuggest.trigger
    await page.locator('.monaco-editor .ghost-text-decoration').first().waitFor({ timeout: TIMEOUT });
    return ghostText(page);
  };
  const area = await ask(2);
  await page.keyboard.press('Control+ArrowRight'); // editor.action.inlineSuggest.acceptNextWord
  await nextGhost(page, area);
  await page.keyboard.press('Escape');
  const mul = await ask(5); // the cursor left the first suggestion
  await page.keyboard.press('Escape');
  await page.keyboard.press('ArrowUp'); // and this one
  await page.waitForTimeout(500);
  return { before, area, mul, lines: await editorLines(page), after: await outcomeRow(page) };
}

const scenarios = { inline, pull, manager, managerPull, switchModel, speed, firstRun, chat, statusMenu, shots, partial, choices, outcomes, nextEdit };

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as Args;
  const executablePath = findChromium();
  if (!executablePath) throw new Error('no Chromium found (set CHROMIUM, or install the chromium package)');
  const browser = await chromium.launch({ executablePath, args: chromiumArgs });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    const result = await scenarios[args.scenario](page, args);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    if (args.screenshot) await page.screenshot({ path: args.screenshot }).catch(() => undefined);
    await browser.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
