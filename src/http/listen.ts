import { createServer } from 'node:net';

/** The server could not bind its port; `message` is one line an operator can act on (no stack needed). */
export class ListenError extends Error {
  constructor(
    message: string,
    public readonly code: string,
  ) {
    super(message);
    this.name = 'ListenError';
  }
}

/** Turns a listen failure with a known cause (port taken, no permission, unknown host) into a ListenError. */
export function toListenError(error: unknown, port: number, host: string): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const where = `port ${port} on ${host}`;
  switch (code) {
    case 'EADDRINUSE':
      return new ListenError(`${where} is already in use; set PORT to another port`, code);
    case 'EACCES':
      return new ListenError(`no permission to listen on ${where}; set PORT to a port above 1023`, code);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new ListenError(`cannot listen on ${where}: the address is not available here; check HOST`, code);
    default:
      return error;
  }
}

/** Resolves when `port` can be bound on `host` right now (the probe is closed at once); else rejects with ListenError. */
export function checkPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) => reject(toListenError(error, port, host)));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
