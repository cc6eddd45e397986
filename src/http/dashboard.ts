import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { chooseEncoding } from './browser.js';
import { loadPersistedOperations, type PersistedOperations } from './persisted-operations.js';

/**
 * The dashboard (web/dashboard): one HTML page and its bundle (script + styles), built with esbuild in memory the first
 * time it is needed (start() warms it), so `npm start` is still the only command. Everything is served from this origin
 * (no CDN) under a strict Content-Security-Policy. The page only calls the public GraphQL API, with trusted documents.
 */

const WEB = fileURLToPath(new URL('../../web/dashboard/', import.meta.url));

/** The dashboard's trusted documents (sha256 -> document), emitted by GraphQL Code Generator (`codegen.ts`). */
export const DASHBOARD_MANIFEST = `${WEB}gql/persisted-documents.json`;

export function dashboardOperations(): PersistedOperations {
  return existsSync(DASHBOARD_MANIFEST) ? loadPersistedOperations(DASHBOARD_MANIFEST) : new Map();
}

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  type: string;
  body: Buffer;
  br: Buffer;
  gzip: Buffer;
}

const asset = (type: string, body: Buffer): Asset => ({
  type,
  body,
  br: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } }),
  gzip: gzipSync(body, { level: 9 }),
});

/** Bundles web/dashboard/main.ts (and the styles it imports) with esbuild, in memory. */
export async function buildDashboard(): Promise<Map<string, Asset>> {
  const result = await build({
    entryPoints: { app: `${WEB}main.ts` },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    write: false,
    outdir: '/dashboard',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const assets = new Map<string, Asset>();
  assets.set('/dashboard', asset('text/html; charset=utf-8', readFileSync(`${WEB}index.html`)));
  for (const file of result.outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    const type = name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
    assets.set(`/dashboard/${name}`, asset(type, Buffer.from(file.contents)));
  }
  return assets;
}

export interface Dashboard {
  /** Starts building the bundle in the background; a failure is reported when the page is asked for. */
  warm(): void;
  /** Answers /dashboard and its assets; false for any other path. */
  handle(path: string, req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

export function createDashboard(options: { onBuildError: (error: unknown) => void }): Dashboard {
  let built: Promise<Map<string, Asset>> | undefined;
  const assets = () => {
    built ??= buildDashboard();
    return built;
  };
  return {
    warm() {
      assets().catch((error) => options.onBuildError(error));
    },
    async handle(path, req, res) {
      if (path !== '/dashboard' && path !== '/dashboard/' && !path.startsWith('/dashboard/')) return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' });
        res.end();
        return true;
      }
      let files: Map<string, Asset>;
      try {
        files = await assets();
      } catch (error) {
        options.onBuildError(error);
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('The dashboard could not be built; see the server log.');
        return true;
      }
      const file = files.get(path === '/dashboard/' ? '/dashboard' : path);
      if (!file) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Not found');
        return true;
      }
      const encoding = chooseEncoding(req.headers['accept-encoding']?.toString() ?? null);
      const body = encoding ? file[encoding] : file.body;
      res.writeHead(200, {
        'content-type': file.type,
        'content-length': String(body.length),
        ...(encoding ? { 'content-encoding': encoding } : {}),
        vary: 'Accept-Encoding',
        'cache-control': 'no-cache',
        'content-security-policy': DASHBOARD_CSP,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    },
  };
}
