// The staff dashboard: fetches report.json (the same figures as `python -m bot report`) and
// draws them with Chart.js. Served by rasa_addons/channels/operations.py behind the staff login.
import Chart from "chart.js/auto";
import css from "./dashboard.css";

const CHANNEL_COLOURS = { widget: "#2563eb", rest: "#16a34a", slack: "#9333ea", teams: "#ea580c" };
const EXTRA_COLOURS = ["#0891b2", "#ca8a04", "#db2777", "#4b5563"];
const P50 = "#0d9488";
const P95 = "#dc2626";
const WORKED = "#16a34a";
const NOT_WORKED = "#dc2626";
const SERVED = "#94a3b8";
const charts = new Map();

function colourOf(channel, index) {
  return CHANNEL_COLOURS[channel] || EXTRA_COLOURS[index % EXTRA_COLOURS.length];
}

function percent(rate) {
  return rate === null || rate === undefined ? "n/a" : `${Math.round(rate * 100)}%`;
}

function milliseconds(value) {
  return value === null || value === undefined ? "n/a" : `${Math.round(value)} ms`;
}

function draw(id, config) {
  charts.get(id)?.destroy();
  const options = { animation: false, responsive: true, maintainAspectRatio: true, ...config.options };
  charts.set(id, new Chart(document.getElementById(id), { ...config, options }));
}

// A `tag` element holding `children`: text (set as text, never as HTML) or elements.
function element(tag, ...children) {
  const made = document.createElement(tag);
  made.append(...children.map((child) => (child instanceof Node ? child : String(child))));
  return made;
}

function tiles(target, entries) {
  target.replaceChildren(...entries.map(([label, value]) => element("div", element("dt", label), element("dd", value))));
}

function perDayAndChannel(report, field) {
  const days = report.by_day.map((row) => row.day);
  const datasets = report.channels.map((channel, index) => ({
    label: channel,
    backgroundColor: colourOf(channel, index),
    borderColor: colourOf(channel, index),
    data: days.map((day) => {
      const row = report.daily.find((r) => r.day === day && r.channel === channel);
      return row ? row[field] : null;
    }),
  }));
  return { days, datasets };
}

function horizontalBars(id, labels, datasets) {
  draw(id, {
    type: "bar",
    data: { labels, datasets },
    options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
}

function render(report) {
  const totals = report.totals;
  document.getElementById("window").textContent =
    `From ${new Date(report.since).toLocaleString()} to ${new Date(report.until).toLocaleString()} (UTC dates)`;
  tiles(document.getElementById("kpis"), [
    ["Conversations", totals.conversations],
    ["Messages", totals.messages],
    ["Containment", percent(totals.containment_rate)],
    ["Tickets", totals.tickets],
    ["Handoffs", totals.handoffs],
    ["Handed back", totals.handed_back],
    ["Feedback: helped", percent(totals.feedback_helped_rate)],
    ["Latency p50", milliseconds(totals.latency_p50_ms)],
    ["Latency p95", milliseconds(totals.latency_p95_ms)],
  ]);

  const conversations = perDayAndChannel(report, "conversations");
  draw("chart-conversations", {
    type: "bar",
    data: { labels: conversations.days, datasets: conversations.datasets },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
  });

  const containment = perDayAndChannel(report, "containment_rate");
  containment.datasets.forEach((set) => { set.data = set.data.map((v) => (v === null ? null : v * 100)); });
  draw("chart-containment", {
    type: "line",
    data: { labels: containment.days, datasets: containment.datasets },
    options: { scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } } },
  });

  const days = report.by_day.map((row) => row.day);
  draw("chart-tickets", {
    type: "bar",
    data: {
      labels: days,
      datasets: [
        { label: "tickets", backgroundColor: "#ea580c", data: report.by_day.map((r) => r.tickets) },
        { label: "handoffs", backgroundColor: "#9333ea", data: report.by_day.map((r) => r.handoffs) },
        { label: "handed back", backgroundColor: "#0891b2", data: report.by_day.map((r) => r.handed_back) },
        { label: "agent replies", backgroundColor: "#94a3b8", data: report.by_day.map((r) => r.agent_replies) },
      ],
    },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });

  draw("chart-latency", {
    type: "line",
    data: {
      labels: days,
      datasets: [
        { label: "p50", borderColor: P50, backgroundColor: P50, data: report.by_day.map((r) => r.latency_p50_ms) },
        { label: "p95", borderColor: P95, backgroundColor: P95, data: report.by_day.map((r) => r.latency_p95_ms) },
      ],
    },
    options: { scales: { y: { beginAtZero: true } } },
  });

  horizontalBars("chart-paths", report.paths.map((p) => [p.path, `${percent(p.success_rate)} worked`]), [
    { label: "served", backgroundColor: SERVED, data: report.paths.map((p) => p.served) },
    { label: "worked", backgroundColor: WORKED, data: report.paths.map((p) => p.worked) },
    { label: "did not work", backgroundColor: NOT_WORKED, data: report.paths.map((p) => p.did_not_work) },
  ]);

  horizontalBars("chart-dropoffs", report.dropoffs.map((d) => d.question), [
    { label: "conversations that ended here", backgroundColor: "#ca8a04", data: report.dropoffs.map((d) => d.conversations) },
  ]);

  renderFeedback(report.feedback);

  const outbox = report.outbox;
  tiles(document.getElementById("outbox"), [
    ["Pending", outbox.pending],
    ["Retrying", outbox.retrying],
    ["Failed", outbox.failed],
    ["Delivered", outbox.delivered],
    ["Failed attempts", outbox.failed_attempts],
  ]);

  const body = document.querySelector("#not-understood tbody");
  const rows = report.not_understood.map(({ text, count }) => element("tr", element("td", text), element("td", count)));
  if (rows.length === 0) {
    const all = element("td", "Every message in this period was understood.");
    all.colSpan = 2;
    rows.push(element("tr", all));
  }
  body.replaceChildren(...rows);
}

// The answers to "Did that get you back in?" and, after an agent, "Did this help?": a bar per
// question and path (every channel together), and a table per channel.
function renderFeedback(feedback) {
  const canvas = document.getElementById("chart-feedback");
  const table = document.getElementById("feedback-table");
  if (feedback.count === 0) {
    document.getElementById("feedback").textContent = "No feedback in this period.";
    canvas.hidden = true;
    table.hidden = true;
    return;
  }
  document.getElementById("feedback").textContent =
    `${feedback.count} answers: ${feedback.helped} said it helped (${percent(feedback.helped_rate)}), ${feedback.not_helped} that it did not.`;
  canvas.hidden = false;
  table.hidden = false;
  const groups = new Map();
  for (const row of feedback.rows) {
    const key = `${row.moment} ${row.path}`;
    const group = groups.get(key) || { label: [row.path, row.question], helped: 0, notHelped: 0 };
    group.helped += row.helped;
    group.notHelped += row.not_helped;
    groups.set(key, group);
  }
  const bars = [...groups.values()];
  horizontalBars("chart-feedback", bars.map((g) => g.label), [
    { label: "helped", backgroundColor: WORKED, data: bars.map((g) => g.helped) },
    { label: "did not help", backgroundColor: NOT_WORKED, data: bars.map((g) => g.notHelped) },
  ]);
  table.querySelector("tbody").replaceChildren(
    ...feedback.rows.map((row) =>
      element("tr", ...[row.question, row.path, row.channel, row.helped, row.not_helped].map((cell) => element("td", cell))),
    ),
  );
}

async function load() {
  const status = document.getElementById("status");
  const since = document.getElementById("since").value;
  document.body.dataset.ready = "false";
  status.textContent = "Loading the figures...";
  try {
    const answer = await fetch(`report.json?since=${encodeURIComponent(since)}`, { credentials: "same-origin" });
    const report = await answer.json();
    if (!answer.ok || report.error) throw new Error(report.error || `HTTP ${answer.status}`);
    render(report);
    status.textContent = report.totals.conversations
      ? `${report.totals.conversations} conversations in this period.`
      : "No conversations in this period yet.";
    document.body.dataset.ready = "true";
  } catch (error) {
    status.textContent = `The figures could not be loaded: ${error.message}`;
    document.body.dataset.ready = "error";
  }
}

const style = document.createElement("style");
style.textContent = css;
document.head.append(style);
document.getElementById("since").addEventListener("change", load);
load();
