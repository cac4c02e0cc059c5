// The contract test of GET /v1/openapi.json: starts a real `jointly serve` (a temporary
// database, a copy of policies/, a token per role), fetches the document, calls every
// operation in it with requests built from the policy library's worked cases, and checks each
// answer against the document: the status is one the operation lists, the media type is one
// it lists for that status, the body validates (Ajv, JSON Schema 2020-12, formats checked,
// schemas closed) and every header the document marks required is there. Also checks the
// document's security claims (a token-only operation refuses no token with 401, a
// role-limited one refuses the other roles with 403), that every documented success status
// of every operation was produced, and that the representative error statuses were. Exits
// non-zero on any failure; writes the served document to --out for the linter and the
// TypeScript generator (run.sh).
//
// node contract.test.mjs --jointly BUILD/app/jointly --repo REPO --out DIR
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const opt = parseArgs(process.argv.slice(2));
const repo = path.resolve(opt.repo);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jointly-openapi-'));
const out = path.resolve(opt.out || tmp);
const TOKENS = {
  client: 'openapi-test-client-token',
  panel: 'openapi-test-panel-token',
  author: 'openapi-test-author-token',
  auditor: 'openapi-test-auditor-token',
  admin: 'openapi-test-admin-token',
};
const MAX_BATCH = 3;
// Statuses the test must have seen answered (somewhere) and found documented.
const REPRESENTATIVE = [200, 201, 400, 401, 403, 404, 405, 409, 411, 413, 414, 415, 421, 422, 431];

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error('bad argument ' + argv[i]);
    o[argv[i].slice(2)] = argv[i + 1];
  }
  if (!o.jointly || !o.repo) throw new Error('usage: contract.test.mjs --jointly BUILD/app/jointly --repo REPO [--out DIR]');
  return o;
}

// ---- the server ------------------------------------------------------------------------

function startServer() {
  const tokens = path.join(tmp, 'tokens');
  fs.writeFileSync(tokens, Object.entries(TOKENS).map(([role, t]) => `${t} ${role} openapi-${role}`).join('\n') + '\n', { mode: 0o600 });
  fs.cpSync(path.join(repo, 'policies'), path.join(tmp, 'policies'), { recursive: true });
  const args = ['serve', '--port', '0', '--db', path.join(tmp, 'decisions.db'), '--policies', path.join(tmp, 'policies'),
    '--tokens', tokens, '--max-batch', String(MAX_BATCH)];
  const child = spawn(path.resolve(opt.jointly), args, { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const address = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not say where it listens within 20 s:\n' + log)), 20000);
    const onData = (buf) => {
      log += buf.toString();
      const m = /listening on (\S+?):(\d+)/.exec(log);
      if (m) { clearTimeout(timer); resolve({ host: m[1], port: Number(m[2]) }); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, sig) => { clearTimeout(timer); reject(new Error(`the server exited (${code ?? sig}) before listening:\n${log}`)); });
  });
  return { child, address, log: () => log };
}

// One request on its own connection, written byte for byte (so that framing the fetch API
// forbids can be sent): `headers` are [name, value] pairs; `length` overrides the
// Content-Length sent (null: none).
function send(address, { method, target, headers = [], body = null, length, host }) {
  const payload = body === null ? Buffer.alloc(0) : Buffer.from(body);
  let head = `${method} ${target} HTTP/1.1\r\nHost: ${host || address.host + ':' + address.port}\r\nConnection: close\r\n`;
  for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
  const declared = length === undefined ? (body === null ? null : payload.length) : length;
  if (declared !== null) head += `Content-Length: ${declared}\r\n`;
  return new Promise((resolve, reject) => {
    const socket = net.connect(address.port, address.host);
    const chunks = [];
    socket.setTimeout(30000, () => socket.destroy(new Error(`${method} ${target}: no answer within 30 s`)));
    // cpp-httplib keeps a connection it could not read a request from open: stop reading once
    // the whole answer is in.
    socket.on('data', (c) => {
      chunks.push(c);
      const raw = Buffer.concat(chunks);
      const end = raw.indexOf('\r\n\r\n');
      const length = end < 0 ? null : /\r\ncontent-length: *(\d+)/i.exec(raw.subarray(0, end).toString('latin1'));
      if (length && raw.length >= end + 4 + Number(length[1])) { finish(); socket.destroy(); }
    });
    socket.on('error', (e) => (e.code === 'ECONNRESET' && chunks.length ? finish() : reject(e)));
    socket.on('end', finish);
    let done = false;
    function finish() {
      if (done) return;
      done = true;
      try { resolve(parseResponse(Buffer.concat(chunks))); } catch (e) { reject(new Error(`${method} ${target}: ${e.message}`)); }
    }
    socket.write(Buffer.concat([Buffer.from(head + '\r\n'), payload]));
  });
}

function parseResponse(raw) {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error('no complete response: ' + JSON.stringify(raw.toString().slice(0, 200)));
  const lines = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1]);
  const headers = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  else if (/chunked/i.test(headers['transfer-encoding'] || '')) throw new Error('a chunked answer');
  return { status, headers, body: body.toString('utf8') };
}

// ---- the document -----------------------------------------------------------------------

const COMPONENTS_ID = 'https://jointly.invalid/components.json';

// The document's schemas as one JSON Schema 2020-12 resource: `#/components/schemas/X`
// becomes `components.json#/$defs/X`.
function rewriteRefs(node) {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    const copy = {};
    for (const [k, v] of Object.entries(node)) {
      copy[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')
        ? COMPONENTS_ID + '#/$defs/' + v.slice('#/components/schemas/'.length)
        : rewriteRefs(v);
    }
    return copy;
  }
  return node;
}

class Contract {
  constructor(doc) {
    this.doc = doc;
    this.ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: COMPONENTS_ID, $defs: rewriteRefs(doc.components.schemas) });
    this.validators = new Map();
    this.operations = [];
    for (const [template, item] of Object.entries(doc.paths)) {
      const pattern = new RegExp('^' + template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+') + '$');
      for (const [method, op] of Object.entries(item)) this.operations.push({ template, pattern, method, op, seen: new Set() });
    }
  }

  resolve(node, kind) {
    const prefix = `#/components/${kind}/`;
    if (node && node.$ref) {
      if (!node.$ref.startsWith(prefix)) throw new Error('unexpected $ref ' + node.$ref);
      return this.doc.components[kind][node.$ref.slice(prefix.length)];
    }
    return node;
  }

  // The operation a request reaches, as the server routes it: a literal path before a
  // template, a path with the method before one without (then a 405 of that path).
  route(method, target) {
    const pathname = target.split('?')[0];
    const matches = this.operations.filter((o) => o.pattern.test(pathname));
    const literal = (o) => (o.template.includes('{') ? 1 : 0);
    const withMethod = matches.filter((o) => o.method === method.toLowerCase()).sort((a, b) => literal(a) - literal(b));
    if (withMethod.length) return { operation: withMethod[0] };
    const paths = [...new Set(matches.map((o) => o.template))].sort((a, b) => (a.includes('{') ? 1 : 0) - (b.includes('{') ? 1 : 0));
    if (!paths.length) return { problem: `${method} ${pathname} is under no path of the document` };
    return { otherMethodOf: paths[0] };
  }

  validator(key, schema) {
    if (!this.validators.has(key)) this.validators.set(key, this.ajv.compile(rewriteRefs(schema)));
    return this.validators.get(key);
  }

  // Problems with `res` as the answer to `method target` (empty: it matches the document).
  check(method, target, res, requestBody, requestType) {
    const where = `${method} ${target} -> ${res.status}`;
    const routed = this.route(method, target);
    if (routed.problem) return [routed.problem];
    let name;
    let response;
    if (routed.operation) {
      const o = routed.operation;
      name = `${o.method.toUpperCase()} ${o.template}`;
      response = o.op.responses[String(res.status)];
      if (!response) return [`${where}: status ${res.status} is not documented for ${name} (lists ${Object.keys(o.op.responses).join(', ')})`];
      o.seen.add(res.status);
      if (res.status < 300 && requestBody !== undefined) {
        const problems = this.checkRequest(o, requestBody, requestType, where);
        if (problems.length) return problems;
      }
    } else {
      // A method the path does not take: every operation of the path documents the 405.
      const ops = this.operations.filter((o) => o.template === routed.otherMethodOf);
      name = `${method} ${routed.otherMethodOf} (not an operation)`;
      if (res.status !== 405) return [`${where}: a method ${routed.otherMethodOf} does not take answered ${res.status}, not 405`];
      const missing = ops.filter((o) => !o.op.responses['405']);
      if (missing.length) return [`${where}: 405 is not documented for ${missing.map((o) => o.method.toUpperCase() + ' ' + o.template).join(', ')}`];
      for (const o of ops) o.seen.add(405);
      response = ops[0].op.responses['405'];
    }
    response = this.resolve(response, 'responses');
    const problems = [];
    for (const [header, spec] of Object.entries(response.headers || {})) {
      const h = this.resolve(spec, 'headers');
      if (h.required && res.headers[header.toLowerCase()] === undefined) problems.push(`${where}: the documented header ${header} is missing`);
    }
    const media = (res.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
    const content = response.content || {};
    if (!Object.keys(content).length) {
      if (res.body.length) problems.push(`${where}: a body (${media}) where the document says none`);
      return problems;
    }
    if (!content[media]) {
      problems.push(`${where}: content type "${media}" is not documented for ${name} ${res.status} (lists ${Object.keys(content).join(', ')})`);
      return problems;
    }
    let body = res.body;
    if (media === 'application/json') {
      try { body = JSON.parse(res.body); } catch (e) { problems.push(`${where}: the body is not JSON: ${e.message}`); return problems; }
    }
    const validate = this.validator(`${name} ${res.status} ${media}`, content[media].schema || {});
    if (!validate(body)) {
      problems.push(`${where}: the body does not match the document (${name} ${res.status} ${media}):\n` +
        validate.errors.slice(0, 8).map((e) => `    ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`).join('\n') +
        '\n    body: ' + res.body.slice(0, 400));
    }
    return problems;
  }

  // A request that succeeded must be one the document's requestBody accepts.
  checkRequest(o, requestBody, requestType, where) {
    const spec = o.op.requestBody;
    if (!spec) return [`${where}: a body was sent but ${o.template} documents none`];
    const media = requestType.split(';')[0].trim();
    const content = spec.content[media];
    if (!content) return [`${where}: the request's media type ${media} is not documented`];
    const value = media === 'application/json' ? JSON.parse(requestBody) : requestBody;
    const validate = this.validator(`request ${o.method} ${o.template} ${media}`, content.schema);
    if (validate(value)) return [];
    return [`${where}: the server accepted a request the document's requestBody refuses:\n` +
      validate.errors.slice(0, 8).map((e) => `    ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`).join('\n')];
  }
}

// ---- the calls --------------------------------------------------------------------------

function readCase(relative) {
  return JSON.parse(fs.readFileSync(path.join(repo, 'policies', relative), 'utf8'));
}

const TRANSPORT_POLICY = `policy openapi_transport "Transport (contract test)"
  version "2025.1"
  effective from 2025-04-01

agency health "NHS"
agency social_care "Social care"

rule transport
  when service is transport
  split health 50%, social_care 50%
`;

// docs/diagnostics.md, E3004.
const EVENT_POLICY = `policy openapi_event "Event (contract test)"
  version "1"
  effective from 2025-04-01

agency health "NHS Integrated Care Board"
event surgery

eligible recent_surgery when surgery >= 2025-04-01
  because "surgery in this financial year"

rule post_op
  when service is personal_care and recent_surgery
  split health 100%
`;

async function main() {
  const server = startServer();
  const failures = [];
  let calls = 0;
  try {
    const address = await server.address;
    const docRes = await send(address, { method: 'GET', target: '/v1/openapi.json' });
    if (docRes.status !== 200) throw new Error('GET /v1/openapi.json answered ' + docRes.status);
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'openapi.json'), JSON.stringify(JSON.parse(docRes.body), null, 2) + '\n');
    const contract = new Contract(JSON.parse(docRes.body));
    const seenStatuses = new Set();

    // Sends a request, checks the answer against the document and against `expect`.
    async function call(method, target, { token, json, text, type, headers = [], length, host, expect }) {
      const h = [...headers];
      if (token) h.push(['Authorization', TOKENS[token] ? 'Bearer ' + TOKENS[token] : token]);
      let body = null;
      let requestType;
      if (json !== undefined) { body = typeof json === 'string' ? json : JSON.stringify(json); requestType = type || 'application/json'; }
      if (text !== undefined) { body = text; requestType = type || 'text/plain'; }
      if (requestType) h.push(['Content-Type', requestType]);
      const started = Date.now();
      const res = await send(address, { method, target, headers: h, body, length, host });
      const took = Date.now() - started;
      if (took > 2000) console.log(`# slow: ${method} ${target.slice(0, 60)} took ${took} ms`);
      calls++;
      seenStatuses.add(res.status);
      const label = `${method} ${target}${token ? ' (' + token.split(' ')[0] + ')' : ''}`;
      if (expect !== undefined && res.status !== expect) failures.push(`${label}: expected ${expect}, got ${res.status}: ${res.body.slice(0, 300)}`);
      failures.push(...contract.check(method, target, res, body === null ? undefined : body, requestType));
      let parsed = null;
      if ((res.headers['content-type'] || '').startsWith('application/json')) { try { parsed = JSON.parse(res.body); } catch { /* reported */ } }
      return { ...res, json: parsed };
    }

    const postOp = readCase('reference/cases/post-op-across-year-end-odd-penny.json').request;
    const refer = readCase('reference/cases/residential-without-ehcp-uncovered.json').request;
    const approve = readCase('reference/cases/equipment-just-at-cap.json').request;
    const decline = { ...approve, case_ref: 'OA-decline', facts: { has_ehcp: false, dst: { skin: 'high' } } };

    // Operations: open routes, with and without a token.
    await call('GET', '/healthz', { expect: 200 });
    await call('GET', '/healthz', { token: 'client', expect: 200 });
    await call('GET', '/v1/whoami', { token: 'panel', expect: 200 });
    await call('GET', '/metrics', { expect: 200 });
    await call('GET', '/v1/openapi.json', { expect: 200 });
    await call('GET', '/', { expect: 200 });
    await call('GET', '/v1/policies', { expect: 200 });
    await call('GET', '/v1/policies/reference', { expect: 200 });
    await call('GET', '/v1/policies/pooled_budgets', { token: 'auditor', expect: 200 });
    await call('GET', '/v1/policies/no_such_policy', { expect: 404 });
    await call('GET', '/healthz', { token: 'Bearer not-a-token', expect: 401 });
    await call('GET', '/v1/policies', { token: 'Basic dXNlcjpwYXNz', expect: 401 });

    // Evaluation.
    await call('POST', '/v1/evaluate', { token: 'client', json: postOp, expect: 200 });
    await call('POST', '/v1/evaluate?explain=full', { token: 'panel', json: postOp, expect: 200 });
    await call('POST', '/v1/evaluate', { token: 'client', json: { ...refer, explain: 'full', case_ref: null }, expect: 200 });
    await call('POST', '/v1/evaluate', { token: 'client', json: decline, expect: 200 });
    // Agencies from a fact and agency groups: the decision has by_agency_group.
    const twoIcbs = {
      policy: 'multi_icb', as_of: '2025-04-01',
      facts: { responsible_icb: 'icb_south', continuing_care: true },
      lines: [{ id: 'n', service: 'nursing', weekly: '1400.00', start: '2025-04-07', end: '2025-05-04' }],
    };
    const icbDecision = await call('POST', '/v1/evaluate', { token: 'client', json: twoIcbs, expect: 200 });
    if (icbDecision.json?.by_agency_group?.health !== '4800.00') failures.push(`multi_icb: by_agency_group ${JSON.stringify(icbDecision.json?.by_agency_group)}, want health 4800.00`);
    await call('POST', '/v1/evaluate', { token: 'client', json: { ...twoIcbs, facts: { responsible_icb: 'social_care', continuing_care: true } }, expect: 400 });
    await call('GET', '/v1/policies/multi_icb', { token: 'client', expect: 200 });
    await call('POST', '/v1/evaluate', { token: 'client', json: '{"lines": [', expect: 400 });
    await call('POST', '/v1/evaluate', { token: 'client', json: { ...postOp, facts: { has_echp: true }, lines: [{ id: 'pc', service: 'personal_care', weekly: 450.5, start: '2025-06-01', end: '2025-05-01' }] }, expect: 400 });
    await call('POST', '/v1/evaluate?explain=some', { token: 'client', json: postOp, expect: 400 });
    await call('POST', '/v1/evaluate', { token: 'client', json: { ...postOp, as_of: '2024-06-01' }, expect: 404 });
    await call('POST', '/v1/evaluate', { token: 'client', json: { ...postOp, policy: 'no_such_policy' }, expect: 404 });
    await call('POST', '/v1/evaluate', { token: 'client', text: JSON.stringify(postOp), expect: 415 });
    await call('POST', '/v1/evaluate', { token: 'client', json: postOp, headers: [['Content-Encoding', 'gzip']], expect: 415 });
    await call('POST', '/v1/evaluate', { token: 'client', json: postOp, headers: [['Origin', 'https://elsewhere.example']], expect: 403 });
    await call('POST', '/v1/evaluate', { token: 'client', json: postOp, headers: [['Sec-Fetch-Site', 'cross-site']], expect: 403 });
    await call('POST', '/v1/evaluate', { token: 'client', json: '{}', length: 5 * 1024 * 1024, expect: 413 });
    await call('POST', '/v1/evaluate', { token: 'client', json: '{}', length: null, expect: 411 });
    await call('POST', '/v1/evaluate', { token: 'client', json: '{}', length: null, headers: [['Transfer-Encoding', 'chunked']], expect: 411 });
    await call('POST', '/v1/evaluate', { token: 'client', json: '{}', headers: [['Transfer-Encoding', 'chunked']], expect: 400 });
    await call('POST', '/v1/evaluate', { token: 'client', json: '{}', length: 'ten', expect: 400 });
    await call('GET', '/v1/evaluate', { token: 'client', expect: 405 });
    await call('DELETE', '/v1/decisions', { token: 'client', expect: 405 });
    await call('PUT', '/v1/decisions/d-0000000000000000', { token: 'client', json: '{}', expect: 405 });
    await call('GET', '/healthz', { headers: Array.from({ length: 120 }, (_, i) => [`X-Filler-${i}`, 'x']), expect: 431 });
    await call('GET', '/healthz', { host: 'rebound.example', expect: 421 });
    await call('GET', '/healthz', { headers: [1, 2, 3, 4, 5].map((i) => [`X-Big-${i}`, 'x'.repeat(7000)]), expect: 431 });
    await call('GET', '/healthz', { headers: [['X-Big', 'x'.repeat(9000)]], expect: 400 });
    await call('GET', '/v1/decisions?case_ref=' + 'x'.repeat(9000), { token: 'client', expect: 414 });
    await call('GET', '/healthz', { json: '{}', length: 5 * 1024 * 1024, expect: 413 });
    // A policy that reads an event the request may leave out (docs/diagnostics.md, E3004):
    // evaluating such a request is a 422, stored or not, and a failed result in a batch.
    await call('POST', '/v1/policies', { token: 'author', text: EVENT_POLICY, expect: 201 });
    const noEvent = { policy: 'openapi_event', as_of: '2025-06-01', lines: [{ id: 'pc', service: 'personal_care', weekly: '450.00', start: '2025-06-01', end: '2025-06-30' }] };
    await call('POST', '/v1/evaluate', { token: 'client', json: noEvent, expect: 422 });
    await call('POST', '/v1/decisions', { token: 'client', json: noEvent, expect: 422 });
    await call('POST', '/v1/evaluate/batch', { token: 'client', json: [noEvent, { ...noEvent, events: { surgery: '2025-05-01' } }], expect: 200 });

    // Batches.
    await call('POST', '/v1/evaluate/batch', { token: 'client', json: { requests: [postOp, { ...postOp, facts: {} }] }, expect: 200 });
    await call('POST', '/v1/evaluate/batch?explain=full', { token: 'client', json: [refer], expect: 200 });
    await call('POST', '/v1/evaluate/batch', { token: 'client', json: { requests: Array(MAX_BATCH + 1).fill(postOp) }, expect: 413 });
    await call('POST', '/v1/evaluate/batch', { token: 'client', json: { items: [] }, expect: 400 });

    // Stored decisions, panel records, the list, the summary and the audit trail.
    const stored = await call('POST', '/v1/decisions', { token: 'client', json: { ...approve, case_ref: 'OA-1' }, expect: 201 });
    const id = stored.json?.decision_id;
    if (stored.headers.location !== `/v1/decisions/${id}`) failures.push(`POST /v1/decisions: Location is ${stored.headers.location}, not /v1/decisions/${id}`);
    await call('POST', '/v1/decisions', { token: 'client', json: refer, expect: 201 });
    await call('POST', '/v1/decisions?explain=full', { token: 'client', json: decline, expect: 201 });
    await call('POST', '/v1/decisions', { token: 'client', json: { ...approve, lines: [] , facts: { dst: 'x' } }, expect: 400 });
    await call('POST', '/v1/decisions', { token: 'client', json: { ...approve, as_of: '2020-01-01' }, expect: 404 });
    await call('GET', `/v1/decisions/${id}`, { token: 'client', expect: 200 });
    const total = stored.json?.total;
    await call('POST', `/v1/decisions/${id}/panel`, { token: 'panel', json: { outcome: 'deferred', date: '2025-06-20', members: ['Chair'] }, expect: 201 });
    await call('POST', `/v1/decisions/${id}/panel`, { token: 'panel', json: { outcome: 'approved', date: '2025-06-27', members: ['Chair', 'ICB lead'], notes: 'agreed', override: { shares: { social_care: total }, reason: 'social care pays it all' } }, expect: 201 });
    await call('POST', `/v1/decisions/${id}/panel`, { token: 'panel', json: { outcome: 'approved', date: '2025-06-20', members: ['Chair'], override: { shares: { health: '1.00' }, reason: 'wrong sum' } }, expect: 400 });
    await call('POST', `/v1/decisions/${id}/panel`, { token: 'client', json: { outcome: 'deferred', date: '2025-06-20', members: ['Chair'] }, expect: 403 });
    await call('POST', '/v1/decisions/d-0000000000000000/panel', { token: 'panel', json: { outcome: 'deferred', date: '2025-06-20', members: ['Chair'] }, expect: 404 });
    await call('GET', `/v1/decisions/${id}`, { token: 'admin', expect: 200 });
    await call('GET', '/v1/decisions/d-0000000000000000', { token: 'client', expect: 404 });
    await call('GET', '/v1/decisions', { token: 'client', expect: 200 });
    await call('GET', '/v1/decisions?case_ref=OA-1&outcome=approve&from=2000-01-01&to=2999-12-31&limit=1&offset=0', { token: 'client', expect: 200 });
    await call('GET', '/v1/decisions?limit=many&outcome=maybe', { token: 'client', expect: 400 });
    await call('GET', '/v1/reports/summary', { token: 'client', expect: 200 });
    await call('GET', '/v1/reports/summary?policy=reference&from=2000-01-01&to=2999-12-31', { token: 'client', expect: 200 });
    await call('GET', '/v1/reports/summary?from=2025-02-30', { token: 'client', expect: 400 });
    const page = await call('GET', '/v1/audit?limit=2', { token: 'auditor', expect: 200 });
    if (page.json && page.json.next === null) failures.push('GET /v1/audit?limit=2: expected a next page');
    await call('GET', `/v1/audit?after=${page.json?.next}&decision=${id}&principal=openapi-client`, { token: 'auditor', expect: 200 });
    await call('GET', '/v1/audit?bogus=1', { token: 'auditor', expect: 400 });

    // Retry safety, paging, CSV and the change feed.
    const keyed = { ...approve, case_ref: 'OA-key' };
    const first = await call('POST', '/v1/decisions', { token: 'client', json: keyed, headers: [['Idempotency-Key', 'oa-key-1']], expect: 201 });
    const replay = await call('POST', '/v1/decisions', { token: 'client', json: keyed, headers: [['Idempotency-Key', 'oa-key-1']], expect: 201 });
    if (replay.headers['idempotent-replayed'] !== 'true' || replay.json?.decision_id !== first.json?.decision_id) failures.push('POST /v1/decisions: a replayed Idempotency-Key did not answer the first decision');
    await call('POST', '/v1/decisions', { token: 'client', json: { ...keyed, case_ref: 'OA-key-2' }, headers: [['Idempotency-Key', 'oa-key-1']], expect: 409 });
    await call('POST', '/v1/decisions', { token: 'client', json: keyed, headers: [['Idempotency-Key', 'has space']], expect: 400 });
    const firstPage = await call('GET', '/v1/decisions?limit=1&policy=reference', { token: 'client', expect: 200 });
    if (!firstPage.json?.next) failures.push('GET /v1/decisions?limit=1: expected a next page');
    else await call('GET', firstPage.json.next, { token: 'client', expect: 200 });
    await call('GET', '/v1/decisions?after=1&offset=2', { token: 'client', expect: 400 });
    await call('GET', '/v1/decisions?format=csv&limit=1', { token: 'client', expect: 200 });
    await call('GET', '/v1/decisions', { token: 'client', headers: [['Accept', 'text/csv']], expect: 200 });
    await call('GET', '/v1/reports/summary?format=csv', { token: 'client', expect: 200 });
    const feed = await call('GET', '/v1/changes?limit=5', { token: 'client', expect: 200 });
    await call('GET', `/v1/changes?after=${feed.json?.next}&wait=1`, { token: 'client', expect: 200 });
    await call('GET', '/v1/changes?wait=99', { token: 'client', expect: 400 });
    await call('GET', '/v1/changes?after=999999999', { token: 'client', expect: 409 });

    // Erasure and rectification.
    const toErase = await call('POST', '/v1/decisions', { token: 'client', json: { ...approve, case_ref: 'OA-erase' }, expect: 201 });
    const eraseId = toErase.json?.decision_id;
    await call('POST', `/v1/decisions/${eraseId}/panel`, { token: 'panel', json: { outcome: 'approved', date: '2025-06-20', members: ['Chair'], notes: 'private' }, expect: 201 });
    await call('POST', `/v1/decisions/${eraseId}/erasure`, { token: 'admin', json: {}, expect: 400 });
    await call('POST', `/v1/decisions/${eraseId}/erasure`, { token: 'admin', json: { reason: 'ER-1' }, expect: 200 });
    await call('POST', `/v1/decisions/${eraseId}/erasure`, { token: 'admin', json: { reason: 'ER-1 again' }, expect: 200 });
    await call('GET', `/v1/decisions/${eraseId}`, { token: 'client', expect: 200 });
    await call('POST', `/v1/decisions/${eraseId}/panel`, { token: 'panel', json: { outcome: 'approved', date: '2025-06-20', members: ['Chair'] }, expect: 409 });
    await call('POST', '/v1/decisions/d-0000000000000000/erasure', { token: 'admin', json: { reason: 'r' }, expect: 404 });
    const toRectify = await call('POST', '/v1/decisions', { token: 'client', json: { ...approve, case_ref: 'OA-rect' }, expect: 201 });
    const rectifyId = toRectify.json?.decision_id;
    await call('POST', `/v1/decisions/${rectifyId}/rectification`, { token: 'admin', json: { reason: 'r' }, expect: 400 });
    await call('POST', `/v1/decisions/${rectifyId}/rectification`, { token: 'admin', json: { reason: 'r', request: noEvent }, expect: 422 });
    await call('POST', `/v1/decisions/${rectifyId}/rectification`, { token: 'admin', json: { reason: 'r', request: { ...approve, as_of: '2020-01-01' } }, expect: 404 });
    const rectified = await call('POST', `/v1/decisions/${rectifyId}/rectification`, { token: 'admin', json: { reason: 'cost keyed wrongly', request: { ...approve, case_ref: 'OA-rect' } }, expect: 201 });
    if (rectified.json?.supersedes !== rectifyId) failures.push('POST rectification: the new decision does not name the one it supersedes');
    await call('GET', `/v1/decisions/${rectified.json?.decision_id}`, { token: 'client', expect: 200 });
    await call('POST', `/v1/decisions/${rectifyId}/rectification`, { token: 'admin', json: { reason: 'again', request: approve }, expect: 409 });
    await call('POST', '/v1/decisions/d-0000000000000000/rectification', { token: 'admin', json: { reason: 'r', request: approve }, expect: 404 });

    // Policies.
    await call('POST', '/v1/policies/check', { token: 'client', text: TRANSPORT_POLICY, expect: 200 });
    await call('POST', '/v1/policies/check', { token: 'client', json: { source: TRANSPORT_POLICY.replace('split health', 'split heath'), file: 'draft.jf' }, expect: 422 });
    await call('POST', '/v1/policies/check', { token: 'client', text: '', expect: 400 });
    const uploaded = await call('POST', '/v1/policies', { token: 'author', text: TRANSPORT_POLICY, expect: 201 });
    if (uploaded.headers.location !== '/v1/policies/openapi_transport') failures.push(`POST /v1/policies: Location is ${uploaded.headers.location}`);
    await call('POST', '/v1/policies/check', { token: 'client', json: { source: TRANSPORT_POLICY }, expect: 200 });
    await call('POST', '/v1/policies', { token: 'author', json: { source: TRANSPORT_POLICY }, expect: 409 });
    await call('POST', '/v1/policies', { token: 'author', text: TRANSPORT_POLICY.replace('2025.1', '2026.1').replace('2025-04-01', '2026-04-01').replace('split health', 'split heath'), expect: 422 });
    await call('POST', '/v1/policies', { token: 'author', text: '# padding\n'.repeat(30000) + TRANSPORT_POLICY, expect: 413 });
    await call('POST', '/v1/policies', { token: 'author', json: '{}', type: 'application/xml', expect: 415 });
    await call('POST', '/v1/policies', { token: 'client', text: TRANSPORT_POLICY, expect: 403 });

    // Simulation.
    const draft = fs.readFileSync(path.join(repo, 'policies/reference/reference.jf'), 'utf8')
      .replace('version "2025.1"', 'version "2026.1"').replace(/decline when[^\n]*\n[^\n]*\n/, '')
      .replace(/\n  effective [^\n]*/, '\n  effective from 2026-04-01');
    // The draft approves the declined case (outcome_changes, by_reason) and takes effect after
    // the cases' as_of (outside_effective_dates lists them).
    const cases = [approve, decline, { ...approve, facts: {} }];
    await call('POST', '/v1/simulate', { token: 'client', json: { policy: 'reference', vs_source: draft, cases }, expect: 200 });
    await call('POST', '/v1/simulate?format=csv', { token: 'client', json: { policy: 'reference', vs_source: draft, cases }, expect: 200 });
    await call('POST', '/v1/simulate', { token: 'client', json: { policy: 'reference', cases }, headers: [['Accept', 'text/csv']], expect: 200 });
    await call('POST', '/v1/simulate?format=xml', { token: 'client', json: { policy: 'reference', cases }, expect: 400 });
    await call('POST', '/v1/simulate', { token: 'client', json: { policy: 'reference', cases }, expect: 200 });
    await call('POST', '/v1/simulate', { token: 'client', json: { policy: 'no_such_policy', cases: [] }, expect: 404 });
    await call('POST', '/v1/simulate', { token: 'client', json: { cases: Array(MAX_BATCH * 100 + 1).fill({}) }, expect: 413 });
    await call('POST', '/v1/simulate', { token: 'client', json: { policy: 'reference', vs_source: 'policy broken', cases }, expect: 422 });
    await call('POST', '/v1/simulate', { token: 'client', json: { policy: 'reference', case: [] }, expect: 400 });

    // Pooled budgets.
    const pool = readCase('pooled-budgets/cases/pool-authority-1-overspend-actual-contributions.json');
    await call('POST', `/v1/pools/${pool.pool}/reconcile`, { token: 'client', json: { spend: pool.spend, carry_forward: pool.carry_forward, contributions: pool.contributions }, expect: 200 });
    await call('POST', '/v1/pools/adhoc/reconcile', { token: 'client', json: { contributions: { health: '100.00', social_care: 300 }, spend: '500.00', carry_forward: false }, expect: 200 });
    const refused = readCase('pooled-budgets/cases/pool-authority-4-overspend-refused.json');
    await call('POST', `/v1/pools/${refused.pool}/reconcile`, { token: 'client', json: { policy: 'pooled_budgets', spend: refused.spend, carry_forward: refused.carry_forward }, expect: 422 });
    await call('POST', '/v1/pools/no_such_pool/reconcile', { token: 'client', json: { spend: '1.00' }, expect: 404 });
    await call('POST', '/v1/pools/adhoc/reconcile', { token: 'client', json: { spend: '1.5', sped: 1 }, expect: 400 });

    // The document's security claims, operation by operation: no token -> 401 where one is
    // needed; a role the operation does not list -> 403.
    for (const o of contract.operations) {
      const target = o.template.replace('{id}', o.template.startsWith('/v1/decisions') ? id : 'x');
      const body = o.method === 'post' ? { json: '{}' } : {};
      const needsToken = !o.op.security.some((s) => Object.keys(s).length === 0);
      if (needsToken) await call(o.method.toUpperCase(), target, { ...body, expect: 401 });
      for (const role of Object.keys(TOKENS)) {
        if (o.op['x-roles'] && !o.op['x-roles'].includes(role)) await call(o.method.toUpperCase(), target, { ...body, token: role, expect: 403 });
      }
    }

    // Every operation exercised, every documented success status produced, and the
    // representative errors seen.
    for (const o of contract.operations) {
      const successes = Object.keys(o.op.responses).map(Number).filter((s) => s < 300);
      for (const s of successes) if (!o.seen.has(s)) failures.push(`${o.method.toUpperCase()} ${o.template}: the documented ${s} was never produced`);
      if (!o.op.operationId) failures.push(`${o.method.toUpperCase()} ${o.template}: no operationId`);
    }
    for (const s of REPRESENTATIVE) if (!seenStatuses.has(s)) failures.push(`no request produced a ${s}`);
  } finally {
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    if (server.child.exitCode === null && server.child.pid) {
      server.child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    }
    if (out !== tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (failures.length) {
    console.error(`not ok - ${failures.length} contract failure(s) in ${calls} requests:\n` + failures.map((f) => '  - ' + f).join('\n'));
    process.exitCode = 1;
  } else {
    console.log(`ok - ${calls} requests; every answer matches the document`);
  }
}

main().catch((e) => {
  console.error('not ok - ' + (e.stack || e));
  process.exit(1);
});
