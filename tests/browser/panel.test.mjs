// Drives the panel chair's page (server/web/index.html) in a real headless browser against a
// real `jointly serve`: pick the reference policy, paste the post-op 50/50 worked case, check
// the client's own validation and an API error placed by its JSON pointer, evaluate, check
// the figures shown, store, record the panel's decision (plain and with an override), reopen
// the stored decision, and take a screenshot. Exits non-zero on the first failure.
//
// node panel.test.mjs --jointly BUILD/app/jointly --repo REPO [--screenshot FILE]
//                     [--case FILE] [--chromium /usr/bin/chromium]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const opt = parseArgs(process.argv.slice(2));
const repo = path.resolve(opt.repo || path.join(import.meta.dirname ?? '.', '..', '..'));
const casePath = opt.case || path.join(repo, '..', 'shared', 'acceptance', 'cases', 'post-op-50-50.json');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jointly-browser-'));
const shot = path.resolve(opt.screenshot || path.join(tmp, 'panel.png'));
const PANEL_TOKEN = 'browser-test-panel-token';
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
  fs.writeFileSync(tokens, `# TOKEN ROLE\n${PANEL_TOKEN} panel\n`);
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

async function main() {
  const kase = JSON.parse(fs.readFileSync(casePath, 'utf8'));
  const server = startServer();
  let context = null;
  let page = null;
  const problems = [];
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
    page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push('console error: ' + m.text());
    });
    const external = [];
    page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) external.push(r.url()); });

    const res = await page.goto(base + '/');
    expect(res && res.ok(), 'GET / answered ' + (res && res.status()));
    expect(/text\/html/.test(res.headers()['content-type'] || ''), 'GET / is not text/html: ' + res.headers()['content-type']);
    await expectText(page.locator('#api-status'), 'Connected', 'API status');
    ok('the page loads and lists the policies');

    await page.selectOption('#policy', 'reference');
    await page.locator('table[data-map="dst"]').waitFor();
    await page.locator('[data-event="surgery"]').waitFor();
    expect(await page.locator('[data-fact="has_ehcp"][type="checkbox"]').count() === 1, 'has_ehcp is not a checkbox');
    const levels = await page.locator('table[data-map="dst"] tbody tr').first().locator('select option').allTextContents();
    expect(levels.includes('severe') && levels.includes('priority'), 'dst levels not offered: ' + levels.join(','));
    ok('the reference policy builds the form: bool checkbox, map of levels, event date');

    await page.locator('#paste summary').click();
    await page.fill('#paste-json', JSON.stringify(kase, null, 2));
    await page.click('#paste-fill');
    await expectText(page.locator('#paste-msg'), 'filled', 'paste message');
    await page.fill('#case_ref', 'BT-' + process.pid);
    expect(await page.locator('table[data-map="dst"] tbody tr').count() === 3, 'dst rows not filled from the pasted case');
    expect(await page.inputValue('[data-event="surgery"]') === '2025-06-10', 'surgery date not filled');
    expect(await page.inputValue('#lines-list [data-f="weekly"]') === '450.00', 'weekly cost not filled');
    expect(await page.inputValue('#as_of') === '2025-06-01', 'as_of not filled');
    ok('pasting the worked case fills the form');

    const weekly = page.locator('#lines-list [data-f="weekly"]');
    await weekly.fill('45O.00');
    await page.click('#evaluate');
    await expectText(page.locator('#lines-list .line-card .field-error'), '/lines/0/weekly', 'client check of money');
    expect(await weekly.getAttribute('aria-invalid') === 'true', 'bad money field not marked invalid');
    expect(await page.locator('#result').isHidden(), 'a bad form was evaluated');
    await weekly.fill('450.00');
    ok('a malformed amount is caught in the page, next to its field, with its JSON pointer');

    const end = page.locator('#lines-list [data-f="end"]');
    await end.fill('2025-05-01');
    await page.click('#evaluate');
    await expectText(page.locator('#errors'), 'HTTP 4', 'API error box');
    await expectText(page.locator('#lines-list .field-error code'), '/lines/0', 'API error detail placed at its field');
    await end.fill('2025-08-31');
    ok('an API error is shown with its code and its pointer next to the line');

    await page.check('#explain-full');
    await Promise.all([waitForApi(page, 'POST', '/v1/evaluate'), page.click('#evaluate')]);
    await page.locator('#outcome').waitFor();
    expect(await page.locator('#trace table tbody tr').count() > 0, 'no rules trace with explain=full');
    await page.uncheck('#explain-full');
    expect(await page.locator('#errors').isHidden(), 'the error box stayed after a good evaluation');
    expect(await page.getAttribute('#outcome', 'data-outcome') === kase.expected.outcome, 'outcome is not ' + kase.expected.outcome);
    await expectText(page.locator('#outcome'), 'APPROVE', 'outcome banner');
    await expectText(page.locator('#by-agency tr[data-agency="health"]'), '£1,350.00', 'health total');
    await expectText(page.locator('#by-agency tr[data-agency="social_care"]'), '£4,564.28', 'social care total');
    await expectText(page.locator('#by-agency tr[data-agency="education"]'), '£0.00', 'education total');
    await expectText(page.locator('#total-row'), '£5,914.28', 'package total');
    await expectText(page.locator('#by-year tr[data-agency="health"] td[data-year="2025-26"]'), '£1,350.00', 'FY 2025-26 health');
    await expectText(page.locator('#by-year tr[data-agency="social_care"] td[data-year="2025-26"]'), '£4,564.28', 'FY 2025-26 social care');
    await expectText(page.locator('#by-year tr.total td[data-year="2025-26"]'), '£5,914.28', 'FY 2025-26 total');
    await expectText(page.locator('#agency-chart .bar-row[data-agency="health"] .bar-value'), '£1,350.00', 'chart value for health');
    await expectText(page.locator('#year-chart .bar-row[data-year="2025-26"] .bar-value'), '£5,914.28', 'chart value for 2025-26');
    const rows = page.locator('#allocations tbody tr');
    expect(await rows.count() === 3, 'expected 3 allocations, saw ' + await rows.count());
    await expectText(rows.nth(1), 'post_op_personal_care', 'allocation 2 rule');
    await expectText(rows.nth(1), '£2,700.00', 'allocation 2 cost');
    await expectText(rows.nth(1), '42', 'allocation 2 days');
    await expectText(page.locator('#issues'), 'No issues', 'issues');
    expect((await page.locator('#explanation p').count()) >= 1, 'no explanation for the family');
    expect(await page.locator('#decision-id').count() === 0, 'an evaluation claimed a decision id');
    expect(await page.locator('#panel-submit').isDisabled(), 'panel record enabled for an unstored evaluation');
    ok('evaluation shows approve, £1,350.00 / £4,564.28 per agency and year, chart, 3 allocations, no issues, a rules trace');

    await Promise.all([waitForApi(page, 'POST', '/v1/decisions'), page.click('#store')]);
    await page.locator('#decision-id').waitFor();
    const decisionId = (await page.locator('#decision-id').innerText()).trim();
    expect(decisionId.length > 0, 'no decision id after storing');
    await expectText(page.locator('#by-agency tr[data-agency="health"]'), '£1,350.00', 'stored health total');
    const fetched = await page.evaluate(async ([id, token]) => (await fetch('v1/decisions/' + encodeURIComponent(id),
      { headers: { Authorization: 'Bearer ' + token } })).status, [decisionId, PANEL_TOKEN]);
    expect(fetched === 200, 'GET /v1/decisions/' + decisionId + ' answered ' + fetched);
    ok('storing gives decision ' + decisionId + ', readable at GET /v1/decisions/{id}');

    await page.selectOption('#panel-outcome', 'approved');
    await page.fill('#panel-date', '2025-06-20');
    await page.fill('#panel-members', 'Chair (health)\nHead of service (social care)\nSENCO lead (education)\nParent');
    await page.fill('#panel-notes', 'Agreed as the protocol says.');
    await page.fill('#panel-token', 'not-a-real-token');
    await page.click('#panel-submit');
    await expectText(page.locator('#panel-errors'), 'HTTP 40', 'a wrong token is refused');
    await page.fill('#panel-token', PANEL_TOKEN);
    await page.click('#panel-submit');
    await expectText(page.locator('#panel-records .record').first(), 'approved', 'panel record');
    expect(await page.locator('#panel-errors').isHidden(), 'panel error box stayed after recording');
    ok('a wrong token is refused; the panel decision is recorded with the right one');

    await page.check('#override-on');
    await page.fill('[data-override="health"]', '2000.00');
    await page.click('#panel-submit');
    await expectText(page.locator('#panel-errors'), '/override', 'override must keep the total and give a reason');
    await page.fill('[data-override="social_care"]', '3914.28');
    await expectText(page.locator('#override-sum'), 'matches', 'override sum');
    await page.fill('#override-reason', 'Health agreed to carry the first month while the ICB reviews the plan.');
    await page.click('#panel-submit');
    await page.locator('#panel-records .record').nth(1).waitFor();
    await expectText(page.locator('#panel-records .record').nth(1), '£2,000.00', 'override record');
    ok('an override of the split with a reason is recorded beside the rules\' split');

    await page.fill('#open-id', decisionId);
    await Promise.all([waitForApi(page, 'GET', '/v1/decisions/' + encodeURIComponent(decisionId)), page.click('#open-form button[type="submit"]')]);
    await expectText(page.locator('#decision-id'), decisionId, 'reopened decision');
    await expectText(page.locator('#by-agency tr[data-agency="social_care"]'), '£4,564.28', 'reopened social care total');
    ok('the stored decision reopens by id');

    expect(external.length === 0, 'the page fetched outside the server: ' + external.join(', '));
    expect(problems.length === 0, problems.join('\n'));
    ok('no external requests, no script errors');

    fs.mkdirSync(path.dirname(shot), { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: shot, fullPage: true });
    ok('screenshot at ' + shot);
    console.log(`${passed} passed, 0 failed`);
  } catch (e) {
    console.error('not ok - ' + e.message);
    if (problems.length) console.error(problems.join('\n'));
    if (page) {
      const failShot = shot.replace(/\.png$/, '') + '-failure.png';
      await page.screenshot({ path: failShot, fullPage: true }).catch(() => {});
      console.error('screenshot of the failure: ' + failShot);
    }
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
