// The reference policy in json-rules-engine, the tool a team would otherwise use: evaluate(req)
// gives the core fields of POST /v1/evaluate's answer, with segments cut at 1 April and at the
// surgery window, exact pence with BigInt, largest remainder. Used by server.js (the HTTP
// baseline, bench/http/run.sh) and simulate.js (the caseload baseline, bench/simulate.sh).
'use strict';
const { Engine } = require('json-rules-engine');

const DAY = 86400000;
const levels = ['none', 'low', 'moderate', 'high', 'severe', 'priority'];
const toDays = (s) => Math.round(Date.parse(s + 'T00:00:00Z') / DAY);
const toIso = (d) => new Date(d * DAY).toISOString().slice(0, 10);
const pence = (s) => { const [w, f = ''] = String(s).split('.'); return BigInt(w) * 100n + BigInt((f + '00').slice(0, 2)); };
const money = (p) => { const neg = p < 0n; if (neg) p = -p; return (neg ? '-' : '') + (p / 100n) + '.' + String(p % 100n).padStart(2, '0'); };

function makeEngine() {
  const e = new Engine([], { allowUndefinedFacts: true });
  e.addRule({ name: 'personal_care', priority: 1,
    conditions: { all: [{ fact: 'service', operator: 'equal', value: 'personal_care' }] },
    event: { type: 'split', params: { rule: 'personal_care', shares: [['social_care', 1n, 1n]] } } });
  e.addRule({ name: 'post_op_personal_care', priority: 2,
    conditions: { all: [{ fact: 'service', operator: 'equal', value: 'personal_care' },
                        { fact: 'continuing_care', operator: 'equal', value: true },
                        { fact: 'in_window', operator: 'equal', value: true }] },
    event: { type: 'split', params: { rule: 'post_op_personal_care', except: 'personal_care', odd: 'health',
      shares: [['health', 1n, 2n], ['social_care', 1n, 2n]] } } });
  e.addRule({ name: 'residential', conditions: { all: [
      { fact: 'service', operator: 'equal', value: 'residential_placement' },
      { fact: 'has_ehcp', operator: 'equal', value: true }] },
    event: { type: 'split', params: { rule: 'residential', capWeekly: ['health', 150000n, 'social_care'],
      shares: [['education', 1n, 3n], ['social_care', 1n, 3n], ['health', 1n, 3n]] } } });
  e.addRule({ name: 'equipment', conditions: { all: [{ fact: 'service', operator: 'equal', value: 'equipment' }] },
    event: { type: 'split', params: { rule: 'equipment', capLine: ['health', 500000n, 'social_care'],
      shares: [['health', 3n, 5n], ['social_care', 2n, 5n]] } } });
  return e;
}
const engine = makeEngine();

function allocate(total, shares, odd) {
  const parts = shares.map(([a, n, d], i) => ({ a, i, floor: total * n / d, rem: (total * n) % d, d }));
  let left = total - parts.reduce((s, p) => s + p.floor, 0n);
  const order = [...parts].sort((x, y) => {
    const l = x.rem * y.d, r = y.rem * x.d;
    if (l !== r) return l > r ? -1 : 1;
    if (x.a === odd) return -1; if (y.a === odd) return 1; return x.i - y.i; });
  for (const p of order) { if (left <= 0n) break; p.floor += 1n; left -= 1n; }
  return parts.map((p) => [p.a, p.floor]);
}

async function evaluate(req) {
  const dst = Object.values(req.facts.dst || {});
  const cc = dst.filter((l) => l === 'priority').length >= 1 || dst.filter((l) => l === 'severe').length >= 2;
  const ehcp = !!req.facts.has_ehcp;
  const surgery = req.events && req.events.surgery ? toDays(req.events.surgery) : null;
  const allocations = [], issues = [], byAgency = { health: 0n, social_care: 0n, education: 0n };
  for (const line of req.lines) {
    const segs = [];
    if (line.amount) segs.push([toDays(line.date), toDays(line.date), pence(line.amount), 1n]);
    else {
      const weekly = line.weekly ? pence(line.weekly) : pence(line.hourly) * BigInt(line.hours_per_week);
      const s = toDays(line.start), e = toDays(line.end);
      const cuts = new Set([s, e + 1]);
      for (let y = new Date(s * DAY).getUTCFullYear(); y <= new Date(e * DAY).getUTCFullYear() + 1; y++) cuts.add(toDays(y + '-04-01'));
      if (surgery !== null && cc && line.service === 'personal_care') { cuts.add(surgery); cuts.add(surgery + 42); }
      const pts = [...cuts].filter((c) => c >= s && c <= e + 1).sort((a, b) => a - b);
      for (let i = 0; i + 1 < pts.length; i++) {
        const days = BigInt(pts[i + 1] - pts[i]);
        segs.push([pts[i], pts[i + 1] - 1, (weekly * days * 2n + 7n) / 14n, days]);
      }
    }
    for (const [from, to, cost, days] of segs) {
      const inWindow = surgery !== null && from >= surgery && from < surgery + 42;
      const { events } = await engine.run({ service: line.service, continuing_care: cc, has_ehcp: ehcp, in_window: inWindow });
      let applying = events.map((ev) => ev.params);
      const excepted = new Set(applying.map((p) => p.except).filter(Boolean));
      applying = applying.filter((p) => !excepted.has(p.rule));
      if (applying.length !== 1) { issues.push({ kind: applying.length ? 'conflict' : 'uncovered', line: line.id }); continue; }
      const r = applying[0];
      const shares = Object.fromEntries(allocate(cost, r.shares, r.odd));
      const cap = r.capWeekly ? [r.capWeekly[0], r.capWeekly[1] * days / 7n, r.capWeekly[2]] : r.capLine;
      if (cap && shares[cap[0]] > cap[1]) { shares[cap[2]] += shares[cap[0]] - cap[1]; shares[cap[0]] = cap[1]; }
      for (const [a, v] of Object.entries(shares)) byAgency[a] += v;
      allocations.push({ line: line.id, from: toIso(from), to: toIso(to), days: Number(days), cost: money(cost), rule: r.rule,
        shares: Object.fromEntries(Object.entries(shares).map(([a, v]) => [a, money(v)])) });
    }
  }
  const total = Object.values(byAgency).reduce((s, v) => s + v, 0n);
  const outcome = !cc && !ehcp ? 'decline' : issues.length ? 'refer' : total > 25000000n ? 'refer' : 'approve';
  return { outcome, total: money(total), by_agency: Object.fromEntries(Object.entries(byAgency).map(([a, v]) => [a, money(v)])), allocations, issues };
}

module.exports = { evaluate, money };
