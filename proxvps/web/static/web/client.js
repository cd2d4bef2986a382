/* The client area's scripts: no inline script anywhere, so a provider's CSP can be `script-src 'self'`.
 * Texts go through Django's JavaScript catalog (window.gettext from /client/jsi18n/). */
"use strict";

(function () {
  const t = (text) => (typeof window.gettext === "function" ? window.gettext(text) : text);

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  /* The VM password, fetched from the client API when the client asks for it (never part of a page). */
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-reveal-url]");
    if (!button) return;
    const target = document.getElementById(button.dataset.revealTarget);
    let shown = t("The password cannot be shown now.");
    try {
      const answer = await fetch(button.dataset.revealUrl, { credentials: "same-origin", cache: "no-store" });
      if (answer.ok) shown = (await answer.json()).password;
    } catch (error) {
      /* the sentence above says it */
    }
    target.textContent = shown;
    target.hidden = false;
    button.hidden = true;
  });

  /* Firewall rules: drag a row to reorder; the server moves the rule and answers with the table. */
  function sortables(root) {
    root.querySelectorAll("[data-sortable-url]").forEach((body) => {
      if (body.dataset.sortableReady || typeof window.Sortable === "undefined") return;
      body.dataset.sortableReady = "1";
      window.Sortable.create(body, {
        handle: ".drag-handle",
        animation: 150,
        forceFallback: true,
        onEnd: (event) => {
          if (event.oldIndex === event.newIndex) return;
          window.htmx.ajax("POST", body.dataset.sortableUrl, {
            target: body.dataset.sortableTarget,
            swap: "innerHTML",
            values: { source: event.oldIndex, target: event.newIndex, digest: body.dataset.digest || "" },
            headers: { "X-CSRFToken": csrfToken() },
          });
        },
      });
    });
  }

  /* Graphs: one Chart.js line chart per canvas, fed by our API (cached per service and timeframe). */
  const charts = new Map();
  function graphs(root) {
    root.querySelectorAll("canvas[data-graph-url]").forEach(async (canvas) => {
      if (canvas.dataset.graphReady || typeof window.Chart === "undefined") return;
      canvas.dataset.graphReady = "1";
      const answer = await fetch(canvas.dataset.graphUrl, { credentials: "same-origin" });
      const status = document.getElementById(canvas.dataset.graphStatus);
      if (!answer.ok) {
        if (status) status.textContent = t("The graph cannot be shown now.");
        return;
      }
      const data = await answer.json();
      const labels = data.time.map((epoch) => new Date(epoch * 1000).toLocaleString());
      const keys = canvas.dataset.graphSeries.split(",");
      const names = canvas.dataset.graphNames.split("|");
      const colours = ["#0d6efd", "#d63384", "#198754"];
      const chart = new window.Chart(canvas, {
        type: "line",
        data: {
          labels,
          datasets: keys.map((key, index) => ({
            label: names[index],
            data: data.series[key],
            borderColor: colours[index % colours.length],
            backgroundColor: colours[index % colours.length],
            pointRadius: 0,
            borderWidth: 2,
            tension: 0.2,
          })),
        },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          scales: { x: { ticks: { maxTicksLimit: 6 } }, y: { beginAtZero: true, title: { display: true, text: canvas.dataset.graphUnit } } },
        },
      });
      charts.set(canvas, chart);
      canvas.dataset.graphPoints = String(data.time.length);
      if (status) status.textContent = "";
    });
  }

  function ready(root) {
    sortables(root);
    graphs(root);
  }
  /* On a narrow screen the tabs scroll sideways: bring the current one into view. */
  function currentTab() {
    const active = document.querySelector(".nav-tabs .nav-link.active");
    if (active) active.scrollIntoView({ block: "nearest", inline: "center" });
  }

  window.addEventListener("resize", currentTab);
  document.addEventListener("DOMContentLoaded", () => {
    currentTab();
    ready(document);
  });
  document.addEventListener("htmx:load", (event) => ready(event.target));
})();
