// Live recomputation on the project form: the server computes (same rules as
// on save), this script only sends the form and shows the answer.
(function () {
  "use strict";
  const form = document.getElementById("project-form");
  if (!form) return;
  const url = form.dataset.previewUrl;
  let timer = null;

  function show(id, value, suffix) {
    const el = document.getElementById(id);
    if (el) el.textContent = value === null ? (suffix ? "不适用" : "—") : value + (suffix || "");
  }

  async function refresh() {
    const response = await fetch(url, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
    });
    if (!response.ok) return;
    const data = await response.json();
    show("budget-total", data.budget_total);
    show("actual-total", data.actual_total);
    show("execution-rate", data.execution_rate, "%");
    for (const row of data.indicators) {
      show("score-" + row.prefix, row.score);
      const parsed = document.getElementById("parsed-" + row.prefix);
      if (parsed) {
        parsed.textContent = row.target === null ? "定性指标" : row.operator + " " + row.target + " " + row.unit;
      }
    }
    form.dataset.previewed = String(Number(form.dataset.previewed || 0) + 1);
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);

  const add = document.getElementById("add-indicator");
  const template = document.getElementById("empty-indicator");
  const total = form.querySelector("input[name$='-TOTAL_FORMS']");
  if (add && template && total) {
    add.addEventListener("click", function () {
      const index = Number(total.value);
      const html = template.innerHTML.replace(/__prefix__/g, String(index));
      document.querySelector("#indicators tbody").insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
    });
  }
  refresh();
})();
