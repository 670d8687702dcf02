// tests/browser/lib.mjs - what the browser tests (run.mjs) and the README
// screenshots (screenshots.mjs) share: Debian's chromium through
// playwright-core, the two viewports and colour schemes of issue 11, and the
// layout assertions.
import { chromium } from 'playwright-core';

// The viewports the pages are reviewed at: a laptop and a phone.
export const VIEWPORTS = [
    { name: 'wide', width: 1280, height: 900 },
    { name: 'phone', width: 390, height: 844 },
];

export async function launch() {
    return chromium.launch({
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
}

// What breaks a page's layout, as a list of sentences (empty: none):
//  - the page or any element wider than the viewport, unless the element is
//    inside a focusable region that scrolls (a code block, the timeline, the
//    dependency tree) and that region itself fits;
//  - a word of a table cell broken over lines anywhere but after a hyphen
//    (the cell is narrower than its longest word: "Requi/reme/nt").
// Runs in the page.
export function layoutProblems() {
    const W = document.documentElement.clientWidth;
    const out = [];
    const sw = document.documentElement.scrollWidth;
    if (sw > W + 1)
        out.push(`the page is ${sw}px wide in a ${W}px viewport`);
    const scrollRegion = el => {
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
            const cs = getComputedStyle(p);
            if ((cs.overflowX === 'auto' || cs.overflowX === 'scroll' || cs.overflowX === 'hidden') &&
                p.getBoundingClientRect().right <= W + 1)
                return p;
        }
        return null;
    };
    const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (typeof el.className === 'string' && el.className ? '.' + el.className.split(' ').join('.') : '');
    for (const el of document.body.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (!r.width || r.right <= W + 1)
            continue;
        const region = scrollRegion(el);
        // A region that scrolls must be reachable by keyboard (axe checks
        // that too); one that hides its overflow must be visually hidden.
        if (region && (getComputedStyle(region).overflowX === 'hidden' || region.tabIndex >= 0))
            continue;
        out.push(`${describe(el)} reaches ${Math.round(r.right)}px (viewport ${W}px)`);
        if (out.length > 5)
            return out;
    }
    for (const cell of document.querySelectorAll('td, th')) {
        if (!cell.getClientRects().length)
            continue;
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let n; (n = walker.nextNode());) {
            const re = /\S+/g;
            for (let m; (m = re.exec(n.data));) {
                const range = document.createRange();
                range.setStart(n, m.index);
                range.setEnd(n, m.index + m[0].length);
                const tops = new Set([...range.getClientRects()].filter(x => x.width > 0)
                    .map(x => Math.round(x.top)));
                if (tops.size < 2)
                    continue;
                // Where does the word break?  Only after a hyphen is fine.
                let prevTop = null;
                for (let i = 0; i < m[0].length; i++) {
                    range.setStart(n, m.index + i);
                    range.setEnd(n, m.index + i + 1);
                    const rect = range.getClientRects()[0];
                    if (!rect)
                        continue;
                    const top = Math.round(rect.top);
                    if (prevTop !== null && top !== prevTop && m[0][i - 1] !== '-') {
                        out.push(`the word "${m[0]}" is broken in a ${describe(cell)} ` +
                                 `${Math.round(cell.getBoundingClientRect().width)}px wide`);
                        break;
                    }
                    prevTop = top;
                }
                if (out.length > 5)
                    return out;
            }
        }
    }
    return out;
}
