// Baseline for bench/simulate.sh: a caseload (JSON Lines, one request a line) evaluated case by
// case with json-rules-engine (reference.js), counted as `jointly simulate` counts it: cases,
// outcomes, and the funded total (approved and referred cases) per agency, in exact pence.
// Usage: node simulate.js CASELOAD.jsonl. Prints one JSON object.
'use strict';
const fs = require('fs');
const readline = require('readline');
const { evaluate, money } = require('./reference');

async function main() {
  const file = process.argv[2];
  if (!file) throw new Error('usage: node simulate.js CASELOAD.jsonl');
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  const outcomes = { approve: 0, refer: 0, decline: 0 };
  const funded = {};
  let cases = 0, skipped = 0;
  for await (const line of lines) {
    if (!line.trim()) continue;
    cases += 1;
    let out;
    try { out = await evaluate(JSON.parse(line)); } catch (err) { skipped += 1; continue; }
    outcomes[out.outcome] += 1;
    if (out.outcome === 'decline') continue;
    for (const [agency, amount] of Object.entries(out.by_agency)) {
      const [w, f] = amount.split('.');
      funded[agency] = (funded[agency] || 0n) + BigInt(w) * 100n + BigInt(f);
    }
  }
  const by_agency = Object.fromEntries(Object.entries(funded).map(([a, p]) => [a, money(p)]));
  console.log(JSON.stringify({ cases, skipped, outcomes, funded: by_agency }));
}

main().catch((err) => { console.error(err.message); process.exit(1); });
