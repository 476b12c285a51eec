/**
 * User plugins from files (`--plugin FILE`, config `plugins: [paths]`): a `.js`/`.cjs` module (required),
 * an `.mjs` module (imported), or a `.ts` file (transpiled with the `typescript` package when it is
 * installed). The module exports a plugin made with `definePlugin` — as `default`, as `plugin`, as any
 * named export, or a list of them. Bare `@dino-r1/*` imports (require or import) of a plugin file that
 * cannot find its own copy resolve to the packages this CLI runs with, so a single file outside any
 * project works.
 */
import Module from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from '@dino-r1/core';

/** A plugin file that could not be loaded; the message names the file and what it exported. */
export class PluginLoadError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`plugin ${file}: ${message}`);
    this.name = 'PluginLoadError';
  }
}

/** An inversify `ContainerModule` (from any copy of inversify): what `definePlugin` returns. */
function isPlugin(v: unknown): v is Plugin {
  return typeof v === 'object' && v !== null && typeof (v as { load?: unknown }).load === 'function' && 'id' in v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array [${v.map(describe).join(', ')}]`;
  if (typeof v === 'function') return `a function ${v.name || '(anonymous)'}`;
  if (typeof v === 'object') {
    const keys = Object.keys(v);
    return keys.length ? `an object with ${keys.map((k) => `'${k}'`).join(', ')}` : 'an empty object';
  }
  return `a ${typeof v} (${String(v)})`;
}

/** The plugins a module's exports hold: `default`, then every other export that is a plugin or a list of them. */
function pluginsOf(file: string, exported: unknown): Plugin[] {
  const flat = (v: unknown): Plugin[] | null => {
    if (isPlugin(v)) return [v];
    if (Array.isArray(v) && v.length > 0 && v.every(isPlugin)) return v;
    return null;
  };
  const direct = flat(exported);
  if (direct) return direct;
  const found: Plugin[] = [];
  if (typeof exported === 'object' && exported !== null) {
    const record = exported as Record<string, unknown>;
    const fromDefault = flat(record.default);
    if (fromDefault) return fromDefault;
    for (const [key, v] of Object.entries(record)) {
      if (key === 'default' || key === '__esModule') continue;
      const p = flat(v);
      if (p) found.push(...p);
    }
  }
  if (found.length === 0)
    throw new PluginLoadError(
      file,
      `exports no plugin (expected a plugin made with definePlugin from @dino-r1/core, or a list of them, as the default export or a named export); it exported ${describe(exported)}`,
    );
  return found;
}

let resolverInstalled = false;

/** Lets `require('@dino-r1/…')` in a plugin file fall back to this CLI's own copies of the packages. */
function installDinoResolver(): void {
  if (resolverInstalled) return;
  resolverInstalled = true;
  const M = Module as unknown as { _resolveFilename: (request: string, parent: unknown, ...rest: unknown[]) => string };
  const original = M._resolveFilename;
  M._resolveFilename = function (request: string, parent: unknown, ...rest: unknown[]): string {
    try {
      return original.call(this, request, parent, ...rest);
    } catch (e) {
      if (!/^@dino-r1\/[^/]+/.test(request)) throw e;
      return require.resolve(request);
    }
  };
}

function transpileTs(file: string): string {
  let ts: { transpileModule: (src: string, o: object) => { outputText: string } };
  try {
    ts = require('typescript');
  } catch {
    throw new PluginLoadError(file, "a .ts plugin needs the 'typescript' package (npm i -D typescript), or give the compiled .js file");
  }
  return ts.transpileModule(readFileSync(file, 'utf8'), {
    fileName: file,
    compilerOptions: { module: 1 /* CommonJS */, target: 9 /* ES2022 */, esModuleInterop: true, experimentalDecorators: true, emitDecoratorMetadata: true },
  }).outputText;
}

/** `import()` that TypeScript's CommonJS output leaves alone (it would turn a plain `import()` into `require`). */
const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

let esmResolverInstalled = false;

/**
 * The same fallback for `import '@dino-r1/…'` in an `.mjs` plugin: an ES module resolve hook
 * (`module.register`, Node ≥ 20.6) that retries a failed `@dino-r1/*` resolution from this file.
 */
function installDinoEsmResolver(): void {
  if (esmResolverInstalled) return;
  esmResolverInstalled = true;
  const register = (Module as unknown as { register?: (specifier: string, parentURL?: string) => void }).register;
  if (!register) return; // older Node: .mjs plugins resolve @dino-r1/* from their own folder only
  const hook = `const FALLBACK = ${JSON.stringify(pathToFileURL(__filename).href)};
export async function resolve(specifier, context, next) {
  try { return await next(specifier, context); }
  catch (e) { if (!specifier.startsWith('@dino-r1/')) throw e; return next(specifier, { ...context, parentURL: FALLBACK }); }
}`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}

/** Loads one plugin file (relative paths against `baseDir`). */
export async function loadPluginFile(path: string, baseDir = process.cwd()): Promise<Plugin[]> {
  const file = isAbsolute(path) ? path : resolve(baseDir, path);
  if (!existsSync(file)) throw new PluginLoadError(file, 'file not found');
  installDinoResolver();
  const ext = extname(file);
  let exported: unknown;
  try {
    if (ext === '.mjs') {
      installDinoEsmResolver();
      exported = await importModule(pathToFileURL(file).href);
    } else if (ext === '.js' || ext === '.cjs') exported = require(file);
    else if (ext === '.ts' || ext === '.cts') {
      const m = new Module(file) as Module & { _compile(code: string, filename: string): void };
      m.filename = file;
      m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(resolve(file, '..'));
      m._compile(transpileTs(file), file);
      exported = m.exports;
    } else throw new PluginLoadError(file, `unsupported extension '${ext}' (use .js, .cjs, .mjs or .ts)`);
  } catch (e) {
    if (e instanceof PluginLoadError) throw e;
    throw new PluginLoadError(file, `failed to load: ${(e as Error).message}`);
  }
  return pluginsOf(file, exported);
}

/** Loads plugin files in order; their plugins follow the built-in ones, so a later binding wins. */
export async function loadPluginFiles(paths: readonly string[], baseDir = process.cwd()): Promise<Plugin[]> {
  const out: Plugin[] = [];
  for (const p of paths) out.push(...(await loadPluginFile(p, baseDir)));
  return out;
}
