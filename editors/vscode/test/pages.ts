/** Serving the webview pages (template, bundled script, css) to headless Chromium for tests. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderPage } from '../src/modelManager';
import { chromiumArgs, findChromium } from './chromium';

const root = path.resolve(__dirname, '..', '..');
const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

export const executablePath = findChromium();
export const skip = executablePath ? false : 'no Chromium found (set CHROMIUM, or install the chromium package)';

/** `/<name>` serves media/<name>.html filled as the extension fills it. */
export class Pages {
  private server: http.Server | undefined;
  private base = '';
  browser: Browser | undefined;

  async start(): Promise<void> {
    this.server = http.createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (url.pathname === '/favicon.ico') {
        response.statusCode = 204;
        response.end();
        return;
      }
      const page = /^\/(\w+)$/.exec(url.pathname)?.[1];
      if (page) {
        const template = fs.readFileSync(path.join(root, 'media', `${page}.html`), 'utf8');
        response.setHeader('content-type', 'text/html');
        response.end(
          renderPage(template, {
            cspSource: this.base,
            nonce: 'test-nonce',
            styleUri: `${this.base}/media/${page}.css`,
            scriptUri: `${this.base}/out/bundle/${page}.js`,
          }),
        );
        return;
      }
      const file = path.join(root, path.normalize(url.pathname));
      if (!file.startsWith(root) || !fs.existsSync(file)) {
        response.statusCode = 404;
        response.end();
        return;
      }
      response.setHeader('content-type', types[path.extname(file)] ?? 'application/octet-stream');
      response.end(fs.readFileSync(file));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.browser = await chromium.launch({ executablePath, args: chromiumArgs });
  }

  async stop(): Promise<void> {
    await this.browser?.close();
    this.server?.close();
  }

  /** Open a page with a stand-in `acquireVsCodeApi` that records what the page sends. */
  async open(name: string, viewport = { width: 1000, height: 800 }): Promise<Page> {
    assert.ok(this.browser);
    const page = await this.browser.newPage({ viewport });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    await page.addInitScript(() => {
      const sent: unknown[] = [];
      Object.assign(window, { __sent: sent, acquireVsCodeApi: () => ({ postMessage: (m: unknown) => sent.push(m) }) });
    });
    await page.goto(`${this.base}/${name}`);
    await page.waitForFunction(() => (window as unknown as { __sent: unknown[] }).__sent.length > 0);
    assert.deepEqual(problems, [], 'no script or CSP errors');
    return page;
  }
}

export const sent = <T>(page: Page): Promise<T[]> => page.evaluate(() => (window as unknown as { __sent: T[] }).__sent);

/** Post a message to the page and resolve once its handler has run (listeners run in order). */
export const deliver = (page: Page, message: unknown): Promise<void> =>
  page.evaluate(
    (m) =>
      new Promise<void>((resolve) => {
        window.addEventListener('message', () => resolve(), { once: true });
        window.postMessage(m, '*');
      }),
    message,
  );
