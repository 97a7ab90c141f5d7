// Kiln's dashboard: no framework, no build step, nothing fetched from elsewhere. State comes from
// the API; the journal's event stream (server-sent events keyed by sequence) says when to look again.
"use strict";

const COLORS = ["#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#319795"];
const view = document.getElementById("view");
let session = { principal: "", csrf: "" };
let lastSeq = 0;          // the last journal sequence this page has seen: where a reconnect resumes
let refreshTimer = null;
let metricsTimer = null;
let stream = null;
let streamWatchdog = null; // a stream not open again a while after an error is replaced
const journalSeen = [];
// What arrived on the stream, for the browser tests (gaps would show here).
window.kiln = { seen: [] };

function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
function short(digest) { return digest ? String(digest).replace("sha256:", "").slice(0, 12) : "—"; }
function ago(iso) {
  if (!iso) return "";
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 90) return Math.round(s) + "s ago";
  if (s < 5400) return Math.round(s / 60) + "m ago";
  return Math.round(s / 3600) + "h ago";
}
function colorOf(rev) { return COLORS[Math.abs(Number(rev) || 0) % COLORS.length]; }
function drifted(i) { return i.drift && i.drift !== "-"; }

async function api(path, options = {}) {
  const init = { credentials: "same-origin", ...options, headers: { Accept: "application/json", ...(options.headers || {}) } };
  if (init.method && init.method !== "GET") init.headers["X-Kiln-CSRF"] = session.csrf;
  const r = await fetch(path, init);
  const text = await r.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = { error: text }; }
  if (!r.ok) throw Object.assign(new Error((body && (body.error || body.message)) || r.status + " " + r.statusText), { status: r.status });
  return body;
}

function phasePill(phase) {
  if (!phase) return '<span class="pill">idle</span>';
  const cls = /SUCCEEDED|HEALTHY/.test(phase) ? "ok" : /ABORT|FAIL|DEGRADED|UNHEALTHY|EXITED|KILLED/.test(phase) ? "bad" : "warn";
  return `<span class="pill ${cls}">${esc(phase.toLowerCase())}</span>`;
}

function splitBar(traffic) {
  const entries = Object.entries(traffic || {});
  if (!entries.length) return '<span class="muted">no traffic</span>';
  return '<div class="split" data-split>' + entries.map(([rev, w]) =>
    `<span style="width:${Number(w)}%;background:${colorOf(rev)}" title="r${esc(rev)}: ${esc(w)}%">r${esc(rev)} ${esc(w)}%</span>`).join("") + "</div>";
}

function rolloutCell(r) {
  if (!r) return phasePill(null);
  const canary = r.strategy === "canary" && !/SUCCEEDED|ABORTED/.test(r.phase);
  return phasePill(r.phase) + (canary ? ` <span class="muted">canary <b data-weight>${esc(r.canaryWeight)}%</b></span>` : "") +
    (r.intent && r.intent !== "none" ? ` <span class="muted">(${esc(r.intent)} asked)</span>` : "");
}

// ---- views ---------------------------------------------------------------------------------

async function overview() {
  const services = await api("/v1/services");
  // an environment's services are named ENV--SERVICE by the server; grouped by environment here
  const envOf = n => n.includes("--") ? n.slice(0, n.indexOf("--")) : "";
  const list = (services.services || []).slice()
    .sort((x, y) => envOf(x.name).localeCompare(envOf(y.name)) || x.name.localeCompare(y.name));
  const rows = list.map(s => {
    const drift = (s.instances || []).filter(drifted).length;
    const a = s.autoscale;
    const env = envOf(s.name);
    return `<tr data-service="${esc(s.name)}">
      <td>${env ? esc(env) : '<span class="muted">default</span>'}</td>
      <td><a href="#/service/${encodeURIComponent(s.name)}">${esc(env ? s.name.slice(env.length + 2) : s.name)}</a></td>
      <td class="num">${s.liveRevision != null ? "r" + esc(s.liveRevision) : "—"} <code>${esc(short(s.image))}</code></td>
      <td class="num" data-healthy>${esc(s.healthy)}/${esc(s.replicas)}</td>
      <td>${esc(s.strategy)}</td>
      <td data-phase>${rolloutCell(s.rollout)}</td>
      <td>${splitBar(s.traffic)}</td>
      <td>${drift ? `<span class="pill bad">${drift} drifted</span>` : '<span class="muted">—</span>'}</td>
      <td>${a ? esc(`${a.current} → ${a.desired} (${a.min}–${a.max} by ${a.metric})`) : '<span class="muted">—</span>'}</td>
    </tr>`;
  }).join("");
  view.innerHTML = `<h1>Fleet</h1>
    <table id="fleet"><thead><tr><th>environment</th><th>service</th><th>live revision</th><th>healthy</th><th>strategy</th>
    <th>rollout</th><th>traffic</th><th>drift</th><th>scaling</th></tr></thead><tbody>${rows || '<tr><td colspan="9" class="muted">No services yet: kiln apply</td></tr>'}</tbody></table>
    <h2>Journal</h2>${journalTable(journalSeen.slice(-15))}`;
}

async function service(name) {
  const q = encodeURIComponent(name);
  const [s, revisions, journal] = await Promise.all([
    api("/v1/services/" + q),
    api("/v1/services/" + q + "/revisions").catch(() => ({ revisions: [] })),
    api("/v1/journal?service=" + q + "&limit=30").catch(() => ({ entries: [] })),
  ]);
  const r = s.rollout;
  const steps = r && r.steps ? Array.from({ length: r.steps }, (_, i) =>
    `<li class="${i < r.step ? "done" : i === r.step && !/SUCCEEDED|ABORTED/.test(r.phase) ? "current" : ""}">step ${i + 1}</li>`).join("") : "";
  const revRows = (revisions.revisions || []).slice().reverse().map(v => `<tr>
      <td class="num">r${esc(v.number)}</td><td><code>${esc(short(v.image))}</code></td>
      <td>${esc(v.actor)}</td><td title="${esc(v.createdAt)}">${esc(ago(v.createdAt))}</td><td>${esc(v.cause)}</td></tr>`).join("");
  const instRows = (s.instances || []).map(i => `<tr>
      <td><code>${esc(i.id)}</code></td><td class="num">r${esc(i.revision)}</td>
      <td>${phasePill(i.health)}</td><td>${drifted(i) ? `<span class="pill bad">${esc(i.drift)}</span>` : "—"}</td>
      <td title="${esc(i.startedAt)}">${esc(ago(i.startedAt))}</td></tr>`).join("");
  view.innerHTML = `<h1>${esc(name)} <span class="muted">· ${esc(s.strategy)} · live r${esc(s.liveRevision ?? "—")}</span></h1>
    <div class="actions">
      <button data-action="promote">Promote</button><button data-action="pause">Pause</button>
      <button data-action="resume">Resume</button><button data-action="abort" class="danger">Abort</button>
      <button data-action="rollback" class="danger">Rollback</button>
    </div>
    <h2>Rollout</h2>
    ${r ? `<p id="rollout">${rolloutCell(r)} r${esc(r.from ?? "—")} → r${esc(r.to)} <span class="muted">${esc(r.message)}</span></p><ul class="steps">${steps}</ul>` : '<p class="muted">No rollout.</p>'}
    <p>Traffic: ${splitBar(s.traffic)}</p>
    <h2>Last minutes</h2>
    <div class="charts"><div class="chart" id="c-rps"><h3>requests/s</h3></div><div class="chart" id="c-err"><h3>errors %</h3></div><div class="chart" id="c-p99"><h3>p99 ms</h3></div></div>
    <h2>Instances</h2><table><thead><tr><th>id</th><th>rev</th><th>health</th><th>drift</th><th>age</th></tr></thead><tbody>${instRows}</tbody></table>
    <h2>Revisions</h2><table><thead><tr><th>rev</th><th>image</th><th>who</th><th>when</th><th>why</th></tr></thead><tbody>${revRows}</tbody></table>
    <h2>Journal</h2>${journalTable(journal.entries || [])}`;
  for (const b of view.querySelectorAll("button[data-action]")) b.onclick = () => act(name, b.dataset.action);
  drawMetrics(name);
}

function journalTable(entries) {
  const rows = entries.slice().reverse().map(e => `<tr data-seq="${esc(e.seq)}"><td class="num">${esc(e.seq)}</td><td title="${esc(e.time)}">${esc(ago(e.time))}</td>
      <td>${esc(e.actor)}</td><td><code>${esc(e.kind)}</code></td><td>${esc(e.subject)}</td><td>${esc(e.cause)}</td></tr>`).join("");
  return `<table id="journal"><thead><tr><th>seq</th><th>when</th><th>actor</th><th>kind</th><th>subject</th><th>cause</th></tr></thead><tbody>${rows || '<tr><td colspan="6" class="muted">—</td></tr>'}</tbody></table>`;
}

// ---- charts: one SVG polyline per revision, the canary analysis limit as a dashed line -------

function chart(el, series, pick, limit) {
  if (!el) return;
  const all = Object.values(series).flat();
  const head = el.querySelector("h3").outerHTML;
  if (!all.length) { el.innerHTML = head + '<p class="muted">no traffic yet</p>'; return; }
  const t0 = Math.min(...all.map(p => p.t)), t1 = Math.max(...all.map(p => p.t), t0 + 1);
  const max = Math.max(1e-9, ...all.map(pick), limit ?? 0);
  const W = 300, H = 110, y = v => (H - v / max * (H - 6) - 3).toFixed(1);
  const lines = Object.entries(series).map(([rev, pts]) =>
    `<polyline fill="none" stroke="${colorOf(rev)}" stroke-width="1.6" points="${pts.map(p => `${((p.t - t0) / (t1 - t0) * W).toFixed(1)},${y(pick(p))}`).join(" ")}"/>`).join("");
  const rule = limit != null ? `<line x1="0" x2="${W}" y1="${y(limit)}" y2="${y(limit)}" stroke="#c53030" stroke-dasharray="4 3"/>` : "";
  const legend = Object.keys(series).map(rev => `<span style="color:${colorOf(rev)}">■ r${esc(rev)}</span>`).join("");
  el.innerHTML = `${head}<svg viewBox="0 0 ${W} ${H}" preserveAspectRatio="none">${rule}${lines}</svg><div class="legend">${legend} <span class="muted">max ${max.toFixed(max < 10 ? 2 : 0)}${limit != null ? " · limit " + limit : ""}</span></div>`;
}

let lastMetrics = { name: null, m: null };

function drawCharts(m) {
  const series = m.revisions || {}, a = m.analysis;
  chart(document.getElementById("c-rps"), series, p => p.rps);
  chart(document.getElementById("c-err"), series, p => p.errorRate * 100, a ? a.maxErrorRate * 100 : null);
  chart(document.getElementById("c-p99"), series, p => p.p99Millis, a && a.maxP99Millis != null ? a.maxP99Millis : null);
}

async function drawMetrics(name) {
  clearTimeout(metricsTimer);
  if (location.hash !== "#/service/" + encodeURIComponent(name)) return;
  // a re-render redraws the last series at once, so the charts never flash empty
  if (lastMetrics.name === name) drawCharts(lastMetrics.m);
  try {
    const m = await api("/v1/services/" + encodeURIComponent(name) + "/metrics");
    lastMetrics = { name, m };
    drawCharts(m);
  } catch (e) { /* the charts stay as they are; the next poll tries again */ }
  metricsTimer = setTimeout(() => drawMetrics(name), 2000);
}

// ---- actions: the API's own promote/pause/resume/abort/rollback, journaled as this session ---

function confirmAction(text) {
  const d = document.getElementById("confirm");
  document.getElementById("confirm-text").textContent = text;
  return new Promise(resolve => { d.onclose = () => resolve(d.returnValue === "ok"); d.returnValue = ""; d.showModal(); });
}

async function act(name, action) {
  const what = action === "rollback" ? `Roll ${name} back to its previous revision?` : `${action[0].toUpperCase() + action.slice(1)} the rollout of ${name}?`;
  if (!(await confirmAction(`${what} This is journaled as ${session.principal || "you"}.`))) return;
  try {
    await api(`/v1/services/${encodeURIComponent(name)}/${action}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    flash(`${action} ${name}: asked`, false);
  } catch (e) {
    flash(`${action} ${name}: ${e.message}`, true);
  }
  scheduleRender();
}

function flash(text, bad) {
  const f = document.getElementById("flash");
  f.textContent = text; f.className = bad ? "flash bad" : "flash";
}

// ---- live events -----------------------------------------------------------------------------

function connect() {
  const conn = document.getElementById("conn");
  if (stream) stream.close();
  // EventSource retries by itself and sends Last-Event-ID; a new one starts from ?since=.
  const es = stream = new EventSource("/v1/events?since=" + lastSeq);
  es.onopen = () => { conn.textContent = "live"; conn.className = "conn live"; };
  es.onmessage = ev => {
    const e = JSON.parse(ev.data);
    if (e.seq <= lastSeq) return;
    lastSeq = e.seq;
    window.kiln.seen.push(e.seq);
    document.body.dataset.lastSeq = String(lastSeq);
    journalSeen.push(e);
    if (journalSeen.length > 200) journalSeen.shift();
    scheduleRender();
  };
  es.onerror = () => {
    conn.textContent = "reconnecting…"; conn.className = "conn down";
    if (es.readyState === EventSource.CLOSED) { setTimeout(connect, 1000); return; }
    // The browser retries by itself, but it may back off for long, or wait on a connection made as
    // the server went down (a page stayed "reconnecting…" for 2 minutes after a restart): a stream
    // that is not open again within 5 s is replaced by a new one, from the last entry seen.
    clearTimeout(streamWatchdog);
    streamWatchdog = setTimeout(() => {
      if (stream === es && es.readyState !== EventSource.OPEN) connect();
    }, 5000);
  };
}

function scheduleRender() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => { refreshTimer = null; render(); }, 150);
}

async function render() {
  const m = location.hash.match(/^#\/service\/(.+)$/);
  try {
    if (m) await service(decodeURIComponent(m[1]));
    else await overview();
  } catch (e) {
    if (e.status === 401) { signedOut(); return; }
    view.innerHTML = `<p class="pill bad">${esc(e.message)}</p>`;
  }
}

function signedOut() {
  view.innerHTML = `<p>Not signed in: run <code>kiln ui</code> for a login link.</p>`;
}

window.addEventListener("hashchange", render);
(async () => {
  try {
    let recent;
    [session, recent] = await Promise.all([api("/v1/ui/session"), api("/v1/journal?limit=15")]);
    document.getElementById("who").textContent = session.principal;
    for (const e of recent.entries || []) { journalSeen.push(e); lastSeq = Math.max(lastSeq, e.seq); }
    document.body.dataset.lastSeq = String(lastSeq);
  } catch (e) {
    signedOut();
    return;
  }
  await render();
  performance.mark("kiln-first-render"); // bench/ui.sh reads it: time to first render
  connect();
})();
