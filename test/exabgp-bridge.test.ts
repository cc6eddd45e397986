import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fromExabgp } from '../src/feeds/exabgp-convert.js';
import { parseBridgeEnv } from '../src/feeds/exabgp-env.js';
import { checkRouteUpdate, fromRisMessage } from '../src/telemetry/route-input.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import {
  type BridgeProcess,
  exaAnnounce,
  exaState,
  exaWithdraw,
  freePort,
  recorder,
  startBridge,
  until,
} from './helpers/exabgp-kit.js';
import { createToken, events, prefixState, serviceWithPrefix } from './helpers/factories.js';
import { coltPeers, freshPrefix } from './helpers/telemetry-kit.js';

/** The server's own parsing of a RIS line: what /ingest/ris would store. */
function ingestible(data: unknown) {
  const input = fromRisMessage(JSON.parse(JSON.stringify(data)));
  if (!input || 'error' in input) throw new Error(`not an UPDATE line: ${JSON.stringify(input)}`);
  const checked = checkRouteUpdate(input, data);
  if (!checked.ok) throw new Error(`${checked.field.join('.')}: ${checked.message}`);
  return checked.update;
}

describe('ExaBGP JSON -> RIS Live conversion', () => {
  it('turns a received IPv4 announcement into an UPDATE, keeping 4-byte ASNs exact and the communities', () => {
    // As ExaBGP 4.2.21 printed it for BIRD 2 announcing 81.20.4.0/24 (captured on loopback), with 4-byte ASNs.
    const line =
      '{ "exabgp": "4.0.1", "time": 1796009712.5241368, "host" : "vm", "pid" : 20199, "ppid" : 1, "counter": 3, "type": "update", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.2" }, "asn": { "local": 8075, "peer": 4294967295 } , "direction": "receive", "message": { "update": { "attribute": { "origin": "igp", "as-path": [ 4294967295, 4199999999, 196608 ], "confederation-path": [], "community": [ [ 8075, 8007 ], [ 65535, 65281 ] ], "large-community": [ [ 4294967295, 1, 2 ] ] }, "announce": { "ipv4 unicast": { "127.0.0.2": [ { "nlri": "81.20.4.0/24" }, { "nlri": "81.20.5.0/24" } ] } } } } } }';
    const data = fromExabgp(JSON.parse(line), 'collector-1');
    expect(data).toEqual({
      type: 'UPDATE',
      timestamp: 1796009712.5241368,
      peer: '127.0.0.2',
      peer_asn: 4294967295,
      host: 'collector-1',
      path: [4294967295, 4199999999, 196608],
      community: [
        [8075, 8007],
        [65535, 65281],
      ],
      announcements: [{ next_hop: '127.0.0.2', prefixes: ['81.20.4.0/24', '81.20.5.0/24'] }],
      withdrawals: [],
    });
    const update = ingestible(data);
    expect(update.peerAsn).toBe(4294967295);
    expect(update.path).toEqual([4294967295, 4199999999, 196608]);
    expect(update.announce.map((c) => c.text)).toEqual(['81.20.4.0/24', '81.20.5.0/24']);
    expect(update.timestamp).toBe(Math.round(1796009712.5241368 * 1000));
  });

  it('turns a withdrawal into an UPDATE with withdrawals only', () => {
    const line =
      '{ "exabgp": "4.0.1", "time": 1796009762.2414103, "host" : "vm", "pid" : 20199, "ppid" : 1, "counter": 15, "type": "update", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.2" }, "asn": { "local": 8075, "peer": 64501 } , "direction": "receive", "message": { "update": { "withdraw": { "ipv4 unicast": [ { "nlri": "81.20.4.0/24" } ] } } } } }';
    const data = fromExabgp(JSON.parse(line), 'h');
    expect(data).toMatchObject({
      type: 'UPDATE',
      peer: '127.0.0.2',
      peer_asn: 64501,
      path: [],
      community: [],
      announcements: [],
      withdrawals: ['81.20.4.0/24'],
    });
    expect(ingestible(data).withdraw.map((c) => c.text)).toEqual(['81.20.4.0/24']);
  });

  it('carries IPv6 and IPv4 unicast in one update, and skips other families', () => {
    const message = exaAnnounce('2001:db8:ffff::2', ['2001:db8:100::/48'], {
      peerAsn: 8220,
      nextHop: '2001:db8:ffff::2',
    }) as any;
    const update = message.neighbor.message.update;
    update.announce['ipv4 unicast'] = { '192.0.2.1': [{ nlri: '81.20.8.0/24' }] };
    update.announce['ipv4 flow'] = { 'no-nexthop': [{ 'destination-ipv4': ['10.0.0.0/8'] }] };
    update.withdraw = { 'ipv6 unicast': [{ nlri: '2001:db8:200::/48' }], 'l2vpn evpn': [{ code: 2 }] };
    const data = fromExabgp(message, 'h');
    expect(data).toMatchObject({
      peer: '2001:db8:ffff::2',
      announcements: [
        { next_hop: '2001:db8:ffff::2', prefixes: ['2001:db8:100::/48'] },
        { next_hop: '192.0.2.1', prefixes: ['81.20.8.0/24'] },
      ],
      withdrawals: ['2001:db8:200::/48'],
    });
    const parsed = ingestible(data);
    expect(parsed.announce.map((c) => c.family)).toEqual([6, 4]);
    expect(parsed.withdraw.map((c) => c.text)).toEqual(['2001:db8:200::/48']);
  });

  it('reads compact NLRIs, add-path NLRIs and a missing next hop; appends an AS_SET as RIS Live does', () => {
    const message = exaAnnounce('192.0.2.7', ['81.20.12.0/24']) as any;
    const update = message.neighbor.message.update;
    update.attribute['as-set'] = [64500, 64501];
    update.announce['ipv4 unicast'] = {
      null: ['81.20.12.0/24', { nlri: '81.20.13.0/24', 'path-information': '0.0.0.1' }],
    };
    const data = fromExabgp(message, 'h');
    expect(data).toMatchObject({
      path: [8220, 64500, [64500, 64501]],
      announcements: [{ next_hop: '192.0.2.7', prefixes: ['81.20.12.0/24', '81.20.13.0/24'] }],
    });
    expect(ingestible(data).path).toEqual([8220, 64500, 64500, 64501]);
  });

  it('maps neighbor states: up -> connected, down -> down; the TCP-only "connected" is not forwarded', () => {
    const up = fromExabgp(exaState('127.0.0.3', 'up', { peerAsn: 4200000001, time: 1796009712.5 }), 'h');
    expect(up).toEqual({
      type: 'RIS_PEER_STATE',
      timestamp: 1796009712.5,
      peer: '127.0.0.3',
      peer_asn: 4200000001,
      host: 'h',
      state: 'connected',
    });
    // As ExaBGP 4.2.21 printed it when BIRD's session was disabled (birdc disable).
    const line =
      '{ "exabgp": "4.0.1", "time": 1796009764.2591481, "host" : "vm", "pid" : 20199, "ppid" : 1, "counter": 5, "type": "state", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.3" }, "asn": { "local": 8075, "peer": 64501 } , "state": "down", "reason": "peer reset, message (notification received (6,2)) error(Cease / Administrative Shutdown)" } }';
    expect(fromExabgp(JSON.parse(line), 'h')).toEqual({
      type: 'RIS_PEER_STATE',
      timestamp: 1796009764.2591481,
      peer: '127.0.0.3',
      peer_asn: 64501,
      host: 'h',
      state: 'down',
    });
    expect(fromExabgp(exaState('127.0.0.3', 'connected'), 'h')).toBeNull();
    // The server reads the state line as the peer coming up (it then starts from an empty table for that peer).
    expect(fromRisMessage(JSON.parse(JSON.stringify(up)))).toMatchObject({ peer: '127.0.0.3', peerState: 'UP' });
  });

  it('skips what carries nothing to forward', () => {
    const eor =
      '{ "exabgp": "4.0.1", "time": 1796009712.5704823, "host" : "vm", "pid" : 20199, "ppid" : 1, "counter": 4, "type": "update", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.2" }, "asn": { "local": 8075, "peer": 64501 } , "direction": "receive", "message": { "eor": { "afi" : "ipv4", "safi" : "unicast" } } } }';
    expect(fromExabgp(JSON.parse(eor), 'h')).toBeNull();
    const shutdown =
      '{ "exabgp": "4.0.1", "time": 1796009766.274706, "host" : "vm", "pid" : 20199, "ppid" : 1, "type": "notification", "notification": "shutdown" }';
    expect(fromExabgp(JSON.parse(shutdown), 'h')).toBeNull();
    const sent = exaAnnounce('127.0.0.2', ['81.20.4.0/24']) as any;
    sent.neighbor.direction = 'send';
    expect(fromExabgp(sent, 'h')).toBeNull();
    expect(fromExabgp({ ...exaState('127.0.0.2', 'up'), type: 'keepalive' }, 'h')).toBeNull();
    expect(fromExabgp({ ...exaAnnounce('127.0.0.2', ['81.20.4.0/24']), time: 'soon' }, 'h')).toBeNull();
    expect(fromExabgp('done', 'h')).toBeNull();
    expect(fromExabgp([1, 2], 'h')).toBeNull();
  });
});

describe('bridge settings', () => {
  it('lists every problem, and refuses the /graphql path as PEERWATCH_URL', () => {
    expect(() => parseBridgeEnv({ PEERWATCH_URL: 'http://127.0.0.1:4000/graphql', BRIDGE_MAX_BUFFER: '0' })).toThrow(
      /PEERWATCH_URL: is the server base URL[\s\S]*PEERWATCH_TOKEN: is required[\s\S]*BRIDGE_MAX_BUFFER/,
    );
    const env = parseBridgeEnv({ PEERWATCH_URL: 'http://127.0.0.1:4000/', PEERWATCH_TOKEN: 't' });
    expect(env).toMatchObject({
      PEERWATCH_URL: 'http://127.0.0.1:4000',
      BRIDGE_MAX_BUFFER: 100_000,
      BRIDGE_BATCH_SIZE: 1000,
      BRIDGE_HEARTBEAT_SECONDS: 30,
    });
  });
});

describe('the bridge process (npm run --silent exabgp-bridge)', () => {
  const started: BridgeProcess[] = [];
  const servers: { close(): Promise<void> }[] = [];
  const bridge = (env: Record<string, string>) => {
    const b = startBridge({ BRIDGE_BATCH_DELAY_MS: '20', BRIDGE_RETRY_MAX_SECONDS: '0.4', ...env });
    started.push(b);
    return b;
  };
  const rec = async (...args: Parameters<typeof recorder>) => {
    const r = await recorder(...args);
    servers.push(r);
    return r;
  };
  afterEach(async () => {
    for (const b of started.splice(0)) b.kill();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  describe('against a real peerwatch server', () => {
    let t: TestApp;
    let base: string;
    beforeAll(async () => {
      t = await createTestApp();
      base = (await t.listen()).base;
    });
    afterAll(() => t.close());

    it('turns ExaBGP lines on stdin into ingested updates: the prefix is verified, then withdrawn', async () => {
      const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
      const token = await createToken(t, 'COLLECTOR');
      const b = bridge({ PEERWATCH_URL: base, PEERWATCH_TOKEN: token });
      const at = t.clock.now() / 1000;
      const peers = coltPeers();
      b.write('done'); // an API acknowledgement (exabgp_api_ack) is not JSON: skipped
      for (const peer of peers.all) {
        b.write(exaState(peer, 'up', { time: at }));
        b.write(exaAnnounce(peer, [f.prefix], { time: at }));
      }
      await until(async () => (await prefixState(t, f.prefixId)).validationState === 'VERIFIED', 'VERIFIED');
      b.write(exaWithdraw(peers.primary[0]!, [f.prefix], { time: at + 1 }));
      await until(async () => (await events(t, f.prefixId)).some((e) => e.type === 'WITHDRAWAL'), 'a WITHDRAWAL event');
      b.child.stdin?.end();
      expect(await b.exited).toBe(0);
      const finished = b.logs().find((l) => l.msg === 'exabgp bridge finished');
      expect(finished.stats).toMatchObject({
        lines: peers.all.length * 2 + 2,
        notJson: 1,
        queued: peers.all.length * 2 + 1,
        delivered: peers.all.length * 2 + 1,
        // the announcements, the withdrawal and the peers' state lines
        accepted: peers.all.length * 2 + 1,
        rejected: 0,
        dropped: 0,
        undelivered: 0,
      });
      expect(b.stdout()).toBe(''); // ExaBGP would read anything here as an API command
    });

    it('a token without the COLLECTOR role: the batch is dropped with a loud log line, the bridge keeps running', async () => {
      const customer = await createToken(t, 'CUSTOMER', { customerId: (await serviceWithPrefix(t)).customer.id });
      const b = bridge({ PEERWATCH_URL: base, PEERWATCH_TOKEN: customer });
      b.write(exaAnnounce('192.0.2.1', ['81.20.16.0/24']));
      const line = await until(() => b.logs().find((l) => l.level === 50), 'an error log line');
      expect(line).toMatchObject({ status: 403, dropped: 1 });
      expect(line.msg).toMatch(/DROPPED 1 BGP messages/);
      expect(b.child.exitCode).toBeNull();
      b.child.stdin?.end();
      expect(await b.exited).toBe(0);
    });
  });

  it('posts NDJSON batches with the agreed headers and a Content-Length, in order, and heartbeats when idle', async () => {
    const server = await rec();
    const b = bridge({
      PEERWATCH_URL: server.url,
      PEERWATCH_TOKEN: 'collector-token',
      BRIDGE_BATCH_SIZE: '3',
      BRIDGE_HEARTBEAT_SECONDS: '0.3',
    });
    for (let i = 0; i < 7; i++) b.write(exaAnnounce('192.0.2.1', [`81.20.${i}.0/24`]));
    b.write(exaState('192.0.2.1', 'down'));
    await until(
      () => server.lines().length === 8,
      () => `8 lines (have ${server.lines().length})`,
    );
    await until(() => server.requests.some((r) => r.body === ''), 'a heartbeat (empty POST)');
    const posts = server.requests.filter((r) => r.body !== '');
    expect(posts.map((r) => r.lines.length).every((n) => n <= 3)).toBe(true);
    for (const r of server.requests) {
      expect(r.method).toBe('POST');
      expect(r.url).toBe('/ingest/ris');
      expect(r.headers).toMatchObject({
        authorization: 'Bearer collector-token',
        'content-type': 'application/x-ndjson',
        'content-length': String(Buffer.byteLength(r.body)),
        'x-peerwatch-feed-kind': 'EXABGP',
        'x-peerwatch-feed-name': (await import('node:os')).hostname(),
      });
      expect(r.headers['transfer-encoding']).toBeUndefined();
    }
    const lines = server.lines();
    expect(lines.slice(0, 7).map((l) => l.announcements[0].prefixes[0])).toEqual(
      Array.from({ length: 7 }, (_, i) => `81.20.${i}.0/24`),
    );
    expect(lines[7]).toMatchObject({ type: 'RIS_PEER_STATE', peer: '192.0.2.1', state: 'down' });
    b.child.stdin?.end();
    expect(await b.exited).toBe(0);
    expect(b.stdout()).toBe('');
  });

  it('while peerwatch is down (refused, then 503) it retries with backoff and delivers everything once it is back', async () => {
    const port = await freePort();
    const b = bridge({ PEERWATCH_URL: `http://127.0.0.1:${port}`, PEERWATCH_TOKEN: 't', BRIDGE_BATCH_SIZE: '2' });
    for (let i = 0; i < 5; i++) b.write(exaAnnounce('192.0.2.1', [`81.20.${i}.0/24`]));
    await until(
      () => b.logs().filter((l) => l.msg === 'peerwatch unavailable; retrying').length >= 1,
      'a retry log line',
    );
    await new Promise((r) => setTimeout(r, 800)); // a few refused attempts
    // Back, but overloaded for its first two answers.
    const server = await rec(port, (r, i) =>
      i < 2 ? { status: 503 } : { status: 200, body: { accepted: r.lines.length, rejected: 0, ignored: 0 } },
    );
    const accepted = () => server.requests.slice(2).flatMap((r) => r.lines);
    await until(
      () => accepted().length >= 5,
      () => `5 accepted lines (have ${accepted().length})`,
    );
    expect(accepted().map((l) => l.announcements[0].prefixes[0])).toEqual(
      Array.from({ length: 5 }, (_, i) => `81.20.${i}.0/24`),
    );
    // The first batch was answered 503 twice and sent again, unchanged.
    expect(server.requests.slice(0, 3).map((r) => r.body)).toEqual(Array(3).fill(server.requests[0]!.body));
    const retries = b.logs().filter((l) => l.msg === 'peerwatch unavailable; retrying');
    expect(retries[0].reason).toMatch(/ECONNREFUSED/);
    b.child.stdin?.end();
    expect(await b.exited).toBe(0);
  });

  it('with the buffer full it pauses stdin (the writer sees backpressure) and drops nothing', async () => {
    const port = await freePort();
    const b = bridge({
      PEERWATCH_URL: `http://127.0.0.1:${port}`,
      PEERWATCH_TOKEN: 't',
      BRIDGE_MAX_BUFFER: '50',
      BRIDGE_BATCH_SIZE: '500',
    });
    const total = 3000;
    const stdin = b.child.stdin!;
    let refused = 0;
    for (let i = 0; i < total; i++) {
      const ok = stdin.write(`${JSON.stringify(exaAnnounce('192.0.2.1', [`81.${20 + (i >> 8)}.${i & 255}.0/24`]))}\n`);
      if (!ok) refused++;
    }
    await until(() => b.logs().some((l) => /buffer full/.test(l.msg)), 'the "buffer full" log line');
    await new Promise((r) => setTimeout(r, 500));
    // The bridge stopped reading: the pipe is full and our side still holds most of the lines.
    expect(refused).toBeGreaterThan(0);
    expect(stdin.writableLength).toBeGreaterThan(0);
    const full = b.logs().find((l) => /buffer full/.test(l.msg));
    expect(full.buffered).toBeLessThan(50 + 500); // maxBuffer plus at most one 64 KiB read
    expect(stdin.writableLength).toBeGreaterThan(total * 200 - 2 * 65536); // lines are ~400 bytes

    const server = await rec(port);
    stdin.end();
    await until(
      () => server.lines().length >= total,
      () => `${total} lines (have ${server.lines().length})`,
      30_000,
    );
    const prefixes = server.lines().map((l) => l.announcements[0].prefixes[0]);
    expect(prefixes).toEqual(Array.from({ length: total }, (_, i) => `81.${20 + (i >> 8)}.${i & 255}.0/24`));
    expect(Math.max(...server.requests.map((r) => r.lines.length))).toBeLessThanOrEqual(500);
    expect(await b.exited).toBe(0);
    expect(b.logs().filter((l) => l.msg === 'buffer has room again: resuming stdin').length).toBeGreaterThan(0);
  }, 40_000);

  it('on SIGTERM (ExaBGP stopping it, through npm) it delivers what it holds, then exits 0', async () => {
    const server = await rec();
    const b = bridge({ PEERWATCH_URL: server.url, PEERWATCH_TOKEN: 't', BRIDGE_BATCH_DELAY_MS: '500' });
    await until(() => b.logs().some((l) => l.msg === 'exabgp bridge started'), 'the bridge to start');
    for (let i = 0; i < 3; i++) b.write(exaState(`192.0.2.${i + 1}`, 'down'));
    process.kill(b.child.pid!, 'SIGTERM'); // npm's pid: npm forwards the signal to the bridge (exec'd by its script)
    expect(await b.exited).toBe(0);
    expect(server.lines().map((l) => l.peer)).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
    expect(b.logs().find((l) => l.msg === 'exabgp bridge stopping')?.reason).toBe('SIGTERM');
  });

  it('on stdin end with peerwatch unreachable it gives up after the shutdown timeout, loudly, exit code 1', async () => {
    const port = await freePort();
    const b = bridge({
      PEERWATCH_URL: `http://127.0.0.1:${port}`,
      PEERWATCH_TOKEN: 't',
      BRIDGE_SHUTDOWN_TIMEOUT_SECONDS: '0.5',
    });
    b.write(exaAnnounce('192.0.2.1', ['81.20.1.0/24']));
    b.child.stdin?.end();
    expect(await b.exited).toBe(1);
    expect(b.logs().find((l) => l.level === 50)?.msg).toMatch(/1 BGP messages were NOT delivered/);
  });
});
