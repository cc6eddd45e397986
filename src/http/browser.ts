import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';

/**
 * What browsers need from the API: CORS and compressed answers.
 *
 * CORS: bearer tokens travel in a header, not a cookie, so credentials are never allowed. With no list configured any
 * origin may call (`Access-Control-Allow-Origin: *`); with CORS_ORIGINS only those origins get CORS headers, and a
 * preflight from any other origin gets none (the browser then refuses the call).
 */
export function corsOptions(origins: string[] | null) {
  if (!origins) return { origin: '*', credentials: false, maxAge: 600 };
  const allowed = new Set(origins);
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (!origin || !allowed.has(origin)) return false as const;
    return { origin, credentials: false, maxAge: 600 };
  };
}

const COMPRESSIBLE = /^(application\/(graphql-response\+)?json|text\/html|text\/plain|application\/javascript)/;
const MIN_BYTES = 1024;

/** The client's preferred supported encoding: br or gzip, honouring q=0 (RFC 9110, section 12.5.3). */
export function chooseEncoding(acceptEncoding: string | null): 'br' | 'gzip' | null {
  if (!acceptEncoding) return null;
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    weights.set((name ?? '').trim(), q ? Number(q.slice(2)) || 0 : 1);
  }
  const weight = (name: string) => weights.get(name) ?? weights.get('*') ?? 0;
  const br = weight('br');
  const gzip = weight('gzip');
  if (br <= 0 && gzip <= 0) return null;
  return br >= gzip ? 'br' : 'gzip';
}

/**
 * Compresses whole answers (JSON results, GraphiQL's page) with brotli or gzip when the client accepts it. Streams
 * (SSE, multipart) are left alone: compressing them would hold events back. The GraphiQL page is the same bytes every
 * time, so its compressed forms are kept once made.
 */
export function useCompression(): Plugin {
  const cache = new Map<string, Buffer>();
  return {
    // Not async: a response left as it is (no accepted encoding) costs no promise.
    // The accepted encodings are read first: `response.body` makes a stream of a text body, which a response sent
    // as it is does not need.
    onResponse({ request, response, setResponse, fetchAPI }) {
      const encoding = chooseEncoding(request.headers.get('accept-encoding'));
      if (!encoding) return;
      const type = response.headers.get('content-type') ?? '';
      if (!response.body || response.headers.has('content-encoding') || !COMPRESSIBLE.test(type)) return;
      return compress(encoding, type, response, setResponse, fetchAPI);
    },
  };
  async function compress(
    encoding: 'br' | 'gzip',
    type: string,
    response: Response,
    setResponse: (response: Response) => void,
    fetchAPI: { Headers: typeof Headers; Response: typeof Response },
  ): Promise<void> {
    const body = Buffer.from(await response.arrayBuffer());
    const headers = new fetchAPI.Headers(response.headers);
    headers.append('vary', 'Accept-Encoding');
    let out: Buffer = body;
    if (body.length >= MIN_BYTES) {
      const isPage = type.startsWith('text/html');
      const key = isPage ? `${encoding}:${body.length}:${body.subarray(0, 64).toString('hex')}` : null;
      const cached = key ? cache.get(key) : undefined;
      out =
        cached ??
        (encoding === 'br'
          ? brotliCompressSync(body, {
              params: {
                [constants.BROTLI_PARAM_QUALITY]: isPage ? 9 : 4,
                [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
              },
            })
          : gzipSync(body, { level: 6 }));
      if (key && !cached) cache.set(key, out);
      headers.set('content-encoding', encoding);
    }
    headers.set('content-length', String(out.length));
    setResponse(
      new fetchAPI.Response(new Uint8Array(out), {
        status: response.status,
        statusText: response.statusText,
        headers,
      }),
    );
  }
}
