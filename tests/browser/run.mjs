// tests/browser/run.mjs BASE_URL SHOT_DIR - browser tests of `cratesec serve`.
//
// Started by tests/cli/browser.sh against a server with the real RustSec
// advisory database (plus one hostile advisory, RUSTSEC-2099-0002 for the
// crate `xss-demo`) and the 2020-07 crates.io index.  Drives Debian's
// chromium through playwright-core; axe-core checks every page type.
// The expectations about real crates hold for that data: the index ends in
// July 2020, so the default versions below are the newest of that time.
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const [base, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
// axe is injected as a script, which the site's CSP (rightly) forbids.
const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1200, height: 900 } });

let passed = 0, failed = 0;
async function test(name, fn) {
    const page = await context.newPage();
    try {
        await fn(page);
        passed++;
        console.log(`ok   ${name}`);
    } catch (e) {
        failed++;
        console.log(`FAIL ${name}: ${e.message.split('\n').slice(0, 6).join('\n     ')}`);
        await page.screenshot({ path: `${shots}/FAIL-${name.replace(/\W+/g, '_')}.png`, fullPage: true })
            .catch(() => {});
    } finally {
        await page.close();
    }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }
async function open(page, path, status = 200) {
    const resp = await page.goto(base + path);
    assert(resp.status() === status, `${path}: status ${resp.status()}, want ${status}`);
    return resp;
}
// What the Security tab says about itself.
async function securityState(page) {
    return page.evaluate(() => {
        const tab = document.querySelector('#tab-security');
        const count = tab.querySelector('.count');
        const yes = [...document.querySelectorAll('section[aria-labelledby="h-yes"] article')];
        const no = [...document.querySelectorAll('section[aria-labelledby="h-no"] article')];
        const all = [...document.querySelectorAll('article.adv')];
        return {
            highlighted: tab.classList.contains('tab-affected'),
            count: count ? Number(count.textContent) : 0,
            yes: yes.map(a => a.id), no: no.map(a => a.id), all: all.map(a => a.id),
            verdictsYes: yes.map(a => a.querySelector('.verdict')?.textContent || ''),
            verdictsNo: no.map(a => a.querySelector('.verdict')?.textContent || ''),
            empty: document.querySelector('p.empty')?.textContent || null,
            withdrawn: [...document.querySelectorAll('#withdrawn a')].map(a => a.textContent),
        };
    });
}

await test('highlight: affected default version (smallvec 1.4.1)', async page => {
    await open(page, '/crates/smallvec/security');
    const s = await securityState(page);
    assert(await page.textContent('h1') === 'smallvec 1.4.1', 'default version is not 1.4.1');
    assert(s.highlighted, 'tab not highlighted');
    assert(s.count === s.yes.length && s.count > 0, `count ${s.count} vs ${s.yes.length} affecting`);
    assert(s.yes.includes('RUSTSEC-2021-0003'), 'RUSTSEC-2021-0003 not listed as affecting');
    await page.screenshot({ path: `${shots}/crate-security-affected.png`, fullPage: true });
});

await test('highlight: the count is on every tab of the version', async page => {
    await open(page, '/crates/smallvec/1.4.1');
    const s = await page.$eval('#tab-security', t => [t.classList.contains('tab-affected'),
                                                      t.querySelector('.count')?.textContent]);
    assert(s[0] && s[1] === '1', `versions tab: highlight ${s[0]} count ${s[1]}`);
    await page.screenshot({ path: `${shots}/crate-versions.png`, fullPage: true });
});

await test('highlight: unaffected version of a crate with advisories (spin 0.5.2)', async page => {
    await open(page, '/crates/spin/0.5.2/security');
    const s = await securityState(page);
    assert(!s.highlighted && s.count === 0, 'tab highlighted for an unaffected version');
    assert(s.yes.length === 0 && s.no.length > 0, `yes ${s.yes} no ${s.no}`);
    assert(s.verdictsNo.every(v => v.startsWith('Not affected')), 'missing reasons');
});

await test('highlight: every version of spin agrees with its list', async page => {
    await open(page, '/crates/spin');
    const versions = await page.$$eval('#version-select option', o => o.map(x => x.value));
    assert(versions.length > 20, 'few versions');
    let affected = 0;
    for (const v of versions) {
        await open(page, `/crates/spin/${encodeURIComponent(v)}/security`);
        const s = await securityState(page);
        assert(s.highlighted === s.yes.length > 0, `${v}: highlight ${s.highlighted}, ${s.yes.length} affecting`);
        assert(s.count === s.yes.length, `${v}: count ${s.count} vs ${s.yes.length}`);
        affected += s.highlighted;
    }
    assert(affected > 0 && affected < versions.length, `affected ${affected} of ${versions.length}`);
});

await test('ordering: affecting advisories first, then the others with reasons', async page => {
    await open(page, '/crates/smallvec/1.4.1/security');
    const s = await securityState(page);
    assert(s.all.slice(0, s.yes.length).join() === s.yes.join(), 'affecting ones are not first');
    assert(s.verdictsYes.every(v => v.startsWith('Affects')), 'affecting verdicts');
    assert(s.verdictsNo.every(v => /^Not affected: (fixed in|listed as unaffected|the affected)/.test(v)),
           `reasons: ${s.verdictsNo}`);
});

await test('empty state (itoa)', async page => {
    await open(page, '/crates/itoa/security');
    const s = await securityState(page);
    assert(s.empty && s.empty.includes('No advisories'), 'no empty-state text');
    assert(!s.highlighted && s.all.length === 0, 'not empty');
    await page.screenshot({ path: `${shots}/crate-security-empty.png`, fullPage: true });
});

await test('open-ended: all versions, no fix available (failure)', async page => {
    await open(page, '/crates/failure/security');
    const s = await securityState(page);
    assert(s.highlighted && s.yes.length >= 1, 'failure not highlighted');
    const ranges = await page.$$eval('article.adv dl.facts', dls => dls.map(dl => {
        const dts = [...dl.querySelectorAll('dt')];
        const i = dts.findIndex(d => d.textContent === 'Affected versions');
        return dl.querySelectorAll('dd')[i].textContent;
    }));
    assert(ranges.includes('all versions, no fix available'), `ranges: ${ranges}`);
});

await test('withdrawn: hidden from the list, reachable (humantime)', async page => {
    await open(page, '/crates/humantime/security');
    const s = await securityState(page);
    assert(s.all.length === 0 && !s.highlighted, 'withdrawn advisory listed or highlighted');
    assert(s.withdrawn.includes('RUSTSEC-2025-0014'), 'no link to the withdrawn advisory');
    await page.click('#withdrawn a');
    await page.waitForURL(/\/advisories\/RUSTSEC-2025-0014$/);
    assert((await page.textContent('main')).includes('has been withdrawn'), 'no withdrawn notice');
});

await test('xss: hostile Markdown does not execute', async page => {
    let dialogs = 0;
    page.on('dialog', d => { dialogs++; d.dismiss(); });
    for (const path of ['/advisories/RUSTSEC-2099-0002', '/crates/xss-demo/security']) {
        await open(page, path);
        const n = await page.$$eval('main script, main [onerror], main iframe, main object', e => e.length);
        assert(n === 0, `${path}: ${n} active elements in main`);
        const hrefs = await page.$$eval('main a', as => as.map(a => a.getAttribute('href')));
        assert(!hrefs.some(h => /^\s*(javascript|data|vbscript):/i.test(h)), `bad link in ${path}`);
        // Click every link of the description: none may run code.
        for (const a of await page.$$('.desc a')) {
            const h = await a.getAttribute('href');
            if (h === '#') await a.click();
        }
    }
    await page.waitForTimeout(300);
    assert(dialogs === 0, `${dialogs} dialogs opened`);
    await page.screenshot({ path: `${shots}/advisory-xss.png`, fullPage: true });
});

await test('keyboard: skip link, tabs and the version selector', async page => {
    await open(page, '/crates/smallvec');
    await page.keyboard.press('Tab');
    assert(await page.evaluate(() => document.activeElement.textContent) === 'Skip to content',
           'first Tab does not reach the skip link');
    // Tab until the Security tab has focus, then follow it with Enter.
    let found = false;
    for (let i = 0; i < 40 && !found; i++) {
        await page.keyboard.press('Tab');
        found = await page.evaluate(() => document.activeElement.id === 'tab-security');
    }
    assert(found, 'Security tab not reachable with Tab');
    const visible = await page.evaluate(() => {
        const s = getComputedStyle(document.activeElement);
        return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
    });
    assert(visible, 'no visible focus indicator');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/crates\/smallvec\/security$/);
    // Pick another version with the keyboard only.
    await page.focus('#version-select');
    await page.keyboard.press('End');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/crates\/smallvec\/0\.1\.0\/security$/);
    assert((await page.textContent('h1')) === 'smallvec 0.1.0', 'version not selected');
});

const axePages = [
    ['home', '/'], ['advisories', '/advisories'], ['advisory', '/advisories/RUSTSEC-2021-0003'],
    ['categories', '/categories'], ['category', '/categories/memory-corruption'],
    ['keywords', '/keywords'], ['keyword', '/keywords/use-after-free'],
    ['search', '/search?q=small'], ['crate-versions', '/crates/smallvec/1.4.1'],
    ['crate-dependencies', '/crates/regex/1.3.9/dependencies'],
    ['crate-security', '/crates/smallvec/1.4.1/security'],
    ['crate-security-no-index', '/crates/xss-demo/security'],
    ['not-found', '/crates/no-such-crate-here', 404],
];
for (const scheme of ['light', 'dark']) {
    for (const [name, path, status] of axePages) {
        await test(`axe ${scheme}: ${name}`, async page => {
            await page.emulateMedia({ colorScheme: scheme });
            await open(page, path, status || 200);
            await page.addScriptTag({ path: AXE });
            const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
            const bad = res.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
            assert(bad.length === 0, bad.map(v => `${v.id} (${v.impact}): ${v.nodes.length} nodes, e.g. ` +
                v.nodes[0].target.join(' ')).join('; '));
            // The list of all advisories is some 60,000 px tall: a full-page
            // shot of it takes chromium half a minute on a busy 2-core
            // machine, and the first screen shows all there is to see.
            if (scheme === 'dark' || name.startsWith('crate-security') || name === 'home')
                await page.screenshot({ path: `${shots}/${name}-${scheme}.png`,
                                        fullPage: name !== 'advisories', timeout: 90000 });
        });
    }
}

await test('responsive: no horizontal scrolling at 360 px', async page => {
    await page.setViewportSize({ width: 360, height: 800 });
    for (const path of ['/', '/crates/smallvec/1.4.1/security', '/advisories/RUSTSEC-2021-0003']) {
        await open(page, path);
        const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert(over <= 1, `${path}: page is ${over}px wider than the viewport`);
    }
    await page.screenshot({ path: `${shots}/crate-security-mobile.png`, fullPage: true });
});

await browser.close();
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
