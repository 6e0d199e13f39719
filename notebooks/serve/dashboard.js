// The served dashboard's page script (scripts/notebooks.sh serve). Twice a second it reads the
// serving process's status.json; when a newer export of the dashboard notebook is there and the
// viewer's refresh interval has passed, it fetches it and swaps it in. The old numbers stay on
// the page until new ones arrive, so the page is never blank; a server that does not answer, a
// kernel that is (re)starting or failed, and numbers that grow old are said in a banner.
// The controls (refresh interval, top-N users and items, raw tables) live in the URL, so a link
// reproduces a view: ?refresh=5&users=10&items=10&raw=1.
(function () {
  "use strict";

  var cfg = document.getElementById("dash-config").dataset;
  var params = new URLSearchParams(window.location.search);
  var token = params.get("token");

  function clamp(value, lo, hi, fallback) {
    var n = parseInt(value, 10);
    return isNaN(n) ? fallback : Math.max(lo, Math.min(hi, n));
  }

  function flag(value, fallback) {
    if (value === null || value === undefined) {
      return fallback;
    }
    var v = String(value).toLowerCase();
    if (["1", "true", "on", "yes"].indexOf(v) >= 0) {
      return true;
    }
    if (["0", "false", "off", "no"].indexOf(v) >= 0) {
      return false;
    }
    return fallback;
  }

  var view = {
    refresh: clamp(params.get("refresh"), 2, 30, clamp(cfg.refresh, 2, 30, 5)),
    users: clamp(params.get("users"), 1, 100, clamp(cfg.users, 1, 100, 10)),
    items: clamp(params.get("items"), 1, 100, clamp(cfg.items, 1, 100, 10)),
    raw: flag(params.get("raw"), flag(cfg.raw, true))
  };

  var target = document.getElementById("dashboard");
  var banner = document.getElementById("dash-banner");
  var pageStamp = document.getElementById("dash-page-stamp");
  var shownVersion = null;
  var lastSwap = 0;
  var loading = false;
  var downSince = null;
  var shownAt = null;

  function utc(ms) {
    return new Date(ms).toISOString().substring(11, 19) + " UTC";
  }

  function get(name) {
    var headers = {};
    if (token) {
      headers.Authorization = "token " + token;
    }
    return window.fetch(cfg.files + name + "?t=" + Date.now(),
      {cache: "no-store", credentials: "same-origin", headers: headers});
  }

  // ---- the controls ---------------------------------------------------------------------

  function control(name) {
    return document.getElementById("ctl-" + name);
  }

  function showControls() {
    ["refresh", "users", "items"].forEach(function (name) {
      control(name).value = view[name];
      document.getElementById("out-" + name).textContent = view[name];
    });
    control("raw").checked = view.raw;
  }

  function writeUrl() {
    var p = new URLSearchParams(window.location.search);
    p.set("refresh", view.refresh);
    p.set("users", view.users);
    p.set("items", view.items);
    p.set("raw", view.raw ? "1" : "0");
    window.history.replaceState(null, "", window.location.pathname + "?" + p.toString());
  }

  ["refresh", "users", "items"].forEach(function (name) {
    control(name).addEventListener("input", function () {
      view[name] = parseInt(control(name).value, 10);
      document.getElementById("out-" + name).textContent = view[name];
      writeUrl();
      apply();
    });
  });
  control("raw").addEventListener("change", function () {
    view.raw = control("raw").checked;
    writeUrl();
    apply();
  });

  // ---- applying the view to the export --------------------------------------------------

  function apply() {
    target.querySelectorAll(".dash-bars").forEach(function (chart) {
      var n = chart.dataset.what === "items" ? view.items : view.users;
      var bars = chart.querySelectorAll(".dash-bar");
      bars.forEach(function (bar) {
        bar.style.display = parseInt(bar.dataset.rank, 10) <= n ? "flex" : "none";
      });
      chart.querySelectorAll(".dash-n").forEach(function (span) {
        span.textContent = Math.min(n, bars.length);
      });
    });
    target.querySelectorAll(".dash-raw").forEach(function (table) {
      table.style.display = view.raw ? "" : "none";
    });
    var heading = document.getElementById("Raw-aggregated-tables");
    var cell = heading && heading.closest(".jp-Cell");
    if (cell) {
      cell.style.display = view.raw ? "" : "none";
    }
  }

  // ---- fetching ---------------------------------------------------------------------------

  function say(text, kind) {
    if (!text) {
      banner.hidden = true;
      banner.textContent = "";
      return;
    }
    banner.hidden = false;
    banner.className = kind || "";
    banner.textContent = text;
  }

  function load(version) {
    loading = true;
    get("dashboard.html").then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var main = doc.getElementById("dashboard");
      if (main) {
        target.innerHTML = main.innerHTML;
        shownVersion = main.dataset.version || version;
        lastSwap = Date.now();
        shownAt = main.dataset.refreshedAt ? parseInt(main.dataset.refreshedAt, 10) : null;
        apply();
        pageStamp.textContent = "Page updated at " + utc(lastSwap)
          + (shownAt ? "; numbers of " + utc(shownAt) : "") + ".";
      }
    }).catch(function () {
      // The status poll says when the server is down; the old numbers stay.
    }).then(function () {
      loading = false;
    });
  }

  function onStatus(status) {
    downSince = null;
    var now = Date.now();
    document.body.dataset.state = status.state;
    var stale = status.state === "ok" && status.refreshedAtMs
      && now - status.refreshedAtMs > 1000 * Math.max(3 * status.intervalS, 30);
    if (status.state === "ok" && !stale) {
      say(status.message || "", "info");
    } else if (stale) {
      say("These numbers are " + Math.round((now - status.refreshedAtMs) / 1000)
        + " s old: the last refresh finished at " + utc(status.refreshedAtMs)
        + (status.message ? ". " + status.message : "."));
    } else {
      say(status.message || status.state, status.state === "starting" ? "info" : "");
    }
    // Due when the viewer's interval has passed, give or take a poll and a round's jitter: with
    // the server's interval, every new export is taken as soon as it is there.
    var due = now - lastSwap >= view.refresh * 1000 - 1000;
    if (!loading && String(status.version) !== String(shownVersion) && due) {
      load(status.version);
    }
  }

  function onDown() {
    if (downSince === null) {
      downSince = Date.now();
    }
    document.body.dataset.state = "unreachable";
    say("The dashboard server does not answer (since " + utc(downSince) + ")"
      + (shownAt ? ": these are the numbers of " + utc(shownAt) + "." : "."));
  }

  function poll() {
    get("status.json").then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    }).then(onStatus, onDown).then(function () {
      window.setTimeout(poll, 500);
    });
  }

  showControls();
  writeUrl();
  poll();
}());
