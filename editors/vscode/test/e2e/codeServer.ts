/**
 * Drives VS Code (code-server) in Chromium for the Python code-server suite
 * (tests/editors/test_vscode_code_server.py): one scenario per run, observations printed as
 * one JSON line. Usage: node out/test/e2e/codeServer.js '{"scenario": ..., "url": ..., ...}'
 */
import { chromium, type Page } from 'playwright-core';
import { chromiumArgs, findChromium } from '../chromium';

interface Args {
  scenario: 'inline' | 'pull' | 'manager';
  /** code-server URL with ?folder=... */
  url: string;
  file: string;
  /** The completion model the status bar should name once the server is up. */
  completionModel: string;
  /** The model a scenario pulls. */
  model?: string;
  screenshot?: string;
}

const STATUS_ITEM = '[id="ollama-lsp.ollama-lsp.ollamaLsp.status"]';
const TIMEOUT = 60_000;

async function openWorkbench(page: Page, args: Args): Promise<string> {
  await page.goto(args.url);
  await page.waitForSelector('.monaco-workbench', { timeout: TIMEOUT });
  // The extension is up and the server answered once the status bar names the model.
  const status = page.locator(STATUS_ITEM);
  await status.filter({ hasText: args.completionModel }).waitFor({ timeout: TIMEOUT });
  return (await status.getAttribute('aria-label')) ?? '';
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

/** The editor's visible lines, top to bottom. */
async function editorLines(page: Page): Promise<string[]> {
  return page.$$eval('.monaco-editor .view-lines .view-line', (lines) =>
    lines
      .map((line) => ({ top: parseFloat((line as HTMLElement).style.top) || 0, text: line.textContent ?? '' }))
      .sort((a, b) => a.top - b.top)
      .map((line) => line.text.replace(/\u00a0/g, ' ')),
  );
}

async function inline(page: Page, args: Args): Promise<Record<string, unknown>> {
  const statusBefore = await openWorkbench(page, args);
  await openFile(page, args.file);
  await page.click('.monaco-editor .view-lines');
  await page.keyboard.press('Control+End');
  await page.keyboard.type('def add(a, b):');
  await page.keyboard.press('Enter');
  const ghost = page.locator('.monaco-editor .ghost-text-decoration').first();
  await ghost.waitFor({ timeout: TIMEOUT });
  const ghostText = (await page.$$eval('.monaco-editor .ghost-text-decoration', (els) => els.map((e) => e.textContent ?? '').join('').replace(/\u00a0/g, ' ')));
  await page.keyboard.press('Tab');
  await page.waitForFunction(() => document.querySelectorAll('.monaco-editor .ghost-text-decoration').length === 0);
  const lines = await editorLines(page);
  return { statusBefore, ghost: ghostText, lines, status: await page.locator(STATUS_ITEM).getAttribute('aria-label') };
}

async function pull(page: Page, args: Args): Promise<Record<string, unknown>> {
  const model = args.model ?? '';
  await openWorkbench(page, args);
  await runCommand(page, 'Ollama: Pull Model');
  // The list is virtualised: once the catalog has loaded, filter to the model, then pick it.
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: TIMEOUT });
  await page.keyboard.type(model);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: model }).first().waitFor();
  await page.keyboard.press('Enter');
  // Watch the notifications until the pull is reported done, keeping what the user saw.
  const seen: { text: string; progress: boolean; width: string }[] = [];
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const toasts = await page.$$eval('.notifications-toasts .notification-toast', (els) =>
      els.map((el) => {
        const bit = el.querySelector<HTMLElement>('.monaco-progress-container .progress-bit');
        const container = el.querySelector('.monaco-progress-container');
        return {
          text: (el.querySelector('.notification-list-item-message')?.textContent ?? '').trim(),
          progress: !!container && !container.classList.contains('done') && !!bit && bit.style.display !== 'none',
          width: bit?.style.width ?? '',
        };
      }),
    );
    for (const toast of toasts) {
      const last = seen.at(-1);
      if (!last || last.text !== toast.text || last.width !== toast.width) seen.push(toast);
    }
    if (toasts.some((t) => t.text.toLowerCase().includes(`pulled ${model}`) || t.text.includes('failed'))) break;
    if (Date.now() > deadline) throw new Error(`no end of the pull seen: ${JSON.stringify(seen)}`);
    await page.waitForTimeout(50);
  }
  return { seen };
}

async function runCommand(page: Page, title: string): Promise<void> {
  await quickPick(page, 'F1', title);
}

/** The Model Manager in its webview: the installed models it lists, read from the page. */
async function manager(page: Page, args: Args): Promise<Record<string, unknown>> {
  await openWorkbench(page, args);
  await runCommand(page, 'Ollama: Open Model Manager');
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    for (const frame of page.frames()) {
      const rows = await frame
        .$$eval('#installed tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.model ?? ''))
        .catch(() => undefined);
      if (rows && rows.length > 0) {
        const catalog = await frame.$$eval('#catalog tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.model ?? ''));
        return { installed: rows, catalog };
      }
    }
    if (Date.now() > deadline) throw new Error('the Model Manager listed no models');
    await page.waitForTimeout(100);
  }
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as Args;
  const executablePath = findChromium();
  if (!executablePath) throw new Error('no Chromium found (set CHROMIUM, or install the chromium package)');
  const browser = await chromium.launch({ executablePath, args: chromiumArgs });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    const scenarios = { inline, pull, manager };
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
