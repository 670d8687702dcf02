// tests/browser/screenshots.mjs BASE_URL OUT_DIR - the README's screenshots
// of the Security tab (`make screenshots`), taken from a server with the real
// database and the 2020-07 index (scripts/screenshots.sh starts it).  Each
// page is checked with the layout assertions of lib.mjs first, so a broken
// layout is never published.
import { launch, layoutProblems } from './lib.mjs';

const [base, out] = process.argv.slice(2);
const shots = [
    // name, path, viewport, colour scheme
    ['security-tab', '/crates/smallvec/1.4.1/security', { width: 1280, height: 900 }, 'light'],
    ['security-tab-phone', '/crates/chrono/0.4.13/security', { width: 390, height: 844 }, 'dark'],
];
const browser = await launch();
let bad = 0;
for (const [name, path, viewport, colorScheme] of shots) {
    const ctx = await browser.newContext({ viewport, colorScheme });
    const page = await ctx.newPage();
    const resp = await page.goto(base + path);
    const problems = await page.evaluate(layoutProblems);
    if (resp.status() !== 200 || problems.length) {
        console.log(`screenshots: ${path}: status ${resp.status()}; ${problems.join('; ')}`);
        bad++;
    }
    await page.screenshot({ path: `${out}/${name}.png` });
    console.log(`screenshots: ${out}/${name}.png (${path}, ${viewport.width}x${viewport.height}, ${colorScheme})`);
    await ctx.close();
}
await browser.close();
process.exit(bad ? 1 : 0);
