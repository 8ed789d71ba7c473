// Live updates for the inbox: Server-Sent Events say *that* something changed; the page then
// fetches itself and swaps its #live region. No framework, no build step.
(function () {
  "use strict";

  // Presence: the exchange page says every few seconds that this agent is here (and whether
  // they are writing a reply) and shows who else is.
  function presence() {
    var box = document.getElementById("workspace");
    if (!box || !window.fetch) { return; }
    var url = window.location.pathname.replace(/\/?$/, "") + "/presence";
    function beat() {
      var csrf = document.querySelector("#workspace input[name=csrf]");
      var reply = document.getElementById("reply-text");
      var writing = reply && (reply === document.activeElement || reply.value.trim() !== "");
      var body = new URLSearchParams();
      body.set("csrf", csrf ? csrf.value : "");
      body.set("state", writing ? "writing" : "viewing");
      fetch(url, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (others) {
          var line = document.getElementById("presence");
          if (!line) { return; }
          var de = document.documentElement.lang === "de";
          line.textContent = others.length === 0 ? "" : (de ? "Ebenfalls in diesem Vorgang: "
            : "Also on this exchange: ") + others.map(function (o) {
              return o.agent + " (" + (o.state === "writing" ? (de ? "schreibt eine Antwort"
                : "writing a reply") : (de ? "sieht ihn an" : "viewing")) + ")";
            }).join(", ");
          line.setAttribute("data-others", others.map(function (o) { return o.agent; }).join("|"));
        })
        .catch(function () { /* the next beat tries again */ });
    }
    beat();
    window.setInterval(beat, 4000);
  }
  var live = document.body.getAttribute("data-live");
  var printButton = document.querySelector("[data-print]");
  if (printButton) { printButton.addEventListener("click", function () { window.print(); }); }
  presence();
  // Canned replies: choosing one puts its words (already filled in for this exchange) into the
  // reply box, where the agent edits them before sending.
  document.addEventListener("change", function (ev) {
    var select = ev.target;
    if (!select || !select.getAttribute || !select.getAttribute("data-insert")) { return; }
    var box = document.getElementById(select.getAttribute("data-insert"));
    if (box && select.value) { box.value = select.value; box.focus(); }
  });
  if (!live || !window.EventSource) { return; }
  var status = document.getElementById("live-status");
  var timer = null;

  function editing() {
    // Never swap the page under an agent who is typing a reply.
    var region = document.getElementById("live");
    var active = document.activeElement;
    if (region && active && region.contains(active) &&
        ["TEXTAREA", "SELECT", "INPUT"].indexOf(active.tagName) >= 0) { return true; }
    var areas = document.querySelectorAll("#live textarea");
    for (var i = 0; i < areas.length; i++) {
      if (areas[i].value !== areas[i].defaultValue) { return true; }
    }
    return false;
  }

  function refresh() {
    timer = null;
    if (editing()) { schedule(2000); return; }
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Inbox-Refresh": "1" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("live");
        var region = document.getElementById("live");
        if (fresh && region && !editing() && fresh.innerHTML !== region.innerHTML) {
          region.innerHTML = fresh.innerHTML;
          document.body.setAttribute("data-refreshed", String(Date.now()));
        }
      })
      .catch(function (err) { if (status) { status.textContent = "refresh failed: " + err; } });
  }

  function schedule(ms) {
    if (timer === null) { timer = window.setTimeout(refresh, ms); }
  }

  var source = new EventSource(document.querySelector("link[rel=stylesheet]").href
    .replace(/static\/inbox\.css.*$/, "events"));
  source.addEventListener("open", function () {
    if (status) { status.textContent = "● " + (document.documentElement.lang === "de"
      ? "Live-Aktualisierung an" : "Live updates on"); }
  });
  source.addEventListener("change", function (ev) {
    var notice = {};
    try { notice = JSON.parse(ev.data); } catch (e) { return; }
    if (live === "*" || notice.thread === live) { schedule(300); }
  });
  // Drafts waiting for approval publish no event (nothing happened on a platform yet), so the
  // page also looks again every few seconds.
  window.setInterval(function () { schedule(0); }, 5000);
  // A command was just sent: the services act within moments; look again a few times.
  if (document.getElementById("sent-notice")) {
    [800, 2000, 4000, 8000].forEach(function (ms) { window.setTimeout(refresh, ms); });
  }
}());
