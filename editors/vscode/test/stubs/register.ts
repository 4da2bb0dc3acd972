/** Make `require('vscode')` load the stub; import this first in every test file. */
import Module = require('node:module');
import * as path from 'node:path';

const stub = path.join(__dirname, 'vscode.js');
const moduleInternals = Module as unknown as {
  _resolveFilename(request: string, parent: unknown, ...rest: unknown[]): string;
};
const resolve = moduleInternals._resolveFilename;
moduleInternals._resolveFilename = function (request: string, parent: unknown, ...rest: unknown[]): string {
  return request === 'vscode' ? stub : resolve.call(this, request, parent, ...rest);
};
