// Drives real headless Chromium (Debian's /usr/bin/chromium, through playwright-core: no browser download)
// against the dashboard. Run by tests/Dashboard.Tests (BrowserRunner):
//
//   node dashboard.mjs <scenario> <dashboard-url> <screenshot-dir> [scenario-json]
//
// Prints one JSON object per line on stdout: {"event":"ready"} when a scenario waits for the test to act,
// then {"event":"result", ...} (or {"event":"error","message":...}). Saves one screenshot per page visited.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [scenario, baseUrl, screenshotDir, argJson] = process.argv.slice(2);
const args = argJson ? JSON.parse(argJson) : {};
const executablePath = process.env.PRICING_TEST_CHROMIUM || '/usr/bin/chromium';
const emit = (o) => process.stdout.write(JSON.stringify(o) + '\n');

const scenarios = {
  // The matrix: every cell with its accelerator, provider, pricing model, price and whether it is the row's cheapest.
  async matrix(page) {
    await page.goto(baseUrl + '/', { waitUntil: 'load' });
    await page.waitForSelector('#price-matrix tbody td.cell[data-price]');
    const providers = await page.$$eval('#price-matrix thead th.provider', (ths) => ths.map((th) => ({
      provider: th.dataset.provider,
      stale: th.dataset.stale === 'true',
      scrapeFailed: th.dataset.scrapeFailed === 'true',
      ageSeconds: Number(th.querySelector('.age')?.dataset.ageSeconds ?? -1),
      text: th.innerText,
    })));
    const cells = await page.$$eval('#price-matrix tbody td.cell[data-price]', (tds) => tds.map((td) => ({
      accelerator: td.dataset.accelerator,
      provider: td.dataset.provider,
      model: td.dataset.model,
      price: td.dataset.price,
      text: td.querySelector('.price').textContent.trim(),
      cheapest: td.dataset.cheapest === 'true' && td.classList.contains('cheapest'),
      highlighted: getComputedStyle(td).backgroundColor,
    })));
    await shot(page, 'matrix');
    return { providers, cells };
  },

  // The quote form: fill, submit, read the ranked options, the plan lines, the chart and the assumptions.
  async quote(page) {
    await page.goto(baseUrl + '/quote', { waitUntil: 'load' });
    const formFields = await page.$$eval('#quote-form [name]', (els) => [...new Set(els.map((e) => e.name))]);
    const hints = await page.$$eval('#quote-form label, #quote-form .checks', (els) => els.map((e) => e.textContent.replace(/\s+/g, ' ').trim()));
    await page.fill('#q-params', args.params);
    await page.fill('#q-tokens', args.tokens);
    await page.check(`#q-accelerator input[value="${args.accelerator}"]`);
    await page.fill('#q-accelerators', String(args.cluster));
    for (const model of args.pricing || []) await page.check(`#q-pricing input[value="${model}"]`);
    await Promise.all([page.waitForURL(/\/quote\?/), page.click('#q-submit')]);
    const errors = await page.$$eval('#quote-errors li', (lis) => lis.map((li) => li.textContent.trim()));
    if (errors.length > 0) return { errors, options: [], formFields, hints };
    await page.waitForSelector('#quote-options tbody tr');
    const options = await page.$$eval('#quote-options tbody tr', (trs) => trs.map((tr) => ({
      rank: Number(tr.dataset.rank),
      provider: tr.dataset.provider,
      offerKey: tr.dataset.offerKey,
      totalCost: tr.dataset.totalCost,
      costText: tr.querySelector('td.cost').textContent.trim(),
    })));
    const chartPoints = await page.$$eval('#cost-time-chart circle', (cs) => cs.length);
    const assumptions = await page.$$eval('#quote-assumptions tbody tr', (trs) => trs.map((tr) => tr.dataset.accelerator));
    const excluded = await page.$$eval('#quote-excluded tbody tr', (trs) => trs.map((tr) => Number(tr.dataset.count)));
    const planHeading = await page.$eval('#plan-heading', (h) => h.textContent.trim());
    const planOfferKey = await page.$eval('#quote-plan', (s) => s.dataset.offerKey);
    // Each plan line as the page shows it: its label, its value and its detail (absent = empty).
    const planLines = await page.$$eval('#plan-lines .plan-line', (divs) => divs.map((d) => ({
      key: d.dataset.key,
      label: d.querySelector('dt').textContent.trim(),
      value: d.querySelector('dd .value').textContent.trim(),
      detail: d.querySelector('dd .detail')?.textContent.trim() ?? '',
      visible: d.querySelector('dd .value').getBoundingClientRect().height > 0,
    })));
    await shot(page, 'quote' + (args.pricing?.length ? '-' + args.pricing.join('-') : ''));
    // The program beside the run: the stacked bar's segments, in order, with their visible widths.
    const programSegments = await page.$$eval('#program-bar rect.segment', (rects) => rects.map((r) => ({
      name: r.dataset.name, width: Number(r.getAttribute('width')), y: Number(r.getAttribute('y')),
    })));
    return { errors, options, chartPoints, assumptions, excluded, planHeading, planOfferKey, planLines, programSegments, formFields, hints, url: page.url() };
  },

  // The live feed: wait until the page's event stream and the server's relay are up, tell the test, then wait
  // (without reloading) for the change the test makes at the fake provider.
  async feed(page) {
    let navigations = 0;
    page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) navigations++; });
    await page.goto(baseUrl + '/feed', { waitUntil: 'load' });
    await page.waitForSelector('#live-feed[data-stream="open"]');
    await page.waitForSelector('#feed-status[data-connected="true"]');
    const token = String(Math.random());
    await page.evaluate((t) => { window.__pageToken = t; }, token);
    const navigationsBefore = navigations;
    emit({ event: 'ready' });
    const selector = `#live-feed tbody tr[data-offer-key="${args.offerKey}"][data-kind="changed"]`;
    const row = await page.waitForSelector(selector, { timeout: args.timeoutMs || 60000 });
    const found = await row.evaluate((tr) => ({
      offerKey: tr.dataset.offerKey,
      kind: tr.dataset.kind,
      live: tr.dataset.live === 'true',
      version: Number(tr.dataset.version),
      oldPrice: tr.querySelector('.old-price').dataset.value,
      newPrice: tr.querySelector('.new-price').dataset.value,
      isFirstRow: tr.parentElement.firstElementChild === tr,
    }));
    const sameDocument = await page.evaluate((t) => window.__pageToken === t, token);
    await page.waitForTimeout(300);
    await shot(page, 'feed', false); // the top of the feed: the change that just arrived
    return { row: found, sameDocument, reloaded: navigations !== navigationsBefore };
  },

  // The drill-down: offers table (sorted by clicking a heading) and the price-history chart.
  async accelerator(page) {
    await page.goto(baseUrl + '/accelerators/' + encodeURIComponent(args.accelerator), { waitUntil: 'load' });
    await page.waitForSelector('#offers tbody tr');
    const prices = () => page.$$eval('#offers tbody tr td.price-cell', (tds) => tds.map((td) => Number(td.dataset.value)));
    const initial = await prices();
    const heading = page.locator('#offers thead th', { hasText: '$/accel.-hour' });
    await heading.click(); // currently ascending: one click sorts descending
    const descending = await prices();
    await heading.click();
    const ascending = await prices();
    const offerKeys = await page.$$eval('#offers tbody tr', (trs) => trs.map((tr) => tr.dataset.offerKey));
    const chart = await page.$$eval('#history-chart g.series', (gs) => gs.map((g) => ({ name: g.dataset.series, points: g.querySelectorAll('circle').length })));
    await shot(page, 'accelerator');
    return { initial, descending, ascending, offerKeys, chart };
  },

  // Scrape status: a row per provider, the Quotes view, the quarantined rows with their reasons.
  async status(page) {
    await page.goto(baseUrl + '/status', { waitUntil: 'load' });
    await page.waitForSelector('#scrape-status tbody tr');
    const providers = await page.$$eval('#scrape-status tbody tr[data-version]', (trs) => trs.map((tr) => ({
      provider: tr.dataset.provider,
      version: Number(tr.dataset.version),
      offers: Number(tr.dataset.offers),
      quarantined: Number(tr.dataset.quarantined),
      stale: tr.dataset.stale === 'true',
      scrapeFailed: tr.dataset.scrapeFailed === 'true',
      ageSeconds: Number(tr.dataset.ageSeconds ?? -1),
      state: tr.cells[7].textContent.trim(),
    })));
    const quarantined = await page.$$eval('section.quarantine', (ss) => ss.map((s) => ({
      provider: s.dataset.provider,
      rows: Array.from(s.querySelectorAll('tbody tr')).map((tr) => ({ rule: tr.dataset.rule, reason: tr.cells[1].textContent.trim() })),
    })));
    const view = await page.$$eval('#view-status tbody tr', (trs) => trs.map((tr) => tr.dataset.provider));
    await shot(page, 'status');
    return { providers, quarantined, view };
  },
};

async function shot(page, name, fullPage = true) {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, name + '.png'), fullPage });
}

const run = scenarios[scenario];
if (!run) {
  emit({ event: 'error', message: `unknown scenario ${scenario}` });
  process.exit(2);
}

const userDataDir = mkdtempSync(join(tmpdir(), 'pricing-dashboard-chromium-'));
let context;
let exitCode = 0;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
  context.setDefaultTimeout(30000);
  const page = context.pages()[0] ?? await context.newPage();
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('response', (r) => { if (r.status() >= 400) consoleErrors.push(`HTTP ${r.status()} for ${r.url()}`); });
  const result = await run(page);
  emit({ event: 'result', scenario, consoleErrors, ...result });
} catch (e) {
  emit({ event: 'error', scenario, message: String(e && e.stack || e) });
  exitCode = 1;
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(exitCode);
