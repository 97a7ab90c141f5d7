// bench/ui.sh: the dashboard's time to first render in Debian's chromium. Logs in once with the
// one-time URL, then opens /ui/ RUNS times in fresh pages (the cookie stays; the browser's cache is
// off so each load fetches the page's files) and reads app.js's "kiln-first-render" mark (the fleet
// table drawn from the API) and the first contentful paint, both from the navigation's start.
// Usage: node render.mjs LOGIN_URL RUNS  -> prints one JSON line
import { chromium } from "playwright-core";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [loginUrl, runs = "10"] = process.argv.slice(2);
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "kiln-chromium-")), {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync"],
});
try {
  const login = await context.newPage();
  await login.goto(loginUrl);
  await login.waitForFunction(() => performance.getEntriesByName("kiln-first-render").length > 0);
  const base = new URL(loginUrl).origin;
  await login.close();
  const render = [], fcp = [];
  for (let i = 0; i < Number(runs); i++) {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    await page.goto(base + "/ui/");
    await page.waitForFunction(() => performance.getEntriesByName("kiln-first-render").length > 0);
    const t = await page.evaluate(() => ({
      render: performance.getEntriesByName("kiln-first-render")[0].startTime,
      fcp: (performance.getEntriesByName("first-contentful-paint")[0] || { startTime: NaN }).startTime,
    }));
    render.push(t.render); fcp.push(t.fcp);
    await page.close();
  }
  const median = a => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
  console.log(JSON.stringify({ runs: render.length, renderMedianMs: median(render), renderMaxMs: Math.max(...render), fcpMedianMs: median(fcp) }));
} finally {
  await context.close();
}
