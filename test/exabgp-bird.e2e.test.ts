import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { freePort, PROJECT_ROOT, until, which } from './helpers/exabgp-kit.js';
import {
  createCustomer,
  createPartnerWith,
  createToken,
  events,
  locationId,
  prefixKey,
  prefixState,
  unique,
} from './helpers/factories.js';

/**
 * End to end with real BGP daemons (Debian packages `exabgp` 4.2 and `bird2` 2.0, installed by .ci/run):
 *
 *   BIRD "bird-a" (127.0.0.2) ─┐  eBGP, AS64501 -> AS8075
 *   BIRD "bird-b" (127.0.0.3) ─┴─> ExaBGP (127.0.0.1, passive) ─ process API, encoder json ─> npm run exabgp-bridge
 *                                   ─> POST /ingest/ris on a peerwatch test server
 *
 * The partner (AS64501) has two sessions at its primary location whose peer addresses are the routers' source
 * addresses; each router is its own BIRD process (one partner router per session, as in production; one BIRD can
 * not hold two sessions to the same neighbor address anyway: it locks the neighbor address and port). Both announce
 * the registered prefix with community 8075:8007 and the customer's origin AS64500 behind the partner's AS. All
 * ports are free ports above 1024 picked per run; daemons run from a temp dir with their own configs, control
 * sockets and pid files, and are stopped in afterAll.
 */

const EXABGP = which('exabgp');
const BIRD = which('bird');
const BIRDC = which('birdc');
const missing = [
  !EXABGP && 'exabgp (Debian package exabgp)',
  !BIRD && 'bird',
  !BIRDC && 'birdc (package bird2)',
].filter(Boolean);
if (missing.length && process.env.PEERWATCH_REQUIRE_BGP_DAEMONS) {
  throw new Error(
    `PEERWATCH_REQUIRE_BGP_DAEMONS is set but ${missing.join(', ')} missing: apt-get install -y exabgp bird2`,
  );
}
if (missing.length) {
  console.warn(
    `\n!!! SKIPPING the ExaBGP + BIRD end-to-end test: ${missing.join(', ')} not found on PATH or in /usr/sbin.\n` +
      '!!! Install them with: apt-get install -y exabgp bird2  (.ci/run does this, so CI never skips it)\n',
  );
}

const PARTNER_ASN = 64501;
const CUSTOMER_ASN = 64500;
const PREFIX = '81.20.4.0/24';
const ROUTERS = [
  { name: 'bird-a', address: '127.0.0.2' },
  { name: 'bird-b', address: '127.0.0.3' },
] as const;

/** The ExaBGP configuration of docs/exabgp.md, with this run's addresses and the test's short timers. */
function exabgpConf(projectRoot: string) {
  if (/["'\s]/.test(projectRoot)) throw new Error(`project path unusable in exabgp.conf: ${projectRoot}`);
  return `process peerwatch {
  run /bin/sh -c "cd ${projectRoot} && exec npm run --silent exabgp-bridge";
  encoder json;
}

template {
  neighbor partner-routers {
    router-id 127.0.0.1;
    local-address 127.0.0.1;
    local-as 8075;
    peer-as ${PARTNER_ASN};
    hold-time 6;
    passive true;
    family {
      ipv4 unicast;
      ipv6 unicast;
    }
    api {
      processes [ peerwatch ];
      neighbor-changes;
      receive {
        parsed;
        update;
      }
    }
  }
}

${ROUTERS.map((r) => `neighbor ${r.address} {\n  inherit partner-routers;\n  description "${r.name}";\n}`).join('\n\n')}
`;
}

/** A partner router: its own BGP session to the collector, announcing PREFIX with 8075:8007. */
function birdConf(router: { address: string }, port: number, exabgpPort: number) {
  return `router id ${router.address};
log stderr all;

protocol device {}

protocol static announced {
  ipv4;
  route ${PREFIX} blackhole { bgp_community.add((8075, 8007)); };
}

protocol bgp collector {
  local ${router.address} port ${port} as ${PARTNER_ASN};
  neighbor 127.0.0.1 port ${exabgpPort} as 8075;
  multihop 2;            # loopback addresses are not on a shared subnet
  strict bind yes;       # listen on ${router.address}:${port} only
  hold time 6;
  keepalive time 2;
  connect delay time 1;
  connect retry time 1;
  error wait time 1, 4;
  ipv4 {
    import none;
    export filter { bgp_path.prepend(${CUSTOMER_ASN}); accept; };
  };
}
`;
}

interface Daemon {
  name: string;
  child: ChildProcess;
  log: string;
  exited: Promise<void>;
}

function startDaemon(name: string, command: string, args: string[], log: string, env: NodeJS.ProcessEnv): Daemon {
  const fd = openSync(log, 'a');
  // Own process group: stop() signals the daemon and whatever it runs in its group.
  const child = spawn(command, args, { env, stdio: ['ignore', fd, fd], detached: true });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { name, child, log, exited };
}

async function stopDaemon(d: Daemon, graceMs = 8000): Promise<void> {
  if (d.child.exitCode !== null || d.child.signalCode !== null || !d.child.pid) return;
  try {
    process.kill(-d.child.pid, 'SIGTERM');
  } catch {}
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs));
  if ((await Promise.race([d.exited, timer])) === 'timeout') {
    try {
      process.kill(-d.child.pid, 'SIGKILL');
    } catch {}
    await d.exited;
  }
}

/** The bridge's pino lines inside ExaBGP's log (the bridge's stderr is ExaBGP's). */
const bridgeLogs = (log: string) =>
  log
    .split('\n')
    .filter((l) => l.includes('"service":"peerwatch-exabgp-bridge"'))
    .map((l) => JSON.parse(l.slice(l.indexOf('{'))));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(missing.length > 0)('ExaBGP + BIRD 2 -> bridge -> peerwatch (real BGP sessions on loopback)', () => {
  let t: TestApp;
  let dir: string;
  const daemons: Daemon[] = [];
  const sockets: Record<string, string> = {};
  let prefixId: string;
  let partnerId: string;
  const startedAt = Date.now();

  const birdc = (router: string, ...command: string[]) => {
    const out = spawnSync(BIRDC!, ['-s', sockets[router]!, ...command], { encoding: 'utf8', timeout: 5000 });
    if (out.status !== 0) throw new Error(`birdc ${command.join(' ')} failed: ${out.stdout}${out.stderr}`);
    return out.stdout;
  };
  const logs = async () => {
    const parts = await Promise.all(
      daemons.map(
        async (d) => `----- ${d.name} -----\n${(await readFile(d.log, 'utf8').catch(() => '')).slice(-6000)}`,
      ),
    );
    return parts.join('\n');
  };
  /** Waits for cond, and on timeout fails with the daemons' logs attached. */
  const waitFor = async <T>(check: () => Promise<T>, what: string, timeoutMs = 30_000) => {
    try {
      return await until(check, what, timeoutMs, 200);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${await logs()}`);
    }
  };
  const state = async () => (await prefixState(t, prefixId)).validationState;
  /** Whether the server's schema has type.field (names of the contract marked "(feeds)" arrive with the server branch). */
  const schemaHas = async (type: string, field: string) => {
    const data = await t.ok(`query($n: String!) { __type(name: $n) { fields { name } } }`, { n: type });
    return (data.__type?.fields ?? []).some((f: { name: string }) => f.name === field);
  };
  const eventsOf = async (type: string, router: string) =>
    (await events(t, prefixId)).filter((e) => e.type === type && e.summary.includes(router));

  beforeAll(async () => {
    // Real BGP timestamps: the test clock starts now (the manual clock does not move on its own).
    t = await createTestApp({}, Date.now());
    const { base } = await t.listen();

    // The partner router's operator view: partner AS64501 with sessions from 127.0.0.2 and 127.0.0.3 at Amsterdam.
    const partner = await createPartnerWith(t, {
      name: unique('bird-partner'),
      asn: PARTNER_ASN,
      locations: ['Amsterdam'],
      sessions: ROUTERS.map((r) => ({ location: 'Amsterdam', router: r.name, peer: r.address })),
    });
    partnerId = partner.id;
    const customer = await createCustomer(t);
    const key = await prefixKey(t, partner.id, PREFIX);
    const created = await t.ok(
      `mutation($i: CreatePeeringServiceInput!) { createPeeringService(input: $i) {
        peeringService { prefixes(first: 1) { edges { node { id } } } } userErrors { code field message } } }`,
      {
        i: {
          name: unique('bird-svc'),
          partnerId: partner.id,
          country: 'Netherlands',
          state: 'North Holland',
          primaryPeeringLocationId: locationId(partner, 'Amsterdam'),
          prefixes: [{ name: 'office', prefix: PREFIX, prefixKey: key, originAsns: [CUSTOMER_ASN] }],
        },
      },
      customer.token,
    );
    if (!created.createPeeringService.peeringService) throw new Error(JSON.stringify(created.createPeeringService));
    prefixId = created.createPeeringService.peeringService.prefixes.edges[0].node.id;
    const collectorToken = await createToken(t, 'COLLECTOR');

    dir = await mkdtemp(join(tmpdir(), 'peerwatch-exabgp-'));
    const exabgpPort = await freePort('127.0.0.1');
    await writeFile(join(dir, 'exabgp.conf'), exabgpConf(PROJECT_ROOT.replace(/\/$/, '')));
    daemons.push(
      startDaemon('exabgp', EXABGP!, [join(dir, 'exabgp.conf')], join(dir, 'exabgp.log'), {
        ...process.env,
        // A non-privileged listening port on loopback, no privilege drop, no CLI pipes, no acks to the bridge.
        exabgp_tcp_bind: '127.0.0.1',
        exabgp_tcp_port: String(exabgpPort),
        exabgp_daemon_user: userInfo().username,
        exabgp_daemon_drop: 'false',
        exabgp_daemon_daemonize: 'false',
        exabgp_api_cli: 'false',
        exabgp_api_ack: 'false',
        exabgp_log_destination: 'stdout',
        PEERWATCH_URL: base,
        PEERWATCH_TOKEN: collectorToken,
        BRIDGE_BATCH_DELAY_MS: '20',
        BRIDGE_RETRY_MAX_SECONDS: '1',
        BRIDGE_SHUTDOWN_TIMEOUT_SECONDS: '3',
      }),
    );
    // ExaBGP listens before it starts the bridge; BIRD retries every second anyway.
    await waitFor(
      async () => (await readFile(join(dir, 'exabgp.log'), 'utf8')).includes('exabgp bridge started'),
      'the bridge to start',
      20_000,
    );

    for (const router of ROUTERS) {
      const port = await freePort(router.address);
      const conf = join(dir, `${router.name}.conf`);
      sockets[router.name] = join(dir, `${router.name}.ctl`);
      await writeFile(conf, birdConf(router, port, exabgpPort));
      daemons.push(
        startDaemon(
          router.name,
          BIRD!,
          ['-f', '-c', conf, '-s', sockets[router.name]!, '-P', join(dir, `${router.name}.pid`)],
          join(dir, `${router.name}.log`),
          process.env,
        ),
      );
    }
  }, 40_000);

  afterAll(async () => {
    const exabgp = daemons.find((d) => d.name === 'exabgp');
    const exabgpLog = exabgp ? await readFile(exabgp.log, 'utf8').catch(() => '') : '';
    // Routers first, then ExaBGP (which stops the bridge: SIGTERM, and stdin closes).
    await Promise.all(daemons.filter((d) => d !== exabgp).map((d) => stopDaemon(d)));
    if (exabgp) await stopDaemon(exabgp);
    // The bridge runs in its own process group (ExaBGP's setpgrp): make sure it ended too.
    const bridgePids = new Set(
      [...exabgpLog.matchAll(/"service":"peerwatch-exabgp-bridge","pid":(\d+)/g)].map((m) => Number(m[1])),
    );
    for (const pid of bridgePids) {
      try {
        await until(() => !alive(pid), `bridge ${pid} to exit`, 8000);
      } catch {
        process.kill(pid, 'SIGKILL');
      }
    }
    const bridgeLines = exabgp ? bridgeLogs(await readFile(exabgp.log, 'utf8').catch(() => '')) : [];
    const stopping = bridgeLines.find((l) => l.msg === 'exabgp bridge stopping');
    const finished = bridgeLines.find((l) => l.msg === 'exabgp bridge finished');
    if (dir && !process.env.PEERWATCH_E2E_KEEP) await rm(dir, { recursive: true, force: true });
    else if (dir) console.info(`ExaBGP + BIRD end-to-end: daemons' files kept in ${dir}`);
    await t?.close();
    console.info(`ExaBGP + BIRD end-to-end: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    // Stopping ExaBGP stops the bridge (SIGTERM, then stdin closes) after it delivered what it held.
    if (exabgp) {
      // Started once and never respawned: the bridge kept its stdout open and did not crash.
      expect(bridgePids.size).toBe(1);
      expect(stopping?.reason).toBe('SIGTERM');
      expect(finished?.stats).toMatchObject({ undelivered: 0, dropped: 0, rejected: 0 });
    }
  }, 40_000);

  it('both routers announce the prefix with 8075:8007: ExaBGP sees the sessions up and the prefix becomes VERIFIED', async () => {
    await waitFor(async () => (await state()) === 'VERIFIED', 'the prefix to be VERIFIED');
    for (const router of ROUTERS) {
      expect(birdc(router.name, 'show', 'protocols', 'collector')).toMatch(/Established/);
      const [announced] = await eventsOf('ANNOUNCEMENT', router.name);
      expect(announced).toMatchObject({ asPath: [PARTNER_ASN, CUSTOMER_ASN], observedOriginAsn: CUSTOMER_ASN });
    }
    expect(await prefixState(t, prefixId)).toMatchObject({ learnedType: 'VIA_SERVICE_PROVIDER', errorMessage: null });

    // With the server branch of issue 7 (contract: Query.feeds): the bridge shows up as an EXABGP feed named after
    // the host it runs on.
    if (await schemaHas('Query', 'feeds')) {
      const data = await t.ok('{ feeds { name kind lastMessageAt messagesReceived } }');
      expect(data.feeds).toContainEqual(
        expect.objectContaining({ name: hostname(), kind: 'EXABGP', lastMessageAt: expect.any(String) }),
      );
      expect(data.feeds.find((f: { kind: string }) => f.kind === 'EXABGP').messagesReceived).toBeGreaterThan(0);
    } else {
      console.warn('\n!!! Query.feeds is not in this schema yet: the EXABGP feed assertions did not run.\n');
    }
  }, 40_000);

  it('BIRD withdrawing the route on one router raises WITHDRAWAL (WARNING); announcing it again verifies it again', async () => {
    birdc('bird-a', 'disable', 'announced');
    await waitFor(async () => (await eventsOf('WITHDRAWAL', 'bird-a')).length === 1, 'a WITHDRAWAL on bird-a');
    await waitFor(async () => (await state()) === 'WARNING', 'the prefix to be WARNING');
    expect((await prefixState(t, prefixId)).errorMessage).toMatch(/not announced on bird-a/);

    birdc('bird-a', 'enable', 'announced');
    await waitFor(async () => (await state()) === 'VERIFIED', 'the prefix to be VERIFIED again');
    expect(await eventsOf('ANNOUNCEMENT', 'bird-a')).toHaveLength(2);
  }, 40_000);

  it('shutting a BGP session down marks that session DOWN and withdraws its routes', async (ctx) => {
    birdc('bird-b', 'disable', 'collector');
    // ExaBGP reports the neighbor down and the bridge forwards it as RIS_PEER_STATE "down".
    await waitFor(
      async () =>
        bridgeLogs(await readFile(join(dir, 'exabgp.log'), 'utf8')).some(
          (l) => l.msg === 'BGP neighbor state' && l.peer === '127.0.0.3' && l.state === 'down',
        ),
      'the bridge to forward the 127.0.0.3 session going down',
    );

    // The rest needs the server side of issue 7 (RIS_PEER_STATE handling and PeeringSession.state, other branch).
    if (!(await schemaHas('PeeringSession', 'state'))) {
      console.warn(
        '\n!!! SKIPPING the session DOWN assertions: this server has no PeeringSession.state yet ' +
          '(RIS_PEER_STATE handling arrives with the server branch of issue 7).\n',
      );
      ctx.skip();
      return;
    }
    const sessions = async () => {
      const data = await t.ok(
        `query($id: ID!) { node(id: $id) { ... on Partner { sessions { routerName peerAddress state stateChangedAt } } } }`,
        { id: partnerId },
      );
      return data.node.sessions as { routerName: string; peerAddress: string; state: string; stateChangedAt: string }[];
    };

    const down = await waitFor(
      async () => (await sessions()).find((s) => s.peerAddress === '127.0.0.3' && s.state === 'DOWN'),
      'the 127.0.0.3 session to be DOWN',
    );
    expect(down.stateChangedAt).toBeTruthy();
    expect((await sessions()).find((s) => s.peerAddress === '127.0.0.2')?.state).toBe('ESTABLISHED');
    await waitFor(async () => (await eventsOf('WITHDRAWAL', 'bird-b')).length === 1, 'a WITHDRAWAL on bird-b');
    await waitFor(async () => (await state()) === 'WARNING', 'the prefix to be WARNING');

    birdc('bird-b', 'enable', 'collector');
    await waitFor(
      async () => (await sessions()).find((s) => s.peerAddress === '127.0.0.3' && s.state === 'ESTABLISHED'),
      'the 127.0.0.3 session to be ESTABLISHED again',
    );
    await waitFor(async () => (await state()) === 'VERIFIED', 'the prefix to be VERIFIED again');
  }, 40_000);
});
