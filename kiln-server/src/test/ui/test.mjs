// The dashboard in a real browser: Debian's chromium, driven by playwright-core, against a real Kiln
// server that DashboardBrowserIT runs. The two talk over stdio: this script prints "NEED <what>" when
// the server must do something (start a canary, restart) and waits for the line "OK [value]".
// Usage: node test.mjs LOGIN_URL SCREENSHOT_DIR
// With KILN_UI_BRIDGE=PATH (a unix socket), the login URL's port on 127.0.0.1 is served here by a
// forwarder to that socket: the test runs this script and chromium in a network namespace of their
// own, where no other test's network interface comes or goes (chromium fails its requests in flight
// when one does), and forwards the socket to the server outside.
import { chromium } from "playwright-core";
import net from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const [loginUrl, shots] = process.argv.slice(2);
if (process.env.KILN_UI_BRIDGE) {
  const bridge = process.env.KILN_UI_BRIDGE;
  await new Promise((resolve, reject) => {
    const forwarder = net.createServer(c => {
      const u = net.connect(bridge);
      c.pipe(u); u.pipe(c); // an end on either side ends the other (a half-close), once flushed
      c.on("error", () => u.destroy()); u.on("error", () => c.destroy());
    });
    forwarder.on("error", reject);
    forwarder.listen(Number(new URL(loginUrl).port), "127.0.0.1", resolve);
  });
}
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const T = 120_000;

async function need(what) {
  console.log("NEED " + what);
  const { value, done } = await lines.next();
  if (done || !value.startsWith("OK")) throw new Error(`the server side could not ${what}: ${value}`);
  return value.slice(2).trim();
}
function step(name) { console.log("STEP " + name); }
function check(ok, message) { if (!ok) throw new Error(message); }

// A fresh profile each run (playwright passes it as --user-data-dir).
const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "kiln-chromium-")), {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync"],
  viewport: { width: 1280, height: 900 },
});
let page;
try {
  page = await browser.newPage();
  page.setDefaultTimeout(T);
  page.on("console", m => { if (m.type() === "error") console.error("page: " + m.text()); });

  step("the overview lists the fleet");
  await page.goto(loginUrl);
  check(new URL(page.url()).pathname === "/ui/", "the login did not land on /ui/: " + page.url());
  const row = page.locator('#fleet tr[data-service="web"]');
  await row.waitFor();
  check((await row.innerText()).includes("r1"), "the fleet row does not show r1: " + await row.innerText());
  check((await row.innerText()).includes("default"), "the fleet row names no environment: " + await row.innerText());
  await page.waitForFunction(() => document.querySelector("#conn").textContent === "live");
  await page.screenshot({ path: join(shots, "1-overview.png"), fullPage: true });

  step("during a canary rollout the weight changes without a reload");
  await page.click('a[href="#/service/web"]');
  await page.locator("h1", { hasText: "web" }).waitFor();
  await page.evaluate(() => { window.notReloaded = true; });
  await need("canary");
  const weight = page.locator("#rollout [data-weight]");
  await page.waitForFunction(() => document.querySelector("#rollout [data-weight]")?.textContent === "20%");
  await page.waitForFunction(() => document.querySelector("#rollout [data-weight]")?.textContent === "50%");
  check(await page.evaluate(() => window.notReloaded === true), "the page was reloaded");
  // the charts draw the router's counters per revision (the test sends traffic through the router)
  await page.locator("#c-rps svg polyline").first().waitFor();
  await page.screenshot({ path: join(shots, "2-canary-50.png"), fullPage: true });

  step("a click on promote advances it, and the journal entry appears");
  await page.click('button[data-action="promote"]');
  await page.click("#confirm-ok");
  await page.locator("#journal tr", { hasText: "rollout-intent" }).filter({ hasText: "ui-session:" }).first().waitFor();
  await page.waitForFunction(() => /succeeded/.test(document.querySelector("#rollout")?.textContent || ""));
  check(await page.evaluate(() => window.notReloaded === true), "the page was reloaded");
  await page.screenshot({ path: join(shots, "3-promoted.png"), fullPage: true });

  step("after the server restarts, the page catches up from its last sequence");
  await page.click("a.brand");
  await row.waitFor();
  const before = await page.evaluate(() => Number(document.body.dataset.lastSeq));
  const head = Number(await need("restart"));
  check(head > before, `the restart appended nothing (head ${head}, page at ${before})`);
  await page.waitForFunction(h => Number(document.body.dataset.lastSeq) >= h, head);
  const seen = await page.evaluate(() => window.kiln.seen);
  for (let i = 1; i < seen.length; i++) check(seen[i] === seen[i - 1] + 1, "a gap in the stream: " + seen.join(","));
  check(seen.includes(before + 1), `the entry after ${before} never arrived: ${seen.join(",")}`);
  await page.locator("#journal tr", { hasText: "server-started" }).first().waitFor();
  await page.waitForFunction(() => document.querySelector("#conn").textContent === "live");
  check(await page.evaluate(() => window.notReloaded === true), "the page was reloaded");
  await page.screenshot({ path: join(shots, "4-after-restart.png"), fullPage: true });
  console.log("PASS");
} catch (e) {
  if (page) await page.screenshot({ path: join(shots, "failure.png"), fullPage: true }).catch(() => {});
  console.log("FAIL " + (e && e.stack || e).toString().replace(/\n/g, " | "));
  process.exitCode = 1;
} finally {
  await browser.close();
  process.exit();
}
