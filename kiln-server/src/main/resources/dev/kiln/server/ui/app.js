// Kiln's dashboard: no framework, no build step, nothing fetched from elsewhere. State comes from
// the API; the journal's event stream (server-sent events keyed by sequence) says when to look again.
"use strict";

const COLORS = ["#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#319795"];
const view = document.getElementById("view");
let session = { principal: "", csrf: "" };
let lastSeq = Number(localStorage.getItem("kiln.lastSeq") || 0);
let refreshTimer = null;
let metricsTimer = null;
const journalSeen = [];

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

async function api(path, options = {}) {
  const init = { credentials: "same-origin", ...options, headers: { Accept: "application/json", ...(options.headers || {}) } };
  if (init.method && init.method !== "GET") init.headers["X-Kiln-CSRF"] = session.csrf;
  const r = await fetch(path, init);
  const text = await r.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = { error: text }; }
  if (!r.ok) throw new Error((body && (body.error || body.message)) || r.status + " " + r.statusText);
  return body;
}

function phasePill(phase) {
  if (!phase) return '<span class="pill">idle</span>';
  const cls = /SUCCEEDED|HEALTHY/.test(phase) ? "ok" : /ABORT|FAIL|DEGRADED/.test(phase) ? "bad" : "warn";
  return `<span class="pill ${cls}">${esc(phase.toLowerCase())}</span>`;
}

function splitBar(traffic) {
  const entries = Object.entries(traffic || {});
  if (!entries.length) return '<span class="muted">no traffic</span>';
  return '<div class="split" data-split>' + entries.map(([rev, w]) =>
    `<span style="width:${Number(w)}%;background:${colorOf(rev)}" title="r${esc(rev)}: ${esc(w)}%">r${esc(rev)} ${esc(w)}%</span>`).join("") + "</div>";
}

// ---- views ---------------------------------------------------------------------------------

async function overview() {
  const [services, rollouts] = await Promise.all([api("/v1/services"), api("/v1/rollouts").catch(() => ({ rollouts: [] }))]);
  const byService = {};
  for (const r of rollouts.rollouts || []) byService[r.service] = r;
  const rows = (services.services || []).map(s => {
    const r = byService[s.name];
    const healthy = (s.instances || []).filter(i => i.health === "HEALTHY").length;
    return `<tr data-service="${esc(s.name)}">
      <td><a href="#/service/${encodeURIComponent(s.name)}">${esc(s.name)}</a></td>
      <td>${esc(s.environment || "default")}</td>
      <td class="num">${s.liveRevision != null ? "r" + esc(s.liveRevision) : "—"} <code>${esc(short(s.image))}</code></td>
      <td class="num" data-healthy>${healthy}/${esc(s.replicas)}</td>
      <td>${esc(s.strategy)}</td>
      <td data-phase>${r ? phasePill(r.phase) + (r.canaryWeight != null ? ` <span class="muted">canary ${esc(r.canaryWeight)}%</span>` : "") : phasePill(null)}</td>
      <td>${splitBar(s.traffic)}</td>
      <td>${s.drift ? `<span class="pill bad">${esc(s.drift)}</span>` : '<span class="muted">—</span>'}</td>
      <td>${s.autoscale ? esc(s.autoscale.current + " (" + s.autoscale.min + "–" + s.autoscale.max + ")") : '<span class="muted">—</span>'}</td>
    </tr>`;
  }).join("");
  view.innerHTML = `<h1>Fleet</h1>
    <table id="fleet"><thead><tr><th>service</th><th>environment</th><th>live revision</th><th>healthy</th><th>strategy</th>
    <th>rollout</th><th>traffic</th><th>drift</th><th>scaling</th></tr></thead><tbody>${rows || '<tr><td colspan="9" class="muted">No services yet: kiln apply</td></tr>'}</tbody></table>
    <h2>Journal</h2>${journalTable(journalSeen.slice(-15))}`;
}

async function service(name) {
  const [s, revisions, rollouts, journal] = await Promise.all([
    api("/v1/services/" + encodeURIComponent(name)),
    api("/v1/services/" + encodeURIComponent(name) + "/revisions").catch(() => ({ revisions: [] })),
    api("/v1/rollouts").catch(() => ({ rollouts: [] })),
    api("/v1/journal?service=" + encodeURIComponent(name) + "&limit=30").catch(() => ({ entries: [] })),
  ]);
  const r = (rollouts.rollouts || []).find(x => x.service === name);
  const steps = r && r.steps ? Array.from({ length: r.steps }, (_, i) =>
    `<li class="${i < r.step ? "done" : i === r.step ? "current" : ""}">step ${i + 1}</li>`).join("") : "";
  const revRows = (revisions.revisions || []).slice().reverse().map(v => `<tr>
      <td class="num">r${esc(v.number)}</td><td><code>${esc(short(v.image))}</code></td>
      <td>${esc(v.actor)}</td><td title="${esc(v.createdAt)}">${esc(ago(v.createdAt))}</td><td>${esc(v.cause)}</td></tr>`).join("");
  const instRows = (s.instances || []).map(i => `<tr>
      <td><code>${esc(i.id)}</code></td><td class="num">r${esc(i.revision)}</td>
      <td>${phasePill(i.health)}</td><td>${i.drift ? `<span class="pill bad">${esc(i.drift)}</span>` : "—"}</td>
      <td>${esc(i.pid ?? "")}</td><td title="${esc(i.startedAt)}">${esc(ago(i.startedAt))}</td></tr>`).join("");
  view.innerHTML = `<h1>${esc(name)} <span class="muted">· ${esc(s.strategy)} · live r${esc(s.liveRevision ?? "—")}</span></h1>
    <div class="actions">
      <button data-action="promote">Promote</button><button data-action="pause">Pause</button>
      <button data-action="resume">Resume</button><button data-action="abort" class="danger">Abort</button>
      <button data-action="rollback" class="danger">Rollback</button>
    </div>
    <h2>Rollout</h2>
    ${r ? `<p>${phasePill(r.phase)} r${esc(r.from ?? "—")} → r${esc(r.to)}${r.canaryWeight != null ? ` · canary weight <b data-weight>${esc(r.canaryWeight)}%</b>` : ""}</p><ul class="steps">${steps}</ul>` : '<p class="muted">No rollout.</p>'}
    <p>Traffic: ${splitBar(s.traffic)}</p>
    <h2>Last minutes</h2>
    <div class="charts"><div class="chart" id="c-rps"><h3>requests/s</h3></div><div class="chart" id="c-err"><h3>errors %</h3></div><div class="chart" id="c-p99"><h3>p99 ms</h3></div></div>
    <h2>Instances</h2><table><thead><tr><th>id</th><th>rev</th><th>health</th><th>drift</th><th>pid</th><th>age</th></tr></thead><tbody>${instRows}</tbody></table>
    <h2>Revisions</h2><table><thead><tr><th>rev</th><th>image</th><th>who</th><th>when</th><th>why</th></tr></thead><tbody>${revRows}</tbody></table>
    <h2>Journal</h2>${journalTable(journal.entries || [])}`;
  for (const b of view.querySelectorAll("button[data-action]")) b.onclick = () => act(name, b.dataset.action);
  drawMetrics(name);
}

function journalTable(entries) {
  const rows = entries.slice().reverse().map(e => `<tr><td class="num">${esc(e.seq)}</td><td title="${esc(e.time)}">${esc(ago(e.time))}</td>
      <td>${esc(e.actor)}</td><td><code>${esc(e.kind)}</code></td><td>${esc(e.subject)}</td><td>${esc(e.cause)}</td></tr>`).join("");
  return `<table id="journal"><thead><tr><th>seq</th><th>when</th><th>actor</th><th>kind</th><th>subject</th><th>cause</th></tr></thead><tbody>${rows || '<tr><td colspan="6" class="muted">—</td></tr>'}</tbody></table>`;
}

// ---- charts: one SVG polyline per revision ---------------------------------------------------

function chart(el, series, pick) {
  const all = Object.values(series).flat();
  if (!el) return;
  const head = el.querySelector("h3").outerHTML;
  if (!all.length) { el.innerHTML = head + '<p class="muted">no traffic yet</p>'; return; }
  const t0 = Math.min(...all.map(p => p.t)), t1 = Math.max(...all.map(p => p.t), t0 + 1);
  const max = Math.max(1e-9, ...all.map(pick));
  const W = 300, H = 110;
  const lines = Object.entries(series).map(([rev, pts]) => {
    const d = pts.map(p => `${((p.t - t0) / (t1 - t0) * W).toFixed(1)},${(H - pick(p) / max * (H - 6) - 3).toFixed(1)}`).join(" ");
    return `<polyline fill="none" stroke="${colorOf(rev)}" stroke-width="1.6" points="${d}"/>`;
  }).join("");
  const legend = Object.keys(series).map(rev => `<span style="color:${colorOf(rev)}">■ r${esc(rev)}</span>`).join("");
  el.innerHTML = `${head}<svg viewBox="0 0 ${W} ${H}" preserveAspectRatio="none">${lines}</svg><div class="legend">${legend} <span class="muted">max ${max.toFixed(max < 10 ? 2 : 0)}</span></div>`;
}

async function drawMetrics(name) {
  clearTimeout(metricsTimer);
  if (!location.hash.startsWith("#/service/")) return;
  try {
    const m = await api("/v1/services/" + encodeURIComponent(name) + "/metrics");
    const series = m.revisions || {};
    chart(document.getElementById("c-rps"), series, p => p.rps);
    chart(document.getElementById("c-err"), series, p => p.errorRate * 100);
    chart(document.getElementById("c-p99"), series, p => p.p99Millis);
  } catch (e) { /* the charts stay as they are; the next poll tries again */ }
  metricsTimer = setTimeout(() => drawMetrics(name), 2000);
}

// ---- actions ---------------------------------------------------------------------------------

function confirmAction(text) {
  const d = document.getElementById("confirm");
  document.getElementById("confirm-text").textContent = text;
  return new Promise(resolve => { d.onclose = () => resolve(d.returnValue === "ok"); d.showModal(); });
}

async function act(name, action) {
  if (!(await confirmAction(`${action} ${name}? This is journaled as ${session.principal || "you"}.`))) return;
  try {
    await api(`/v1/services/${encodeURIComponent(name)}/${action}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
  } catch (e) {
    alert(`${action} ${name}: ${e.message}`);
  }
  render();
}

// ---- live events -----------------------------------------------------------------------------

function connect() {
  const conn = document.getElementById("conn");
  const es = new EventSource("/v1/events?since=" + lastSeq);
  es.onopen = () => { conn.textContent = "live"; conn.className = "conn live"; };
  es.onmessage = ev => {
    const e = JSON.parse(ev.data);
    if (e.seq <= lastSeq) return;
    lastSeq = e.seq;
    localStorage.setItem("kiln.lastSeq", String(lastSeq));
    journalSeen.push(e);
    if (journalSeen.length > 200) journalSeen.shift();
    scheduleRender();
  };
  es.onerror = () => {
    conn.textContent = "reconnecting…"; conn.className = "conn down";
    // EventSource retries by itself with Last-Event-ID; a full reconnect also sends ?since=.
    if (es.readyState === EventSource.CLOSED) setTimeout(connect, 1000);
  };
}

function scheduleRender() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => { refreshTimer = null; render(); }, 200);
}

async function render() {
  const m = location.hash.match(/^#\/service\/(.+)$/);
  try {
    if (m) await service(decodeURIComponent(m[1]));
    else await overview();
  } catch (e) {
    view.innerHTML = `<p class="pill bad">${esc(e.message)}</p>`;
  }
}

window.addEventListener("hashchange", render);
(async () => {
  try {
    session = await api("/v1/ui/session");
    document.getElementById("who").textContent = session.principal;
  } catch (e) {
    view.innerHTML = `<p>Not signed in: run <code>kiln ui</code> for a login link.</p>`;
    return;
  }
  await render();
  connect();
})();
