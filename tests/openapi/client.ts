// Type-checked by tests/openapi/run.sh (tsc --noEmit) against the committed client types,
// clients/typescript/jointly.d.ts (generated from the served document by openapi-typescript).
// It reads every operation's success answer and the error of every operation: when the
// document changes a field a client relies on, or gains an operation this file does not read,
// the check fails.
import type { components, operations } from '../../clients/typescript/jointly';

type Schemas = components['schemas'];
type Responses<Op extends keyof operations> = operations[Op]['responses'];
// The body of an operation's answer with status S.
type Body<Op extends keyof operations, S extends keyof Responses<Op>> = Responses<Op>[S] extends { content: infer C }
  ? C[keyof C]
  : never;
type Success<Op extends keyof operations> = Extract<keyof Responses<Op>, 200 | 201>;

const money = (m: Schemas['Money']): string => `£${m}`;
const amounts = (a: Schemas['Amounts']): string =>
  Object.entries(a)
    .map(([agency, m]) => `${agency} ${money(m)}`)
    .join(', ');

function decision(d: Schemas['DecisionFields']): string {
  const referred = d.outcome === 'refer' ? ` to ${d.referred_to ?? '?'}` : '';
  const years = Object.entries(d.by_financial_year).map(([year, a]) => `${year}: ${amounts(a)}`);
  const segments = d.allocations.map((a) => `${a.line} ${a.from}..${a.to} (${a.days} days) ${money(a.cost)} ${a.rule}`);
  const issues = d.issues.map((i) => `${i.kind} ${i.line} ${money(i.cost)}`);
  const trace = (d.trace ?? []).map((t) => `${t.subject}: ${t.rule} ${t.applied ? 'applied' : 'not applied'}`);
  const asOf: string = d.as_of ?? 'no as_of';
  return [`${d.outcome}${referred} ${money(d.total)} (${amounts(d.by_agency)}) as of ${asOf}`, d.policy.sha256,
    ...years, ...segments, ...issues, ...trace, ...d.explanation].join('\n');
}

function panelEntry(p: Schemas['PanelRecordEntry']): string {
  const override = p.record.override ? ` override ${amounts(p.record.override.shares)}: ${p.record.override.reason}` : '';
  return `${p.panel_record_id} ${p.created_at} ${p.record.outcome} ${p.record.members.join(', ')}` +
    `${p.supersedes === null ? '' : ' supersedes ' + p.supersedes}${override}`;
}

function spend(s: Schemas['Spend']): string {
  const services = Object.entries(s.by_service).map(([service, v]) => `${service}: ${v.decisions} ${money(v.total)}`);
  return `${s.decisions} ${money(s.total)} ${amounts(s.by_agency)} ${services.join('; ')}`;
}

function side(s: Schemas['SimulationSide']): string {
  return `${s.policies.join(', ')}: funded ${s.funded_cases} ${money(s.total)}, declined ${s.declined.cases} ` +
    `${money(s.declined.total)}, approve ${s.outcomes.approve}; approved ${money(s.approved.total)}, referred ` +
    `${money(s.referred.total)}; not allocated ${money(s.not_allocated.total)} (uncovered ` +
    `${money(s.not_allocated.uncovered)}, conflict ${money(s.not_allocated.conflict)}, over caps ` +
    `${money(s.not_allocated.cap_excess)}, refused ${money(s.not_allocated.refused)}, referred ` +
    `${money(s.not_allocated.referred)}), cost ${money(s.cost)}` +
    s.by_reason.map((r) => `; ${r.kind} ${r.rule ?? '-'} ${r.ref ?? '-'}: ${r.cases} ${money(r.total)}`).join('') +
    `; outside dates ${s.outside_effective_dates.cases} ${s.outside_effective_dates.case_refs.join(' ')}`;
}

function version(v: Omit<Schemas['PolicyVersionFields'], 'origin'>): string {
  return `${v.version} ${v.effective_from ?? '-'}..${v.effective_to ?? ''} ${v.sha256}`;
}

// Every operation's success answer (the mapped type makes a missing operation an error).
const readSuccess: { [Op in keyof operations]: (body: Body<Op, Success<Op>>) => string } = {
  evaluate: (d) => decision(d),
  evaluateBatch: (b) =>
    `${b.count} (${b.failed} failed)\n` +
    b.results.map((r) => ('outcome' in r ? decision(r) : `${r.status} ${r.error.code}: ${r.error.message}`)).join('\n'),
  createDecision: (d) => `${d.decision_id}\n${decision(d)}`,
  listDecisions: (l) =>
    typeof l === 'string'
      ? l.split('\r\n')[0] ?? ''
      : `${l.total} (from ${l.offset}, ${l.limit} a page${l.next === null ? '' : ', next ' + l.next})\n` +
        l.decisions.map((d) => `${d.decision_id} ${d.case_ref ?? '(erased)'} ${d.erased ? 'erased ' : ''}${d.policy.id} ` +
          `${d.as_of ?? '-'} ${d.outcome} ${money(d.total)} ${d.created_at}`).join('\n'),
  getDecision: (d) =>
    d.erasure === null
      ? `${d.decision_id} stored ${d.created_at} (${Object.keys(d.request).length} request fields)\n${decision(d)}\n` +
        `panel: ${d.panel === null ? 'none' : panelEntry(d.panel)}\n${d.panel_records.map(panelEntry).join('\n')}`
      : `${d.decision_id} erased ${d.erasure.at} by ${d.erasure.principal}: ${d.erasure.reason}` +
        `${d.erasure.superseded_by === null ? '' : ', superseded by ' + d.erasure.superseded_by} ` +
        `${d.outcome} ${money(d.total)} (${amounts(d.by_agency)})`,
  listChanges: (f) =>
    f.changes.map((c) => `${c.seq} ${c.at} ${c.kind} ${c.decision_id} ${c.panel_record_id ?? ''}`).join('\n') + `\nnext ${f.next}`,
  eraseDecision: (e) =>
    `${e.decision_id} ${e.already_erased ? 'was already erased' : 'erased'} ${e.erasure.at} by ${e.erasure.principal}: ${e.erasure.reason}`,
  rectifyDecision: (d) => `${d.decision_id} supersedes ${d.supersedes ?? '?'}\n${decision(d)}`,
  recordPanelDecision: (p) => panelEntry(p),
  getSummaryReport: (s) =>
    typeof s === 'string' ? s.split('\r\n')[0] ?? '' :
    `${s.from ?? 'start'}..${s.to ?? 'now'} ${s.policy ?? 'every policy'}: ${s.decisions} decisions, ` +
    `approve ${s.outcomes.approve}, panel none ${s.panel_outcomes.none}, unreadable ${s.unreadable}\n` +
    `funded ${spend(s.funded)}\ndeclined ${spend(s.declined)}\noverrides ${s.overrides.decisions} ${amounts(s.overrides.by_agency)}\n` +
    Object.entries(s.referred_to).map(([to, n]) => `${to}: ${n}`).join('\n'),
  listAuditEntries: (a) =>
    a.entries.map((e) => `${e.id} ${e.at} ${e.principal} ${e.action} ${e.route} ${e.decision_id ?? '-'} ${e.status}`).join('\n') +
    (a.next === null ? '' : `\nmore after ${a.next}`),
  listPolicies: (l) =>
    `generation ${l.generation}\n` + l.policies.map((p) => `${p.id} ${p.title}: ${p.versions.map((v) => `${version(v)} from ${v.origin.kind} ${v.origin.file}`).join('; ')}`).join('\n'),
  uploadPolicy: (p) => `${p.id} ${version(p)} (${p.diagnostics.length} notes)`,
  checkPolicy: (p) => `${p.id} ${version(p)} ${p.ok ? 'compiles' : ''}${p.already_loaded ? ', already loaded' : ''}`,
  getPolicy: (p) =>
    `${p.id} ${p.title}\n` +
    p.versions.map((v) => `${version(v)} agencies ${v.agencies.map((a) => a.name).join(', ')} events ${v.events.join(', ')} ` +
      `pools ${v.pools.join(', ')} schema ${Object.keys(v.schema).length} keys, ${v.source.length} bytes`).join('\n'),
  simulate: (s) =>
    typeof s === 'string' ? s.split('\r\n')[0] ?? '' :
    `${s.cases} cases, ${s.evaluated} evaluated, ${s.skipped} skipped\nA ${side(s.a)}` +
    (s.b ? `\nB ${side(s.b)}` : '') +
    (s.difference ? `\nB - A ${money(s.difference.total)}, not allocated ${money(s.difference.not_allocated)}` : '') +
    (s.outcome_changes ?? []).map((c) => `\n${c.from} -> ${c.to}: ${c.cases}`).join('') +
    (s.changed ?? []).map((c) => `\n${c.case} ${c.case_ref}: ${c.outcome_a} -> ${c.outcome_b}`).join('') +
    (s.changed_omitted ? `\n${s.changed_omitted} more changed` : '') +
    s.errors.map((e) => `\ncase ${e.case} (${e.side}): ${e.message} ${e.details.map((d) => d.path).join(' ')}`).join(''),
  reconcilePool: (r) =>
    `${r.pool}${r.policy ? ' (' + r.policy.id + ')' : ''}: budget ${money(r.budget)} spend ${money(r.spend)} ` +
    `overspend ${money(r.overspend)} (${amounts(r.overspend_shares)}) tolerance ${r.tolerance ?? 'none'}` +
    `${r.provisional ? ' provisional' : ''}${r.tolerance_exceeded ? ' over tolerance' : ''} ${r.notes.join(' ')}`,
  getOpenApi: (d) => `${d.openapi} ${Object.keys(d.paths).length} paths`,
  getHealth: (h) => `${h.status} ${h.engine} ${h.policy_versions} versions (generation ${h.generation})`,
  getWhoAmI: (w) => `${w.name ?? 'nobody'} ${w.role ?? 'no role'}${w.authenticated ? '' : ' (not authenticated)'}`,
  getMetrics: (text) => text.split('\n')[0] ?? '',
  getPanelPage: (html) => html.slice(0, 15),
};

function errorText(e: Schemas['Error']): string {
  const details = e.error.details.map((d) => `  ${d.path} ${d.code}: ${d.message}${d.policy_span ? ` (${d.policy_span.line}:${d.policy_span.column})` : ''}`);
  const diagnostics = (e.error.diagnostics ?? []).map((d) => `  ${d.severity}[${d.code}] ${d.line}:${d.column} ${d.message}`);
  return [`${e.error.code}: ${e.error.message}`, ...details, ...diagnostics].join('\n');
}

// Every operation's refusals share the one Error shape (401 is listed by every operation).
const readUnauthorized: { [Op in keyof operations]: (body: Body<Op, 401>) => string } = {
  evaluate: errorText, evaluateBatch: errorText, createDecision: errorText, listDecisions: errorText,
  getDecision: errorText, recordPanelDecision: errorText, getSummaryReport: errorText, listAuditEntries: errorText,
  listChanges: errorText, eraseDecision: errorText, rectifyDecision: errorText,
  listPolicies: errorText, uploadPolicy: errorText, checkPolicy: errorText, getPolicy: errorText, simulate: errorText,
  reconcilePool: errorText, getOpenApi: errorText, getHealth: errorText, getWhoAmI: errorText, getMetrics: errorText, getPanelPage: errorText,
};

// A policy that does not compile: the diagnostics are always there.
const policyInvalid = (e: Body<'uploadPolicy', 422>): string =>
  e.error.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`).join('\n') + e.error.rendered;

// Requests built with the generated types: the worked case of docs/api.md.
const request: Schemas['DecisionRequest'] = {
  policy: 'reference',
  as_of: '2025-06-01',
  case_ref: 'C-1042',
  facts: { has_ehcp: true, dst: { breathing: 'high' } },
  events: { surgery: '2025-06-10' },
  lines: [
    { id: 'pc', service: 'personal_care', weekly: '450.00', start: '2025-06-01', end: '2025-08-31' },
    { id: 'eq', service: 'equipment', amount: 1250, date: '2025-06-15' },
    { id: 'hc', service: 'personal_care', hourly: '18.50', hours_per_week: '20', start: '2025-06-02', end: '2025-07-13' },
  ],
};
const panel: Schemas['PanelRecordRequest'] = {
  outcome: 'approved',
  date: '2025-06-20',
  members: ['Chair'],
  override: { shares: { health: '4929.01', social_care: '4929.00' }, reason: 'split equally' },
};
const pool: Schemas['ReconcileRequest'] = { spend: '6000000.00', carry_forward: false, contributions: { health: 1000 } };

export { readSuccess, readUnauthorized, policyInvalid, request, panel, pool };
