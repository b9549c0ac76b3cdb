import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, isIP, type LookupFunction } from 'node:net';
import { before, test, type TestContext } from 'node:test';
import tls from 'node:tls';
import { isPatchbayError, PatchbayError } from '../core/errors.ts';
import { type AddressClass, type AddressPolicy, classifyAddress, formatIPv6, isAddressAllowed, parseAddress } from './address-policy.ts';
import { checkOutboundUrl, createGuardedFetch, resolveOutboundUrl } from './outbound-guard.ts';

const STRICT: AddressPolicy = { allowLoopback: false, allowPrivate: false };
const LOCAL: AddressPolicy = { allowLoopback: true, allowPrivate: false };
const TEAM: AddressPolicy = { allowLoopback: false, allowPrivate: true };
const OPEN: AddressPolicy = { allowLoopback: true, allowPrivate: true };

// ---------------------------------------------------------------------------------
// Address classification

const ADDRESS_TABLE: Array<[string, AddressClass]> = [
  // IPv4
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['172.15.255.255', 'public'],
  ['172.32.0.0', 'public'],
  ['192.168.1.1', 'private'],
  ['192.169.0.1', 'public'],
  ['169.254.169.254', 'link-local'],
  ['169.254.0.1', 'link-local'],
  ['100.64.0.1', 'cgnat'],
  ['100.127.255.255', 'cgnat'],
  ['100.63.255.255', 'public'],
  ['100.128.0.0', 'public'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'reserved'],
  ['192.0.0.8', 'reserved'],
  ['192.0.2.1', 'reserved'],
  ['192.88.99.1', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['198.19.255.255', 'reserved'],
  ['198.20.0.0', 'public'],
  ['198.51.100.7', 'reserved'],
  ['203.0.113.9', 'reserved'],
  ['8.8.8.8', 'public'],
  ['1.1.1.1', 'public'],
  // IPv4 spelled the way inet_aton and WHATWG URLs read it
  ['2130706433', 'loopback'],
  ['0x7f.1', 'loopback'],
  ['0177.0.0.1', 'loopback'],
  ['127.1', 'loopback'],
  ['0xa9fea9fe', 'link-local'],
  ['0xA9.0376.0xa9fe', 'link-local'],
  ['0', 'unspecified'],
  // IPv6
  ['::1', 'loopback'],
  ['[::1]', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['::', 'unspecified'],
  ['[::]', 'unspecified'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['FEBF:FFFF::1', 'link-local'],
  ['fec0::1', 'reserved'],
  ['fc00::1', 'ula'],
  ['fd12:3456:789a::1', 'ula'],
  ['fd00:ec2::254', 'ula'],
  ['ff02::1', 'multicast'],
  ['ff05::1:3', 'multicast'],
  ['2001:db8::1', 'reserved'],
  ['3fff::1', 'reserved'],
  ['2001::1', 'reserved'],
  ['100::1', 'reserved'],
  ['5f00::1', 'reserved'],
  ['4000::1', 'reserved'],
  ['::127.0.0.1', 'reserved'],
  ['2001:4860:4860::8888', 'public'],
  ['2606:4700:4700::1111', 'public'],
  // IPv6 carrying IPv4: classified as the embedded address
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:a9fe:a9fe', 'link-local'],
  ['[::FFFF:A9FE:A9FE]', 'link-local'],
  ['::ffff:10.0.0.1', 'private'],
  ['0:0:0:0:0:ffff:c0a8:0101', 'private'],
  ['::ffff:8.8.8.8', 'public'],
  ['::ffff:0:7f00:1', 'loopback'],
  ['64:ff9b::a9fe:a9fe', 'link-local'],
  ['64:ff9b::127.0.0.1', 'loopback'],
  ['64:ff9b::808:808', 'public'],
  ['64:ff9b:1::1', 'private'],
  ['2002:7f00:1::', 'loopback'],
  ['2002:a9fe:a9fe::1', 'link-local'],
  ['2002:0a00:0001:1234::5', 'private'],
  ['2002:6440:1::', 'cgnat'],
  ['2002:808:808::1', 'public'],
];

test('classifyAddress: every row of the table', () => {
  assert.ok(ADDRESS_TABLE.length >= 40);
  for (const [address, expected] of ADDRESS_TABLE) {
    assert.equal(classifyAddress(address), expected, address);
  }
});

test('classifyAddress refuses what is not an address instead of guessing', () => {
  for (const text of ['', 'localhost', 'example.com', '1.2.3.4.5', '256.0.0.1', '10.0.0.1/8', '::ffff:1.2.3.4.5', '1::2::3', '[::1', '12345::', '0x7g.1']) {
    assert.throws(() => classifyAddress(text), (e: unknown) => isPatchbayError(e, 'VALIDATION_FAILED'), text);
    assert.equal(isAddressAllowed(text, OPEN), false, text);
  }
});

test('the IPv6 parser agrees with the WHATWG URL parser on random addresses in every spelling', () => {
  let seed = 0x2545f491;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  for (let round = 0; round < 2000; round++) {
    // Runs of zero groups are what compression (and bugs) are about: make them common.
    const groups = Array.from({ length: 8 }, () => (random() < 0.5 ? 0 : Math.floor(random() * 0x10000)));
    const bytes = new Uint8Array(groups.flatMap((g) => [g >> 8, g & 0xff]));
    const canonical = formatIPv6(bytes);
    assert.equal(canonical, new URL(`http://[${canonical}]/`).hostname.slice(1, -1), `canonical form of ${groups}`);
    const spellings = [
      canonical,
      canonical.toUpperCase(),
      groups.map((g) => g.toString(16).padStart(4, '0')).join(':'),
      `${groups
        .slice(0, 6)
        .map((g) => g.toString(16))
        .join(':')}:${Array.from(bytes.subarray(12)).join('.')}`,
      `[${canonical}]`,
    ];
    for (const spelling of spellings) assert.deepEqual(parseAddress(spelling), bytes, spelling);
  }
});

test('isAddressAllowed: public always, loopback in local mode, private networks when allowed, the rest never', () => {
  const rows: Array<[string, boolean, boolean, boolean, boolean]> = [
    // address, STRICT, LOCAL, TEAM, OPEN
    ['8.8.8.8', true, true, true, true],
    ['2606:4700:4700::1111', true, true, true, true],
    ['127.0.0.1', false, true, false, true],
    ['::1', false, true, false, true],
    ['::ffff:127.0.0.1', false, true, false, true],
    ['10.1.2.3', false, false, true, true],
    ['192.168.0.10', false, false, true, true],
    ['fd12::1', false, false, true, true],
    ['100.64.0.7', false, false, true, true],
    ['169.254.169.254', false, false, false, false],
    ['::ffff:a9fe:a9fe', false, false, false, false],
    ['64:ff9b::a9fe:a9fe', false, false, false, false],
    ['fe80::1', false, false, false, false],
    ['0.0.0.0', false, false, false, false],
    ['::', false, false, false, false],
    ['224.0.0.251', false, false, false, false],
    ['255.255.255.255', false, false, false, false],
    ['2001:db8::1', false, false, false, false],
    // metadata endpoints outside link-local space
    ['fd00:ec2::254', false, false, false, false],
    ['100.100.100.200', false, false, false, false],
    ['168.63.129.16', false, false, false, false],
  ];
  for (const [address, ...expected] of rows) {
    assert.deepEqual(
      [STRICT, LOCAL, TEAM, OPEN].map((policy) => isAddressAllowed(address, policy)),
      expected,
      address,
    );
  }
});

// ---------------------------------------------------------------------------------
// URL checks

function hasCode(code: string, reason?: string) {
  return (error: unknown) => {
    assert.ok(error instanceof PatchbayError, `expected a PatchbayError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (reason !== undefined) assert.equal(error.details?.reason, reason, error.message);
    return true;
  };
}

test('checkOutboundUrl refuses hostile hosts in every encoding, by address over https and by scheme over http', () => {
  const hostile = [
    'http://2130706433/',
    'http://0x7f.1/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://127.0.0.1:6666\\@1.1.1.1/',
    'http://[::]/',
    'http://0/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:127.0.0.1]/',
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://[2002:a9fe:a9fe::]/',
    'http://[fe80::1]/',
    'http://10.0.0.1/',
    'http://%31%32%37.0.0.1/',
    'http://127\u30020\u30020\u30021/',
    'http://localhost/',
    'http://LOCALHOST./',
    'http://app.localhost/',
  ];
  for (const url of hostile) {
    assert.throws(() => checkOutboundUrl(url, STRICT), hasCode('SSRF_BLOCKED', 'scheme'), url);
    const overHttps = url.replace(/^http:/, 'https:');
    assert.throws(() => checkOutboundUrl(overHttps, STRICT), hasCode('SSRF_BLOCKED', 'address'), overHttps);
  }
  // The backslash ends the authority: the host is 127.0.0.1, not 1.1.1.1.
  assert.throws(() => checkOutboundUrl('https://127.0.0.1:6666\\@1.1.1.1/', STRICT), (e: unknown) => isPatchbayError(e) && e.details?.address === '127.0.0.1');
});

test('checkOutboundUrl: private networks open in team mode, link-local and metadata endpoints never', () => {
  for (const url of ['https://10.0.0.1/', 'https://192.168.1.20:8443/mcp', 'https://[fd12::1]/', 'https://100.64.3.4/', 'https://[::ffff:10.0.0.1]/']) {
    assert.throws(() => checkOutboundUrl(url, STRICT), hasCode('SSRF_BLOCKED', 'address'), url);
    assert.equal(checkOutboundUrl(url, TEAM).href, new URL(url).href);
  }
  for (const url of ['https://169.254.169.254/', 'https://[::ffff:a9fe:a9fe]/', 'https://[fd00:ec2::254]/', 'https://100.100.100.200/', 'https://[fe80::1]/', 'https://[::]/', 'https://0/', 'https://224.0.0.1/']) {
    assert.throws(() => checkOutboundUrl(url, OPEN), hasCode('SSRF_BLOCKED', 'address'), url);
  }
  assert.throws(() => checkOutboundUrl('http://10.0.0.1/', OPEN), hasCode('SSRF_BLOCKED', 'scheme'), 'plain http stays on this machine');
});

test('checkOutboundUrl: plain http to this machine in local mode only', () => {
  for (const [url, host] of [
    ['http://127.0.0.1:3000/mcp', '127.0.0.1'],
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://localhost:8080/', 'localhost'],
    ['http://[::1]/', '[::1]'],
    ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
    ['https://127.0.0.1/', '127.0.0.1'],
  ]) {
    assert.equal(checkOutboundUrl(url, LOCAL).hostname, host, url);
    assert.throws(() => checkOutboundUrl(url, STRICT), hasCode('SSRF_BLOCKED'), url);
  }
  for (const url of ['http://example.com/', 'http://8.8.8.8/', 'http://[::ffff:a9fe:a9fe]/', 'http://0/', 'http://[::]/']) {
    assert.throws(() => checkOutboundUrl(url, LOCAL), hasCode('SSRF_BLOCKED', 'scheme'), url);
  }
});

test('checkOutboundUrl refuses other schemes, credentials in the URL and text that is not a URL', () => {
  for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'data:text/plain,hi', 'ftp://example.com/', 'gopher://example.com/', 'ws://example.com/', 'blob:https://example.com/x']) {
    for (const policy of [STRICT, OPEN]) assert.throws(() => checkOutboundUrl(url, policy), hasCode('SSRF_BLOCKED', 'scheme'), url);
  }
  for (const url of ['https://user:secret@example.com/', 'https://example.com@evil.test/', 'https://:pw@example.com/']) {
    assert.throws(() => checkOutboundUrl(url, OPEN), hasCode('INVALID_URL', 'userinfo'), url);
  }
  for (const url of ['', 'not a url', '/relative/path', 'https://', 'https://[fe80::1%25eth0]/', 'https://256.0.0.1/', 'https://exa mple.com/']) {
    assert.throws(() => checkOutboundUrl(url, OPEN), hasCode('INVALID_URL', 'unparseable'), JSON.stringify(url));
  }
  assert.throws(
    () => checkOutboundUrl('file:///etc/passwd', STRICT),
    (e: unknown) => isPatchbayError(e) && /file: scheme is not allowed/.test(e.message),
  );
});

test('checkOutboundUrl allows public https URLs as they are', () => {
  for (const url of ['https://example.com/.well-known/oauth-authorization-server', 'https://8.8.8.8/', 'https://[2001:4860:4860::8888]:8443/x?y=1', 'https://EXAMPLE.com./a']) {
    for (const policy of [STRICT, LOCAL, TEAM, OPEN]) assert.equal(checkOutboundUrl(url, policy).href, new URL(url).href);
  }
});

/** A resolver over a fixed table, recording each name it is asked for; no real DNS. */
function tableLookup(table: Record<string, string | string[]>, asked: string[] = []): LookupFunction {
  return ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    asked.push(hostname);
    const entry = table[hostname];
    if (entry === undefined) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
    const addresses = [entry].flat().map((address) => ({ address, family: isIP(address) }));
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  }) as LookupFunction;
}

test('resolveOutboundUrl checks every address a name resolves to', async () => {
  const lookup = tableLookup({
    'public.test': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
    'metadata.test': '169.254.169.254',
    'mapped.test': '::ffff:169.254.169.254',
    'intranet.test': '10.20.30.40',
    'mixed.test': ['93.184.215.14', '10.0.0.1'],
    'rebind.test': '127.0.0.1',
  });
  assert.deepEqual((await resolveOutboundUrl('https://public.test/x', STRICT, { lookup })).addresses, ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c']);
  for (const name of ['metadata', 'mapped', 'intranet', 'mixed', 'rebind']) {
    await assert.rejects(resolveOutboundUrl(`https://${name}.test/`, STRICT, { lookup }), hasCode('SSRF_BLOCKED', 'address'), name);
  }
  await assert.rejects(resolveOutboundUrl('https://metadata.test/', OPEN, { lookup }), hasCode('SSRF_BLOCKED', 'address'));
  assert.deepEqual((await resolveOutboundUrl('https://intranet.test/', TEAM, { lookup })).addresses, ['10.20.30.40']);
  // localhost is refused by name, before any lookup.
  await assert.rejects(resolveOutboundUrl('https://localhost/', STRICT, { lookup }), hasCode('SSRF_BLOCKED', 'address'));
  await assert.rejects(resolveOutboundUrl('https://nowhere.test/', STRICT, { lookup }), (e: unknown) => (e as { code?: string }).code === 'ENOTFOUND');
});

test('plain http beyond this machine only where the policy says so (a local connector added with --allow-http), never to cloud metadata', async () => {
  const lookup = tableLookup({ 'nas.test': '192.168.1.20', 'metadata.test': '169.254.169.254' });
  const LAN_HTTP: AddressPolicy = { ...OPEN, allowPlainHttp: true };
  assert.throws(() => checkOutboundUrl('http://nas.test/mcp', OPEN), hasCode('SSRF_BLOCKED', 'scheme'));
  assert.equal(checkOutboundUrl('http://nas.test/mcp', LAN_HTTP).host, 'nas.test');
  assert.deepEqual((await resolveOutboundUrl('http://nas.test/mcp', LAN_HTTP, { lookup })).addresses, ['192.168.1.20']);
  await assert.rejects(resolveOutboundUrl('http://metadata.test/', LAN_HTTP, { lookup }), hasCode('SSRF_BLOCKED', 'address'));
  await assert.rejects(resolveOutboundUrl('http://169.254.169.254/', LAN_HTTP, { lookup }), hasCode('SSRF_BLOCKED', 'address'));
});

// ---------------------------------------------------------------------------------
// The guarded fetch, against real servers on loopback

// Self-signed for public.test and rebind.test, valid 2000–2125, trusted only inside this test process.
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBmTCCAT+gAwIBAgIBATAKBggqhkjOPQQDAjAWMRQwEgYDVQQDDAtwdWJsaWMu
dGVzdDAgFw0wMDAxMDEwMDAwMDBaGA8yMTI1MDEwMTAwMDAwMFowFjEUMBIGA1UE
AwwLcHVibGljLnRlc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARyWWOnaPoh
6MGJ+egHVNw1oi7UtJggeQv4+4gu7vEq9rStDBhGrLnhZ9WnBB9nehbvrUgekqxi
MdleZcSeciHVo3wwejAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIChDAT
BgNVHSUEDDAKBggrBgEFBQcDATAjBgNVHREEHDAaggtwdWJsaWMudGVzdIILcmVi
aW5kLnRlc3QwHQYDVR0OBBYEFBsNqltnDpLMcfwXUftrQLvHZVIMMAoGCCqGSM49
BAMCA0gAMEUCIA/gplRN3xDp0gDUZTCa82y3p0vvzRqjsPTeeJfSFEXGAiEAxBnk
D2+etl40+F6KquEluShrTKk4ZCeK2PxJLP5iEfI=
-----END CERTIFICATE-----
`;
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgKaFgMYbrwcRxXYmN
CTdP7TOgSfKNl15ww1r0MiPJV2ihRANCAARyWWOnaPoh6MGJ+egHVNw1oi7UtJgg
eQv4+4gu7vEq9rStDBhGrLnhZ9WnBB9nehbvrUgekqxiMdleZcSeciHV
-----END PRIVATE KEY-----
`;

before(() => {
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), TEST_CERT]);
});

interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface TestServer {
  port: number;
  /** `http://host:port` (or https). */
  origin: string;
  requests: Seen[];
  connections: number;
}

type Handler = (request: IncomingMessage, response: ServerResponse, server: TestServer) => void;

/** A server on `host`, port 0, recording every request; undefined when the host cannot be bound. */
async function startServer(t: TestContext, handler: Handler, options: { host?: string; https?: boolean } = {}): Promise<TestServer | undefined> {
  const host = options.host ?? '127.0.0.1';
  const state: TestServer = { port: 0, origin: '', requests: [], connections: 0 };
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      state.requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString() });
      handler(request, response, state);
    });
  };
  const server: Server = options.https ? createHttpsServer({ cert: TEST_CERT, key: TEST_KEY }, listener) : createHttpServer(listener);
  server.on(options.https ? 'secureConnection' : 'connection', () => state.connections++);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
  } catch (error) {
    if ((error as { code?: string }).code === 'EADDRNOTAVAIL') return undefined;
    throw error;
  }
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  state.port = (server.address() as AddressInfo).port;
  state.origin = `${options.https ? 'https' : 'http'}://${host}:${state.port}`;
  return state;
}

async function startServerOrFail(t: TestContext, handler: Handler, options: { host?: string; https?: boolean } = {}): Promise<TestServer> {
  const server = await startServer(t, handler, options);
  assert.ok(server, `could not bind ${options.host}`);
  return server;
}

function guarded(t: TestContext, policy: AddressPolicy, options: Parameters<typeof createGuardedFetch>[1] = {}) {
  const fetch = createGuardedFetch(policy, options);
  t.after(() => fetch.close());
  return fetch;
}

const hello: Handler = (_request, response) => {
  response.setHeader('content-type', 'application/json');
  response.end('{"ok":true}');
};

test('loopback is reached in local mode and refused otherwise, before any connection', async (t) => {
  const server = await startServerOrFail(t, hello);
  const local = guarded(t, LOCAL);
  const answer = await local(`${server.origin}/.well-known/oauth-protected-resource`);
  assert.equal(answer.status, 200);
  assert.deepEqual(await answer.json(), { ok: true });
  assert.equal(answer.url, `${server.origin}/.well-known/oauth-protected-resource`);
  assert.equal(answer.redirected, false);

  for (const policy of [STRICT, TEAM]) {
    const fetch = guarded(t, policy);
    await assert.rejects(fetch(`${server.origin}/`), hasCode('SSRF_BLOCKED'));
    await assert.rejects(fetch(`https://127.0.0.1:${server.port}/`), hasCode('SSRF_BLOCKED', 'address'));
    await assert.rejects(fetch(`https://localhost:${server.port}/`), hasCode('SSRF_BLOCKED', 'address'));
  }
  await assert.rejects(local(`http://user:pw@127.0.0.1:${server.port}/`), hasCode('INVALID_URL', 'userinfo'));
  assert.equal(server.connections, 1, 'only the allowed request connected');
});

test('a name is resolved once, checked, and connected to at the checked address (https, certificate for the name)', async (t) => {
  const server = await startServerOrFail(t, (request, response) => response.end(`${request.headers.host} via ${request.socket.localAddress}`), { https: true });
  const asked: string[] = [];
  const lookup = tableLookup({ 'public.test': '127.0.0.1' }, asked);

  const local = guarded(t, LOCAL, { lookup });
  const answer = await local(`https://public.test:${server.port}/metadata`);
  assert.equal(await answer.text(), `public.test:${server.port} via 127.0.0.1`);
  assert.deepEqual(asked, ['public.test'], 'one lookup: the socket used the checked answer, not a second query');
  await (await local(`https://public.test:${server.port}/again`)).text();
  assert.equal(asked.length, server.connections, 'one lookup per connection, never one more');

  // The same name and server when loopback is not allowed: refused at connect time.
  const strict = guarded(t, STRICT, { lookup });
  const connected = server.connections;
  await assert.rejects(strict(`https://public.test:${server.port}/`), (e: unknown) => hasCode('SSRF_BLOCKED', 'address')(e) && (e as PatchbayError).details?.host === 'public.test');
  assert.equal(server.connections, connected, 'the refused request opened no connection');

  // The certificate is still checked against the name, not the address.
  const wrongName = guarded(t, LOCAL, { lookup: tableLookup({ 'other.test': '127.0.0.1' }) });
  await assert.rejects(wrongName(`https://other.test:${server.port}/`), hasCode('CONNECTOR_UNREACHABLE'));
});

test('a name resolving to a private or metadata address is refused, and one bad address refuses the name', async (t) => {
  const server = await startServerOrFail(t, hello, { https: true });
  const cases: Array<[AddressPolicy, string | string[]]> = [
    [LOCAL, '10.0.0.5'],
    [LOCAL, '169.254.169.254'],
    [OPEN, '169.254.169.254'],
    [OPEN, '::ffff:a9fe:a9fe'],
    [OPEN, 'fd00:ec2::254'],
    [LOCAL, ['127.0.0.1', '10.0.0.1']],
    [LOCAL, ['10.0.0.1', '127.0.0.1']],
    // Only canonical answers are checked as they will be used.
    [LOCAL, '0x7f.1'],
    [LOCAL, 'localhost'],
  ];
  for (const [policy, addresses] of cases) {
    const fetch = guarded(t, policy, { lookup: tableLookup({ 'public.test': addresses }) });
    await assert.rejects(fetch(`https://public.test:${server.port}/`), hasCode('SSRF_BLOCKED', 'address'), String(addresses));
  }
  const throwing = guarded(t, LOCAL, {
    lookup: () => {
      throw new Error('resolver exploded');
    },
  });
  await assert.rejects(throwing(`https://public.test:${server.port}/`), hasCode('CONNECTOR_UNREACHABLE'));
  assert.equal(server.connections, 0);
});

test('plain http in local mode must land on this machine even where private networks are allowed', async (t) => {
  const server = await startServerOrFail(t, hello);
  const rebound = guarded(t, OPEN, { lookup: tableLookup({ localhost: '10.0.0.1' }) });
  await assert.rejects(rebound(`http://localhost:${server.port}/`), hasCode('SSRF_BLOCKED', 'address'));
  const honest = guarded(t, OPEN, { lookup: tableLookup({ localhost: ['127.0.0.1'] }) });
  assert.equal((await honest(`http://localhost:${server.port}/`)).status, 200);
});

test('every redirect hop is checked before it is followed', async (t) => {
  const targets = [
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:a9fe:a9fe]/',
    'https://169.254.169.254/',
    'http://10.0.0.1/',
    'http://0/',
    'file:///etc/passwd',
    'https://user@127.0.0.1/',
  ];
  const server = await startServerOrFail(t, (request, response) => {
    const index = Number(new URL(request.url ?? '/', 'http://x').searchParams.get('to'));
    response.writeHead(302, { location: targets[index] });
    response.end();
  });
  const fetch = guarded(t, LOCAL);
  for (const [index, target] of targets.entries()) {
    await assert.rejects(
      fetch(`${server.origin}/start?to=${index}`),
      (e: unknown) => isPatchbayError(e) && (e.code === 'SSRF_BLOCKED' || e.code === 'INVALID_URL') && e.details?.host === undefined,
      `${target} refused by the URL check, before a lookup or connection`,
    );
  }
  assert.equal(server.requests.length, targets.length);
});

test('credentials go to the same origin and are dropped on the first hop to another', async (t) => {
  const a = await startServerOrFail(t, (request, response, self) => {
    if (request.url === '/start') response.writeHead(302, { location: '/same' });
    else if (request.url === '/same') response.writeHead(307, { location: `${b?.origin}/cross` });
    else if (request.url === '/back') response.writeHead(200);
    response.end(self.origin);
  });
  const b = await startServer(t, (request, response) => {
    if (request.url === '/cross') response.writeHead(308, { location: '/end' });
    else if (request.url === '/end') response.writeHead(302, { location: `${a.origin}/back` });
    response.end();
  }, { host: '127.0.0.2' });
  if (!b) return t.skip('127.0.0.2 cannot be bound on this system; a second loopback origin is needed');
  const fetch = guarded(t, LOCAL);
  const answer = await fetch(`${a.origin}/start`, {
    headers: { authorization: 'Bearer secret-token', cookie: 'session=s3', 'proxy-authorization': 'Basic cHJveHk=', 'x-trace': 'keep-me' },
  });
  assert.equal(answer.status, 200);
  assert.equal(answer.url, `${a.origin}/back`);
  assert.equal(answer.redirected, true);
  const seen = [...a.requests, ...b.requests].map((r) => [r.path, r.headers.authorization, r.headers.cookie, r.headers['proxy-authorization'], r.headers['x-trace']]);
  assert.deepEqual(seen, [
    ['/start', 'Bearer secret-token', 'session=s3', 'Basic cHJveHk=', 'keep-me'],
    ['/same', 'Bearer secret-token', 'session=s3', 'Basic cHJveHk=', 'keep-me'],
    ['/back', undefined, undefined, undefined, 'keep-me'], // dropped for good once the chain left the origin
    ['/cross', undefined, undefined, undefined, 'keep-me'],
    ['/end', undefined, undefined, undefined, 'keep-me'],
  ]);
});

test('redirects change the method and body as fetch does, and never carry a body to another origin', async (t) => {
  const a = await startServerOrFail(t, (request, response) => {
    const [, status, where] = (request.url ?? '').split('/');
    if (status === 'done') return response.end('done');
    response.writeHead(Number(status), { location: where === 'cross' ? `${b?.origin}/done` : '/done' });
    response.end();
  });
  const b = await startServer(t, (_request, response) => response.end('done'), { host: '127.0.0.2' });
  const fetch = guarded(t, LOCAL);
  const post = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic Y2xpZW50OnNlY3JldA==' }, body: new URLSearchParams({ code: 'abc' }) };
  const last = (server: TestServer) => {
    const r = server.requests.at(-1)!;
    return [r.method, r.body, r.headers['content-type'], r.headers.authorization];
  };

  for (const status of [301, 302, 303]) {
    assert.equal(await (await fetch(`${a.origin}/${status}/same`, post)).text(), 'done');
    assert.deepEqual(last(a), ['GET', '', undefined, 'Basic Y2xpZW50OnNlY3JldA=='], `${status} POST becomes a GET without a body`);
  }
  for (const status of [307, 308]) {
    assert.equal(await (await fetch(`${a.origin}/${status}/same`, post)).text(), 'done');
    assert.deepEqual(last(a), ['POST', 'code=abc', 'application/x-www-form-urlencoded', 'Basic Y2xpZW50OnNlY3JldA=='], `${status} resends the body to the same origin`);
  }
  assert.equal(await (await fetch(`${a.origin}/303/same`, { method: 'PUT', body: 'x' })).text(), 'done');
  assert.equal(a.requests.at(-1)!.method, 'GET');

  if (!b) return t.skip('127.0.0.2 cannot be bound on this system; a second loopback origin is needed');
  for (const status of [307, 308]) {
    await assert.rejects(fetch(`${a.origin}/${status}/cross`, post), hasCode('SSRF_BLOCKED', 'cross-origin-body'));
  }
  assert.equal(b.requests.length, 0, 'the body never reached the other origin');
  assert.equal(await (await fetch(`${a.origin}/303/cross`, post)).text(), 'done');
  assert.deepEqual(last(b), ['GET', '', undefined, undefined]);
  assert.equal(await (await fetch(`${a.origin}/307/cross`, { headers: { authorization: 'Bearer t' } })).text(), 'done');
  assert.deepEqual(last(b), ['GET', '', undefined, undefined], 'a bodiless 307 is followed without the credentials');
});

test('redirects stop after maxRedirects', async (t) => {
  const server = await startServerOrFail(t, (request, response) => {
    const n = Number((request.url ?? '/0').slice(1));
    if (n >= 3 && request.headers['x-stop'] === String(n)) return response.end(`stopped at ${n}`);
    response.writeHead(302, { location: `/${n + 1}` });
    response.end();
  });
  const fetch = guarded(t, LOCAL, { maxRedirects: 3 });
  await assert.rejects(fetch(`${server.origin}/0`), hasCode('PROTOCOL_ERROR', 'too-many-redirects'));
  assert.deepEqual(
    server.requests.map((r) => r.path),
    ['/0', '/1', '/2', '/3'],
  );
  assert.equal(await (await fetch(`${server.origin}/0`, { headers: { 'x-stop': '3' } })).text(), 'stopped at 3', 'exactly maxRedirects hops are followed');

  const defaults = guarded(t, LOCAL);
  server.requests.length = 0;
  await assert.rejects(defaults(`${server.origin}/0`), hasCode('PROTOCOL_ERROR', 'too-many-redirects'));
  assert.equal(server.requests.length, 6, 'five redirects by default');
});

test('a redirect without a Location is the answer; redirect: manual returns it, redirect: error refuses it', async (t) => {
  const server = await startServerOrFail(t, (request, response) => {
    if (request.url === '/bare') response.writeHead(302);
    else if (request.url === '/away') response.writeHead(302, { location: 'http://169.254.169.254/' });
    else response.writeHead(200);
    response.end(request.url);
  });
  const fetch = guarded(t, LOCAL);
  const bare = await fetch(`${server.origin}/bare`);
  assert.equal(bare.status, 302);
  assert.equal(await bare.text(), '/bare');
  const manual = await fetch(`${server.origin}/away`, { redirect: 'manual' });
  assert.equal(manual.status, 302);
  assert.equal(manual.headers.get('location'), 'http://169.254.169.254/');
  await assert.rejects(fetch(`${server.origin}/away`, { redirect: 'error' }), hasCode('PROTOCOL_ERROR', 'redirect-refused'));
  assert.deepEqual(
    server.requests.map((r) => r.path),
    ['/bare', '/away', '/away'],
  );
});

test('response bodies are capped', async (t) => {
  const server = await startServerOrFail(t, (request, response) => {
    const size = Number(new URL(request.url ?? '/', 'http://x').searchParams.get('size'));
    if (request.url?.startsWith('/declared')) response.setHeader('content-length', size);
    response.write(Buffer.alloc(Math.floor(size / 2), 'a'));
    response.end(Buffer.alloc(size - Math.floor(size / 2), 'b'));
  });
  const fetch = guarded(t, LOCAL, { maxBodyBytes: 1000 });
  await assert.rejects(fetch(`${server.origin}/declared?size=1001`), hasCode('RESPONSE_TOO_LARGE'));
  const streamed = await fetch(`${server.origin}/streamed?size=1001`);
  assert.equal(streamed.status, 200);
  await assert.rejects(streamed.text(), hasCode('RESPONSE_TOO_LARGE'));
  assert.equal((await (await fetch(`${server.origin}/streamed?size=1000`)).text()).length, 1000);
  assert.equal((await (await fetch(`${server.origin}/declared?size=1000`)).arrayBuffer()).byteLength, 1000);

  const defaults = guarded(t, LOCAL);
  assert.equal((await (await defaults(`${server.origin}/streamed?size=${1024 * 1024}`)).arrayBuffer()).byteLength, 1024 * 1024);
  await assert.rejects((await defaults(`${server.origin}/streamed?size=${1024 * 1024 + 1}`)).arrayBuffer(), hasCode('RESPONSE_TOO_LARGE'));
});

test('requests time out, waiting for headers or for the rest of the body; the caller can still abort', async (t) => {
  const server = await startServerOrFail(t, (request, response) => {
    if (request.url === '/stall-body') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"partial":');
    }
    // Otherwise never answer.
  });
  const fetch = guarded(t, LOCAL, { timeoutMs: 200 });
  await assert.rejects(fetch(`${server.origin}/stall-headers`), hasCode('TIMEOUT'));
  // Headers must arrive before the deadline for the body to be what times out: leave them ample time.
  const partial = await guarded(t, LOCAL, { timeoutMs: 2000 })(`${server.origin}/stall-body`);
  await assert.rejects(partial.json(), hasCode('TIMEOUT'));

  const patient = guarded(t, LOCAL, { timeoutMs: 60_000 });
  const controller = new AbortController();
  const pending = patient(`${server.origin}/stall-headers`, { signal: controller.signal });
  const reason = new Error('person pressed Ctrl-C');
  setImmediate(() => controller.abort(reason));
  await assert.rejects(pending, (e: unknown) => e === reason);
});

test('a Request object is accepted like fetch accepts it', async (t) => {
  const server = await startServerOrFail(t, (request, response) => response.end(`${request.method} ${request.headers.authorization}`));
  const fetch = guarded(t, LOCAL);
  const request = new Request(`${server.origin}/token`, { method: 'POST', headers: { authorization: 'Bearer r' }, body: 'grant_type=x' });
  assert.equal(await (await fetch(request)).text(), 'POST Bearer r');
  assert.equal(server.requests[0].body, 'grant_type=x');
  await assert.rejects(fetch(new Request('https://169.254.169.254/')), hasCode('SSRF_BLOCKED', 'address'));
});
