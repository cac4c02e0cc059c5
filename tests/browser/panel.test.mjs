// Drives the panel chair's page (server/web/index.html) in a real headless browser against a
// real `jointly serve`, at 1280 px and at 390 px: sign in once, enter the post-op 50/50 worked
// case, the checks of issue 14's defects (stale results, storing twice, width, dates, the panel
// form and focus, a reload keeping the draft), then the chair's whole flow (evaluate, store,
// record with an override, find the child by case reference, compare with the previous
// decision, copy the minutes, print). axe-core runs in every state reached and must report no
// violation. Screenshots at both widths. Exits non-zero on the first failure.
//
// node panel.test.mjs --jointly BUILD/app/jointly --repo REPO [--screenshot FILE]
//                     [--case FILE] [--chromium /usr/bin/chromium]
// The 1280 px screenshot is FILE, the 390 px one FILE with `-390` before `.png`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const opt = parseArgs(process.argv.slice(2));
const repo = path.resolve(opt.repo || path.join(import.meta.dirname ?? '.', '..', '..'));
const casePath = opt.case || path.join(repo, '..', 'shared', 'acceptance', 'cases', 'post-op-50-50.json');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jointly-browser-'));
const shot = path.resolve(opt.screenshot || path.join(tmp, 'panel.png'));
const PANEL_TOKEN = 'browser-test-panel-token';
const PANEL_NAME = 'chair-ashworth';
const TIMEOUT = 15000;

let passed = 0;
function ok(name) { passed++; console.log('ok ' + passed + ' - ' + name); }
function expect(cond, message) { if (!cond) throw new Error(message); }
// Waits until an element of `locator` shows `want` (the page updates asynchronously).
async function expectText(locator, want, what) {
  try {
    await locator.filter({ hasText: want }).first().waitFor({ timeout: TIMEOUT });
  } catch (e) {
    const seen = (await locator.allInnerTexts().catch(() => [])).map((t) => t.replace(/\s+/g, ' '));
    throw new Error(`${what}: expected to see ${JSON.stringify(want)}, saw ${JSON.stringify(seen)}`);
  }
}
function waitForApi(page, method, pathname) {
  return page.waitForResponse((r) => r.request().method() === method && new URL(r.url()).pathname === pathname);
}
// "£1,350.00" -> 135000n; "−£5.00" -> -500n. Money in the test is BigInt pence too.
function pence(text) {
  const m = /(−|-)?£([\d,]+)\.(\d\d)/.exec(text);
  if (!m) throw new Error('no amount in ' + JSON.stringify(text));
  const p = BigInt(m[2].replace(/,/g, '')) * 100n + BigInt(m[3]);
  return m[1] ? -p : p;
}
const decimal = (p) => (p < 0n ? '-' : '') + ((p < 0n ? -p : p) / 100n).toString() + '.' + ((p < 0n ? -p : p) % 100n).toString().padStart(2, '0');

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error('bad argument ' + argv[i]);
    o[argv[i].slice(2)] = argv[i + 1];
  }
  if (!o.jointly) throw new Error('usage: panel.test.mjs --jointly BUILD/app/jointly --repo REPO [--screenshot FILE]');
  return o;
}

// Starts `jointly serve --port 0` and resolves with its base URL once it says where it listens.
function startServer() {
  const tokens = path.join(tmp, 'tokens');
  fs.writeFileSync(tokens, `# TOKEN ROLE NAME\n${PANEL_TOKEN} panel ${PANEL_NAME}\n`, { mode: 0o600 });
  const args = ['serve', '--port', '0', '--db', path.join(tmp, 'decisions.db'), '--policies', 'policies', '--tokens', tokens, '--open-evaluation'];
  const child = spawn(path.resolve(opt.jointly), args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not say where it listens within 20 s:\n' + log)), 20000);
    const onData = (buf) => {
      log += buf.toString();
      const m = /listening on (\S+?):(\d+)/.exec(log);
      if (m) { clearTimeout(timer); resolve(`http://${m[1]}:${m[2]}`); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, sig) => { clearTimeout(timer); reject(new Error(`the server exited (${code ?? sig}) before listening:\n${log}`)); });
  });
  return { child, url, log: () => log };
}

// axe-core in the page's current state: no violation of any rule it runs by default.
async function axe(page, state, width) {
  const has = await page.evaluate(() => typeof window.axe === 'object');
  if (!has) await page.evaluate(AXE_SOURCE);
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | '));
  });
  expect(found.length === 0, `axe at ${width} px, ${state}:\n  ` + found.join('\n  '));
  axeStates.push(state);
}
const axeStates = [];

// The page is no wider than the window (defect 3).
async function fits(page, width, state) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  if (w > width) {
    const wide = await page.evaluate((vw) => Array.from(document.querySelectorAll('body *'))
      .filter((e) => e.getBoundingClientRect().right > vw + 0.5 && !(e.parentElement.closest('.table-wrap')))
      .slice(0, 6).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)), width);
    throw new Error(`defect 3: at ${width} px the page is ${w} px wide (${state}); too wide: ${wide.join(', ')}`);
  }
}

async function chairFlow(context, base, kase, width) {
  const page = await context.newPage();
  await page.setViewportSize({ width, height: 900 });
  page.setDefaultTimeout(TIMEOUT);
  const problems = [];
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push('console error: ' + m.text());
  });
  const external = [];
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) external.push(r.url()); });
  const posts = [];
  page.on('request', (r) => { if (r.method() === 'POST') posts.push({ path: new URL(r.url()).pathname, key: r.headers()['idempotency-key'] || null, body: r.postData() }); });
  const at = ' (' + width + ' px)';
  const caseRef = 'BT-' + width + '-' + process.pid;

  try {
    const res = await page.goto(base + '/');
    expect(res && res.ok(), 'GET / answered ' + (res && res.status()));
    await expectText(page.locator('#api-status'), 'Connected', 'API status');
    await fits(page, width, 'loaded');
    await axe(page, 'loaded', width);
    ok('the page loads and lists the policies; axe clean' + at);

    // Item 8: sign in once per browser session.
    await page.fill('#token', 'not-a-real-token-at-all');
    await page.click('#sign-in');
    await expectText(page.locator('#signin-msg'), 'not recognised', 'a wrong token is refused');
    await page.fill('#token', PANEL_TOKEN);
    await page.click('#sign-in');
    await expectText(page.locator('#signed-in'), 'Signed in as ' + PANEL_NAME + ' (panel)', 'signed-in indicator');
    expect(await page.locator('#token').isHidden(), 'the token field stays after signing in');
    expect(await page.evaluate(() => sessionStorage.getItem('jointly.token')) === PANEL_TOKEN, 'the token is not kept for the tab');
    expect(await page.locator('input[type=password]:visible').count() === 0, 'another token field is still on the page');
    await axe(page, 'signed in', width);
    ok('item 8: a token typed once signs in ("Signed in as ' + PANEL_NAME + ' (panel)"); a wrong one is refused' + at);

    await page.selectOption('#policy', 'reference');
    await page.locator('table[data-map="dst"]').waitFor();
    await page.locator('#paste summary').click();
    await page.fill('#paste-json', JSON.stringify(kase, null, 2));
    await page.click('#paste-fill');
    await expectText(page.locator('#paste-msg'), 'filled', 'paste message');
    await page.fill('#case_ref', caseRef);
    expect(await page.inputValue('#lines-list [data-f="weekly"]') === '450.00', 'weekly cost not filled');
    ok('pasting the worked case fills the form' + at);

    // Item 4: services from a list with their names, domains from a list, "did you mean".
    expect(await page.locator('#services option[value="personal_care"]').getAttribute('label') === 'personal care',
      'the service list has no "personal care"');
    expect(await page.locator('#domains option[value="eating_and_drinking"]').count() === 1, 'no list of domains');
    expect(await page.locator('table[data-map="dst"] .map-key').first().getAttribute('list') === 'domains', 'a domain is not chosen from the list');
    // A fact asked in the words of its label in the policy (`fact has_ehcp "Has an education, ...": bool`).
    expect(await page.getByLabel('Has an education, health and care plan (optional)').isVisible(), 'the fact is not asked by its label');
    expect((await page.locator('table[data-map="dst"] caption').textContent()).startsWith('Decision support tool levels'), 'the map fact is not named by its label');
    const service = page.locator('#lines-list [data-f="service"]').first();
    const hint = page.locator('#lines-list .service-hint').first();
    await expectText(hint, 'personal care', 'the known service named in words');
    await service.fill('personl_care');
    await service.press('Tab');
    await expectText(hint, 'Did you mean personal_care?', 'a misspelt service');
    await axe(page, 'did you mean', width);
    await hint.locator('button', { hasText: 'Use personal_care' }).click();
    expect(await service.inputValue() === 'personal_care', 'the suggestion was not taken');
    await expectText(hint, 'personal care', 'the corrected service named in words');
    expect(!/Did you mean/.test(await hint.innerText()), 'the suggestion stayed after it was taken');
    ok('item 4: services and domains chosen from lists with names in words; "did you mean personal_care?" for a misspelt service' + at);

    // Defect 5 (focus): "Add a domain" puts the cursor in the new domain's name.
    const dst = page.locator('table[data-map="dst"]');
    await dst.locator('xpath=..').locator('button', { hasText: 'Add a domain' }).click();
    expect(await page.evaluate(() => document.activeElement.classList.contains('map-key')), 'focus did not move to the new domain');
    expect(await dst.locator('tbody tr').count() === 4, 'no domain row added');
    await page.keyboard.press('Tab');
    ok('defect 5: "Add a domain" moves focus to the new domain\'s name' + at);

    // Defect 4: a year with five digits is refused in the page, next to its field.
    let evaluations = posts.length;
    await page.fill('#as_of', '20255-06-01');
    await page.click('#evaluate');
    await expectText(page.locator('#package-form .field-error'), 'four-digit year', 'five-digit year refused');
    expect(await page.getAttribute('#as_of', 'aria-invalid') === 'true', 'as_of not marked invalid');
    expect(posts.length === evaluations, 'a date with a five-digit year was sent to the API');
    await page.fill('#as_of', '2025-06-01');
    ok('defect 4: a five-digit year is refused beside the field and never sent' + at);

    // Item 5: errors in words, beside the field; pointers, codes and backticks only in a toggle.
    const end = page.locator('#lines-list [data-f="end"]');
    await end.fill('2025-05-01');
    await page.click('#evaluate');
    await expectText(page.locator('#lines-list .field-error'), 'Line 1: the end date is before the start date', 'end before start');
    const errText = await page.locator('#errors').innerText();
    expect(!/\/lines\/0|`|E\d{4}/.test(errText), 'the error box shows pointers or codes: ' + errText);
    expect(await page.locator('#errors details.tech').count() === 1, 'no technical details toggle');
    await axe(page, 'errors shown', width);
    await end.fill('2025-08-31');
    // An API error (a policy may refuse what the page lets through) is also put in words.
    await page.route('**/v1/evaluate', (route) => route.fulfill({ status: 400, contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'invalid_request', message: 'the request has 1 problem', details: [
        { code: 'E4107', path: '/lines/0/end', message: 'the line ends (2025-05-01) before it starts (2025-06-01)' }] } }) }));
    await page.click('#evaluate');
    await expectText(page.locator('#lines-list .field-error'), 'Line 1: the line ends (1 May 2025) before it starts (1 June 2025)', 'API error in words');
    const apiErr = await page.locator('#errors').innerText();
    expect(!/\/lines\/0|`|E4107/.test(apiErr), 'the API error shows pointers or codes: ' + apiErr);
    await page.unroute('**/v1/evaluate');
    ok('item 5: "Line 1: the end date is before the start date" beside the field; no pointer, code or backtick on screen' + at);

    // Evaluate.
    await page.check('#explain-full');
    await Promise.all([waitForApi(page, 'POST', '/v1/evaluate'), page.click('#evaluate')]);
    await page.locator('#outcome').waitFor();
    expect(await page.evaluate(() => document.activeElement && document.activeElement.id) === 'h-result', 'focus did not move to the result');
    // Item 7: the rules trace reads as sentences, not arrays.
    const steps = await page.locator('#trace ol.trace li').allTextContents();
    expect(steps.length > 0, 'no rules trace');
    for (const step of steps) {
      expect(/^[A-Z][^:]*: .+ (applied|did not apply)/.test(step) && step.endsWith('.'), 'a trace step is not a sentence: ' + step);
      expect(!/[\[\]{}"]|\d{4}-\d{2}-\d{2}/.test(step), 'a trace step shows JSON or ISO dates: ' + step);
    }
    expect(steps.some((t) => /^Line pc, \d{1,2} [A-Z][a-z]+ 2025 to \d{1,2} [A-Z][a-z]+ 2025: .+ applied, because /.test(t)), 'no applied rule for line pc in words: ' + steps.join(' | '));
    await page.uncheck('#explain-full');
    expect(await page.locator('#errors').isHidden(), 'the error box stayed after a good evaluation');
    expect(await page.getAttribute('#outcome', 'data-outcome') === kase.expected.outcome, 'outcome is not ' + kase.expected.outcome);
    await expectText(page.locator('#by-agency tr[data-agency="health"]'), '£1,350.00', 'health total');
    await expectText(page.locator('#by-agency tr[data-agency="social_care"]'), '£4,564.28', 'social care total');
    await expectText(page.locator('#total-row'), '£5,914.28', 'package total');
    await expectText(page.locator('#by-year tr[data-agency="health"] td[data-year="2025-26"]'), '£1,350.00', 'FY 2025-26 health');
    // Item 9 (by_line): each cost line named as the package names it, per agency, with its total.
    expect((await page.locator('#by-line tr[data-line="pc"] th').innerText()).trim() === 'Line 1 (pc): personal care', 'the cost line is not named in words');
    const lineCells = (await page.locator('#by-line tr[data-line="pc"] td').allInnerTexts()).map((t) => t.trim());
    const lineHeads = (await page.locator('#by-line thead th').allInnerTexts()).map((t) => t.trim()).slice(1);
    const lineSplit = Object.fromEntries(lineHeads.map((head, i) => [head, lineCells[i]]));
    expect(lineSplit['NHS Integrated Care Board'] === '£1,350.00' && lineSplit["Children's Social Care"] === '£4,564.28' && lineSplit['Line total'] === '£5,914.28',
      'the per-line split is not the API\'s by_line: ' + JSON.stringify(lineSplit));
    await expectText(page.locator('#agency-chart .bar-row[data-agency="health"] .bar-value'), '£1,350.00', 'chart value for health');
    const rows = page.locator('#allocations tbody tr');
    expect(await rows.count() === 3, 'expected 3 allocations, saw ' + await rows.count());
    await expectText(rows.nth(1), 'post_op_personal_care', 'allocation 2 rule');
    await rows.nth(1).locator('details.clause summary').click();
    await expectText(rows.nth(1).locator('details.clause pre'), 'split health 50%, social_care 50%', 'the clause of allocation 2');
    await expectText(page.locator('#issues'), 'No issues', 'issues');
    // Item 6: how far the package is from each outcome threshold: £250,000.00 - £5,914.28.
    await expectText(page.locator('#thresholds li'), '£244,085.72 below the referral to Director of Children\'s Services, which needs a total over £250,000.00.', 'distance to the referral threshold');
    ok('evaluation shows approve, £1,350.00 / £4,564.28 per agency and year, chart, allocations with their clauses (item 7); focus on the result' + at);

    // Defect 4: one date format on screen.
    await expectText(page.locator('#as-of-shown'), '1 June 2025', 'as of in words');
    await expectText(rows.nth(0), '1 June 2025', 'allocation dates in words');
    const shown = await page.locator('#result-body').evaluate((el) => {
      const c = el.cloneNode(true); c.querySelectorAll('details').forEach((d) => d.remove()); return c.innerText;
    });
    expect(!/\b\d{4}-\d{2}-\d{2}\b/.test(shown), 'an ISO date is on screen: ' + (/\b\d{4}-\d{2}-\d{2}\b/.exec(shown) || [''])[0]);
    ok('defect 4: dates on screen read "1 June 2025"' + at);

    // Defect 5: no default outcome; the panel form is disabled until the decision is stored.
    expect(await page.inputValue('#panel-outcome') === '', 'the panel outcome has a default');
    expect(await page.locator('#panel-fields').evaluate((e) => e.disabled), 'the panel form is enabled for an unstored evaluation');
    expect(await page.locator('#panel-outcome').isDisabled() && await page.locator('#panel-submit').isDisabled(), 'panel controls enabled before storing');
    await fits(page, width, 'evaluated');
    await axe(page, 'evaluated', width);
    ok('defect 5: no default panel outcome; the panel form is disabled until the decision is stored' + at);

    // Defect 1: an edit marks the result out of date, for screen readers too.
    const weekly = page.locator('#lines-list [data-f="weekly"]');
    await weekly.fill('460.00');
    await expectText(page.locator('#stale'), 'Out of date', 'stale notice');
    expect(await page.locator('#stale').getAttribute('aria-live') === 'polite', 'the stale notice is not a live region');
    expect(await page.locator('#result').evaluate((e) => e.classList.contains('stale')), 'the result is not marked stale');
    await axe(page, 'stale', width);
    await weekly.fill('450.00');
    await expect(await page.locator('#stale').innerText() === '', 'the notice stayed once the package is as evaluated');
    // A failed evaluation clears the previous result.
    await weekly.fill('470.00');
    await page.route('**/v1/evaluate', (route) => route.fulfill({ status: 503, contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'store_unavailable', message: 'the store failed', details: [] } }) }));
    await page.click('#evaluate');
    await page.locator('#errors').waitFor();
    expect(await page.locator('#result').isHidden(), 'a failed evaluation left the previous result under the error');
    expect(await page.locator('#panel-section').isHidden(), 'a failed evaluation left the panel form');
    await page.unroute('**/v1/evaluate');
    await weekly.fill('450.00');
    ok('defect 1: an edit marks the result "out of date" (aria-live); a failed evaluation clears it' + at);

    // Store: an Idempotency-Key per package state (defect 2); focus moves to the result (defect 5).
    let before = posts.length;
    await Promise.all([waitForApi(page, 'POST', '/v1/decisions'), page.click('#store')]);
    await page.locator('#decision-id').waitFor();
    const firstId = (await page.locator('#decision-id').innerText()).trim();
    const stores = posts.slice(before).filter((p) => p.path === '/v1/decisions');
    expect(stores.length === 1 && stores[0].key, 'storing sent no Idempotency-Key');
    expect(await page.evaluate(() => document.activeElement && document.activeElement.id) === 'h-result', 'focus did not move to the stored result');
    expect(!(await page.locator('#panel-fields').evaluate((e) => e.disabled)), 'the panel form stays disabled once stored');
    ok('storing sends Idempotency-Key ' + stores[0].key.slice(0, 18) + '…; focus moves to the stored result; the panel form opens' + at);

    // Defect 1 again: an edit after storing disables recording the panel's decision.
    await weekly.fill('455.00');
    await expectText(page.locator('#stale'), 'Out of date', 'stale after storing');
    expect(await page.locator('#panel-submit').isDisabled(), 'recording stays possible for an out-of-date result');
    await weekly.fill('450.00');
    await page.locator('#panel-submit:enabled').waitFor();
    ok('defect 1: recording the panel\'s decision is disabled while the result is out of date' + at);

    // Defect 2: storing the same package again warns first and stores nothing.
    before = posts.length;
    await page.click('#store');
    await expectText(page.locator('#store-warning'), 'same as the latest decision', 'warning before storing twice');
    expect(posts.slice(before).every((p) => p.path !== '/v1/decisions'), 'the same package was stored again');
    await axe(page, 'store warning', width);
    await page.click('#store-cancel');
    const count = await page.evaluate(async ([ref, token]) => (await (await fetch('v1/decisions?case_ref=' + encodeURIComponent(ref),
      { headers: { Authorization: 'Bearer ' + token } })).json()).total, [caseRef, PANEL_TOKEN]);
    expect(count === 1, 'expected 1 stored decision for ' + caseRef + ', found ' + count);
    // The same key replays: a retry of the same state stores nothing new.
    const replay = await page.evaluate(async ([key, body, token]) => {
      const r = await fetch('v1/decisions', { method: 'POST', body,
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key, Authorization: 'Bearer ' + token } });
      return r.headers.get('Idempotent-Replayed');
    }, [stores[0].key, stores[0].body, PANEL_TOKEN]);
    expect(replay === 'true', 'the page\'s key for this package state did not replay: ' + replay);
    ok('defect 2: a second "Evaluate and store" of the same package warns and stores nothing; its key replays' + at);

    // A second decision for the child: the package changes. Item 6: evaluating it first shows
    // what the change does against the result on screen.
    await weekly.fill('500.00');
    await Promise.all([waitForApi(page, 'POST', '/v1/evaluate'), page.click('#evaluate')]);
    await expectText(page.locator('#whatif'), 'What if: this package against the previous result', 'what-if heading');
    await expectText(page.locator('#whatif-agency tr[data-agency="social_care"] td.change'), '+£', 'what-if change for social care');
    await expectText(page.locator('#whatif-agency tr.total td.change'), '+£', 'what-if change in the total');
    await fits(page, width, 'what if');
    await axe(page, 'what if', width);
    ok('item 6: evaluating a changed package shows its change per agency and year against the previous result' + at);

    // Item 6: a package kept as the baseline; a changed copy evaluated beside it, both results
    // side by side per agency and year, with what differs in the package in words.
    await page.click('#whatif-keep');
    await expectText(page.locator('#whatif-note'), 'What-if baseline kept', 'the baseline note');
    const baseTotal = pence(await page.locator('#total-row td').nth(1).innerText());
    await weekly.fill('600.00');
    await page.locator('#lines-list [data-f="end"]').first().fill('2025-09-07');
    // Defect 4: a date field's own format is the browser's; beneath it the date in the page's one format.
    expect((await page.locator('#lines-list [data-f="end"] + .date-words').first().innerText()).trim() === '7 September 2025', 'the date is not said in words under its field');
    await Promise.all([waitForApi(page, 'POST', '/v1/evaluate'), page.click('#evaluate')]);
    await expectText(page.locator('#whatif h3'), 'What if: this package beside the baseline', 'the what-if heading');
    const heads = await page.locator('#whatif-agency thead th').allInnerTexts();
    expect(heads[1] === 'Baseline' && heads[2] === 'What if', 'the columns are not the baseline and the what-if: ' + heads.join(' | '));
    const changes = await page.locator('#whatif .whatif-changes li').allInnerTexts();
    for (const want of ['Line pc, weekly: £500.00 → £600.00', 'Line pc, end: 31 August 2025 → 7 September 2025']) {
      expect(changes.includes(want), 'the package changes lack ' + JSON.stringify(want) + ': ' + JSON.stringify(changes));
    }
    expect(changes.length === 2, 'the package changes list more than was changed: ' + JSON.stringify(changes));
    const cells = async (sel) => (await page.locator(sel + ' td').allInnerTexts()).map((t) => t.trim());
    const [wasTotal, nowTotal, changeTotal] = await cells('#whatif-agency tr.total');
    expect(pence(wasTotal) === baseTotal, 'the baseline column is not the baseline total: ' + wasTotal);
    expect(pence(nowTotal) === pence(await page.locator('#total-row td').nth(1).innerText()), 'the what-if column is not the result on screen');
    expect(pence(changeTotal) === pence(nowTotal) - pence(wasTotal), 'the change is not the difference: ' + [wasTotal, nowTotal, changeTotal].join(' '));
    expect(await page.locator('#whatif-year tbody tr').count() >= 2, 'no change per financial year');
    await fits(page, width, 'what-if beside the baseline');
    await axe(page, 'what-if beside the baseline', width);
    await Promise.all([waitForApi(page, 'POST', '/v1/evaluate'), page.click('#whatif-restore')]);
    expect(await weekly.inputValue() === '500.00', 'the baseline package was not put back');
    await expectText(page.locator('#whatif-agency tr.total td.change'), 'no change', 'the baseline against itself');
    await page.click('#whatif-drop');
    expect(await page.locator('#whatif').innerText() === '', 'stopping the comparison left it on screen');
    ok('item 6: a package kept as the baseline and a changed copy shown side by side, per agency and year, with the changes in words' + at);
    await Promise.all([waitForApi(page, 'POST', '/v1/decisions'), page.click('#store')]);
    await page.waitForFunction((first) => { const e = document.querySelector('#decision-id'); return e && e.textContent.trim() !== first; }, firstId);
    const secondId = (await page.locator('#decision-id').innerText()).trim();
    expect(secondId !== firstId, 'the changed package was not stored as a new decision');
    const health = pence(await page.locator('#by-agency tr[data-agency="health"] td').first().innerText());
    const social = pence(await page.locator('#by-agency tr[data-agency="social_care"] td').first().innerText());
    ok('the changed package is stored as a second decision ' + secondId + at);

    // Defect 5: the panel form needs an outcome.
    await page.fill('#panel-date', '2025-06-20');
    await page.fill('#panel-members', 'Chair (health)\nHead of service (social care)\nSENCO lead (education)\nParent');
    await page.fill('#panel-notes', 'Health carries £100 more while the ICB reviews the plan.');
    await page.click('#panel-submit');
    await expectText(page.locator('#panel-errors'), 'The panel\'s outcome: choose the outcome', 'outcome is required');
    await axe(page, 'panel errors', width);
    await page.selectOption('#panel-outcome', 'approved');
    await page.check('#override-on');
    await page.fill('[data-override="health"]', decimal(health + 10000n));
    await page.fill('[data-override="social_care"]', decimal(social - 10000n));
    await expectText(page.locator('#override-sum'), 'matches', 'override sum');
    await page.fill('#override-reason', 'Health agreed to carry £100 more while the ICB reviews the plan.');
    await Promise.all([waitForApi(page, 'POST', '/v1/decisions/' + secondId + '/panel'), page.click('#panel-submit')]);
    await page.locator('#panel-records .record').first().waitFor();
    const saved = await page.locator('#panel-records .record .recorded-at').first().innerText();
    expect(!/\d{4}-\d{2}-\d{2}T|Z\b/.test(saved) && /\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d/.test(saved), 'the panel record time is not readable: ' + saved);
    expect(posts.some((p) => p.path.endsWith('/panel') && p.key), 'the panel record was sent without an Idempotency-Key');
    ok('defect 5 and 4: the outcome must be chosen; the record shows "' + saved.replace(/^\W+/, '') + '"' + at);

    // Item 2: the panel's agreed split headlines the result.
    await expectText(page.locator('#agreed'), 'The panel agreed: approved', 'agreed headline');
    await expectText(page.locator('#agreed-split tr[data-agency="health"]'), '+£100.00', 'difference for health');
    await expectText(page.locator('#agreed-split tr[data-agency="social_care"]'), '−£100.00', 'difference for social care');
    await expectText(page.locator('#agreed'), 'Reason: Health agreed', 'override reason');
    await axe(page, 'panel recorded with override', width);
    ok('item 2: the agreed split is headlined with its difference from the rules\' split and the reason' + at);

    // Item 1: find the child by case reference; newest first; open; compare.
    await page.fill('#find-ref', caseRef);
    await Promise.all([waitForApi(page, 'GET', '/v1/decisions'), page.click('#find-submit')]);
    const found = page.locator('#found tbody tr');
    await found.first().waitFor();
    expect(await found.count() === 2, 'expected 2 decisions for the child, saw ' + await found.count());
    expect(await found.nth(0).getAttribute('data-decision') === secondId, 'the newest decision is not first');
    await expectText(found.nth(0), 'approved (split changed)', 'panel outcome in the list');
    await expectText(found.nth(1), 'not yet recorded', 'no panel outcome yet');
    await expectText(found.nth(1), '£5,914.28', 'total of the first decision');
    await found.nth(0).locator('.compare-found').click();
    const change = pence(await page.locator('#compare-agency tr[data-agency="social_care"] td.change').innerText());
    expect(change > 0n, 'the change for social care is not an increase');
    await expectText(page.locator('#compare-year tr[data-year="2025-26"][data-agency="social_care"] td.change'), '+£', 'change per year');
    await expectText(page.locator('#compare-agency tr.total td.change'), '+£', 'change in the total');
    await fits(page, width, 'find and compare');
    await axe(page, 'find and compare', width);
    await found.nth(1).locator('.open-found').click();
    await expectText(page.locator('#decision-id'), firstId, 'opened the first decision');
    await expectText(page.locator('#total-row'), '£5,914.28', 'its total');
    expect(await page.inputValue('#lines-list [data-f="weekly"]') === '450.00', 'its package was not put back in the form');
    await found.nth(0).locator('.open-found').click();
    await expectText(page.locator('#decision-id'), secondId, 'opened the second decision');
    await expectText(page.locator('#agreed'), 'The panel agreed', 'the reopened decision headlines the panel');
    ok('item 1: the child\'s decisions are listed newest first with outcomes; compare shows +' + decimal(change) + ' for social care; each opens' + at);

    // Item 9: the report sums the stored decisions, with the panel's changes per agency.
    await Promise.all([waitForApi(page, 'GET', '/v1/reports/summary'), page.click('#report-submit')]);
    await expectText(page.locator('#report-summary'), 'under reference', 'report summary');
    // Both widths share one server: each adds £100.00 for health.
    await expectText(page.locator('#report-agency tr[data-agency="health"]'), width === 1280 ? '+£100.00' : '+£200.00', 'the panel\'s change for health in the report');
    await expectText(page.locator('#report-agency tr.total'), 'Funded', 'funded total');
    await fits(page, width, 'report');
    await axe(page, 'report', width);
    // Over time, by reason, by need level and age band, per service: each a chart drawn by the
    // page (hidden from screen readers) beside its table, with a CSV download of the table.
    const month = page.locator('#report-month tbody tr');
    expect(await month.count() === 1, 'expected one month in the report, saw ' + await month.count());
    const monthDecisions = Number(await month.first().locator('td').first().innerText());
    expect(monthDecisions >= 2, 'the month counts ' + monthDecisions + ' decisions');
    await expectText(page.locator('#report-need-dst tr[data-key="severe"]'), 'severe', 'the need level of the stored decisions (the highest: seizures and skin severe)');
    await expectText(page.locator('#report-age tr[data-key="unknown"]'), 'unknown', 'the age band (the reference policy asks no date of birth)');
    await expectText(page.locator('#report-service tr[data-key="personal care"]'), '£', 'funded per service');
    const charts = page.locator('#report svg.chart');
    expect(await charts.count() >= 4, 'expected a chart per table, saw ' + await charts.count());
    expect(await charts.first().getAttribute('aria-hidden') === 'true', 'a chart is not hidden from screen readers');
    expect(await page.locator('#report-month').locator('xpath=ancestor::div[contains(@class,"report-block")]').locator('svg.chart rect').count() === 1, 'the month chart has no bar');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button[data-csv="report-month"]')]);
    const csvText = fs.readFileSync(await download.path(), 'utf8');
    const csvLines = csvText.split('\r\n');
    expect(csvLines[0] === 'Month,Decisions,Approved,Referred,Declined,Panel overrides,Funded', 'CSV header: ' + csvLines[0]);
    expect(csvLines[1].split(',')[1] === String(monthDecisions), 'the CSV row does not match the table: ' + csvLines[1]);
    expect(/^\d{4}-\d{2},\d+,\d+,\d+,\d+,\d+,\d+\.\d\d$/.test(csvLines[1]), 'the CSV row is not month, counts and a decimal amount: ' + csvLines[1]);
    await fits(page, width, 'report breakdowns');
    await axe(page, 'report breakdowns', width);
    ok('item 9: the report sums the stored decisions per agency and year, with the panel\'s changes; over time, by need level, age band, service, each with a chart and a CSV download' + at);

    // Item 3: minutes as plain text; printing gives exactly that.
    await page.click('#copy-minutes');
    await expectText(page.locator('#minutes-msg'), 'ipboard', 'copied');
    const minutes = await page.locator('#minutes').innerText();
    for (const want of ['Case reference: ' + caseRef, 'Has an education, health and care plan: no', 'Decision support tool levels: breathing high', 'surgery on 10 June 2025',
      'Line 1 (pc): personal care, £500.00 a week, from 1 June 2025 to 31 August 2025', 'What the rules say: approve',
      'Who pays, per agency', '2025-26:', 'Outcome: approved, on 20 June 2025', 'Members present: Chair (health), Head of service (social care)',
      'Notes: Health carries', 'Override of the split:', 'Reason for the override: Health agreed']) {
      expect(minutes.includes(want), 'the minutes lack ' + JSON.stringify(want) + ':\n' + minutes);
    }
    expect(!/[{}`]|sha256|\/lines\/|\d{4}-\d{2}-\d{2}/.test(minutes), 'the minutes hold JSON, hashes, pointers or ISO dates:\n' + minutes);
    const clip = await page.evaluate(() => navigator.clipboard.readText().catch(() => null));
    expect(clip === null || clip === minutes, 'the clipboard does not hold the minutes');
    await axe(page, 'minutes', width);
    await page.emulateMedia({ media: 'print' });
    const printed = await page.evaluate(() => {
      const visible = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; };
      return {
        controls: Array.from(document.querySelectorAll('input, select, textarea, button, summary')).filter(visible).map((e) => e.outerHTML.slice(0, 60)),
        text: document.body.innerText,
      };
    });
    await page.emulateMedia({ media: 'screen' });
    expect(printed.controls.length === 0, 'printing shows form controls: ' + printed.controls.join(', '));
    expect(printed.text.includes('Case reference: ' + caseRef) && printed.text.includes('Reason for the override'), 'printing does not show the minutes');
    expect(!/sha256|[{}]|Evaluate and store|Rules trace/.test(printed.text), 'printing shows more than the minutes:\n' + printed.text.slice(0, 400));
    // One A4 page: the PDF Chromium prints (with the print stylesheet; the screen media emulated
    // above would override it) has exactly one page object.
    await page.emulateMedia({ media: 'print' });
    const pdfBytes = await page.pdf({ format: 'A4' });
    await page.emulateMedia({ media: 'screen' });
    fs.mkdirSync(path.dirname(shot), { recursive: true });
    fs.writeFileSync(shot.replace(/\.png$/, '') + '-minutes' + (width === 1280 ? '' : '-' + width) + '.pdf', pdfBytes);
    const pdf = pdfBytes.toString('latin1');
    const pages = (pdf.match(/\/Type\s*\/Page(?!s)/g) || []).length;
    expect(pages === 1, 'the minutes print on ' + pages + ' A4 pages, not one');
    ok('item 3: "Copy for minutes" gives the case in words per agency and year with the panel\'s record; print shows only that' + at);

    // Defect 5: every stop of the keyboard shows a focus ring.
    await page.evaluate(() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); });
    await page.focus('#find-ref');
    const noRing = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const e = document.activeElement;
        if (!e || e === document.body) return null;
        const s = getComputedStyle(e);
        const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || /\d+px/.test(s.boxShadow || '');
        return { ring, what: e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).split(' ')[0] : '') +
          (ring ? '' : ' (outline ' + s.outlineStyle + ' ' + s.outlineWidth + ', shadow ' + s.boxShadow + ', focus-visible ' + e.matches(':focus-visible') + ')') };
      });
      if (f && !f.ring) noRing.push(f.what);
    }
    expect(noRing.length === 0, 'no visible focus ring on: ' + noRing.join(', '));
    ok('defect 5: 40 keyboard stops, each with a visible focus ring' + at);

    // Defect 6: a reload keeps the typed package (and the sign-in) for this tab.
    await page.fill('#case_ref', caseRef + '-draft');
    await weekly.fill('512.34');
    await page.reload();
    await expectText(page.locator('#draft-note'), 'put back', 'draft restored');
    expect(await page.inputValue('#case_ref') === caseRef + '-draft', 'the case reference was lost on reload');
    expect(await page.inputValue('#lines-list [data-f="weekly"]') === '512.34', 'the weekly cost was lost on reload');
    await expectText(page.locator('#signed-in'), PANEL_NAME, 'still signed in after reload');
    await axe(page, 'draft restored', width);
    ok('defect 6: a reload puts the typed package back; the sign-in lasts for the tab' + at);

    await page.click('#sign-out');
    expect(await page.locator('#token').isVisible(), 'no token field after signing out');
    expect(await page.evaluate(() => sessionStorage.getItem('jointly.token')) === null, 'the token is still kept after signing out');
    ok('item 8: signing out forgets the token' + at);

    expect(external.length === 0, 'the page fetched outside the server: ' + external.join(', '));
    expect(problems.length === 0, problems.join('\n'));
    ok('no external requests, no script errors' + at);

    // A screenshot of the chair's view of the second decision, with its panel record.
    await page.fill('#token', PANEL_TOKEN);
    await page.click('#sign-in');
    await page.fill('#open-id', secondId);
    await Promise.all([waitForApi(page, 'GET', '/v1/decisions/' + secondId), page.click('#open-form button[type="submit"]')]);
    await page.locator('#agreed').waitFor();
    await fits(page, width, 'reopened');
    await axe(page, 'reopened by id', width);
    const file = width === 1280 ? shot : shot.replace(/\.png$/, '') + '-' + width + '.png';
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: file, fullPage: true });
    ok('the decision reopens by id; screenshot at ' + file + at);
  } catch (e) {
    const failShot = shot.replace(/\.png$/, '') + '-' + width + '-failure.png';
    await page.screenshot({ path: failShot, fullPage: true }).catch(() => {});
    e.message += at + '\nscreenshot of the failure: ' + failShot + (problems.length ? '\n' + problems.join('\n') : '');
    throw e;
  } finally {
    await page.close().catch(() => {});
  }
}

async function main() {
  const kase = JSON.parse(fs.readFileSync(casePath, 'utf8'));
  const server = startServer();
  let context = null;
  try {
    const base = await server.url;
    ok('jointly serve listens on ' + base);
    context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
      executablePath: opt.chromium || '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync', '--lang=en-GB'],
      viewport: { width: 1280, height: 900 },
      locale: 'en-GB',
      env: Object.assign({}, process.env, { LANG: 'en_GB.UTF-8', LANGUAGE: 'en_GB' }),
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    for (const width of [1280, 390]) await chairFlow(context, base, kase, width);
    ok('axe-core found no violation in ' + axeStates.length + ' states at 1280 and 390 px');
    console.log(`${passed} passed, 0 failed`);
  } catch (e) {
    console.error('not ok - ' + e.message);
    console.error('server output:\n' + server.log());
    console.log(`${passed} passed, 1 failed`);
    process.exitCode = 1;
  } finally {
    if (context) await context.close().catch(() => {});
    server.child.kill('SIGTERM');
    fs.rmSync(path.join(tmp, 'profile'), { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
