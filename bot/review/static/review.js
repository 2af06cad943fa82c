// The review page's live counter: every edit is measured by the server (the composer's own
// rules, so the counter and a save never disagree), and the card shows the text as posted.
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const timers = new Map();
  // A page shown again after a refused save holds edits that are not stored yet.
  const form = document.getElementById("draft");
  let dirty = Boolean(form && form.dataset.unsaved === "1");

  function summary() {
    const over = document.querySelectorAll("article.post.over").length;
    const el = document.getElementById("over-summary");
    if (el) {
      el.textContent = over ? `${over} post${over > 1 ? "s" : ""} over the limit` : "";
      el.classList.toggle("over", over > 0);
    }
    const approve = document.getElementById("approve-button");
    if (approve) {
      approve.disabled = dirty;
      approve.title = dirty ? "Save the draft first: approving approves the stored text" : "";
    }
  }

  async function measure(area) {
    const article = area.closest("article");
    const response = await fetch("/api/measure", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ platform: area.dataset.platform, text: area.value }),
    });
    const m = await response.json();
    if (!response.ok) return;
    const counter = article.querySelector(".counter");
    counter.textContent = `${m.length}/${m.limit}` +
      (m.bytes !== undefined ? ` · ${m.bytes}/${m.byte_limit} bytes` : "");
    counter.classList.toggle("over", !m.fits);
    article.classList.toggle("over", !m.fits);
    const text = article.querySelector(".text");
    if (m.html !== undefined) text.innerHTML = m.html; else text.textContent = m.shown;
    article.dataset.measured = String(m.length);
    summary();
  }

  document.querySelectorAll("textarea.edit").forEach((area) => {
    area.addEventListener("input", () => {
      dirty = true;
      clearTimeout(timers.get(area));
      timers.set(area, setTimeout(() => measure(area), 120));
      summary();
    });
  });
  summary();
})();
