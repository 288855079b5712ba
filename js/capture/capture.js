/*! ghl-bridge/capture: hands a page's form submissions to an intake URL. No token,
 * no Wasm. Paste into a Wishpond page's custom JavaScript (or an HTML block):
 *   <script src=".../capture.js" data-intake="https://intake.example.com/capture"
 *           data-site-key="pk_live_..."></script>
 * or set window.GhlBridgeCapture = {intakeUrl, siteKey} before loading it.
 * It never blocks or breaks the page: failures are reported once in the console and
 * the submission is kept in localStorage and sent again when the page is online. */
(() => {
  try {
    var w = window,
      d = document,
      script = d.currentScript;
    var cfg = w.GhlBridgeCapture || {};
    var intake = cfg.intakeUrl || (script && script.getAttribute("data-intake"));
    var siteKey = cfg.siteKey || (script && script.getAttribute("data-site-key"));
    var KEY = "ghlBridgeCaptureQueue",
      MAX_QUEUE = 20,
      MAX_FIELDS = 50,
      MAX_VALUE = 2000;
    var warned = false;
    var warn = (what) => {
      if (warned) return;
      warned = true;
      try {
        console.warn("ghl-bridge capture: " + what);
      } catch (_e) {
        /* no console */
      }
    };
    if (!intake || !siteKey)
      return warn("no intake URL or site key configured; nothing is captured");

    var labelOf = (el) => {
      var t = "";
      if (el.labels && el.labels[0]) t = el.labels[0].textContent;
      else if (el.id) {
        var l = d.querySelector('label[for="' + String(el.id).replace(/["\\]/g, "\\$&") + '"]');
        if (l) t = l.textContent;
      }
      if (!t) {
        var p = el.closest && el.closest("label");
        t =
          (p && p.textContent) ||
          el.getAttribute("aria-label") ||
          el.getAttribute("placeholder") ||
          "";
      }
      return String(t).replace(/\s+/g, " ").trim().slice(0, 200);
    };

    var collect = (form) => {
      var out = [],
        els = form.elements || [];
      for (var i = 0; i < els.length && out.length < MAX_FIELDS; i++) {
        var el = els[i],
          type = String(el.type || "").toLowerCase();
        if (!el.name && !el.id) continue;
        if (/^(password|file|submit|button|reset|image)$/.test(type) || el.disabled) continue;
        if ((type === "checkbox" || type === "radio") && !el.checked) continue;
        var value =
          el.tagName === "SELECT" && el.multiple
            ? Array.prototype.filter
                .call(el.options, (o) => o.selected)
                .map((o) => o.value)
                .join(", ")
            : el.value;
        out.push({
          name: String(el.name || el.id).slice(0, 64),
          label: labelOf(el),
          value: String(value == null ? "" : value).slice(0, MAX_VALUE),
        });
      }
      return out;
    };

    var utm = () => {
      var o = {},
        q = new URLSearchParams(location.search);
      ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"].forEach((k) => {
        var v = q.get(k);
        if (v) o[k] = v.slice(0, 256);
      });
      return o;
    };

    var newId = () => {
      var b = new Uint8Array(16);
      if (w.crypto && w.crypto.getRandomValues) w.crypto.getRandomValues(b);
      else for (var i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
      return Array.prototype.map.call(b, (x) => (x < 16 ? "0" : "") + x.toString(16)).join("");
    };

    var load = () => {
      try {
        var q = JSON.parse(localStorage.getItem(KEY) || "[]");
        return Array.isArray(q) ? q : [];
      } catch (_e) {
        return [];
      }
    };
    var save = (q) => {
      try {
        localStorage.setItem(KEY, JSON.stringify(q.slice(-MAX_QUEUE)));
      } catch (_e) {
        /* storage full or blocked */
      }
    };
    var drop = (id) => {
      save(load().filter((p) => p.id !== id));
    };

    // Resolves true when the intake took it (or refused it for good), false to keep it.
    var send = (p) => {
      var body = JSON.stringify(p);
      if (navigator.onLine === false) return Promise.resolve(false);
      if (typeof fetch === "function") {
        return fetch(intake, {
          method: "POST",
          body: body,
          keepalive: body.length < 60000,
          credentials: "omit",
          mode: "cors",
          headers: { "content-type": "text/plain;charset=UTF-8" },
        }).then(
          (r) => {
            if (r.ok) return true;
            if (r.status === 429 || r.status >= 500) return false;
            warn("the intake refused a submission (HTTP " + r.status + ")");
            return true;
          },
          () => false,
        );
      }
      if (navigator.sendBeacon)
        return Promise.resolve(
          navigator.sendBeacon(intake, new Blob([body], { type: "text/plain;charset=UTF-8" })),
        );
      return Promise.resolve(false);
    };

    var flushing = false;
    var flush = () => {
      if (flushing) return;
      var q = load();
      if (!q.length) return;
      flushing = true;
      Promise.all(
        q.map((p) =>
          send(p).then((done) => {
            if (done) drop(p.id);
          }),
        ),
      ).then(
        () => {
          flushing = false;
          if (load().length)
            warn(
              "a submission could not be sent yet; it is kept and sent again when the page is online",
            );
        },
        () => {
          flushing = false;
        },
      );
    };

    d.addEventListener(
      "submit",
      (ev) => {
        try {
          var form = ev.target;
          if (!form || form.tagName !== "FORM") return;
          var p = {
            v: 1,
            siteKey: siteKey,
            id: newId(),
            fields: collect(form),
            utm: utm(),
            page: {
              url: location.href.slice(0, 2000),
              referrer: String(d.referrer || "").slice(0, 2000),
              title: String(d.title || "").slice(0, 200),
            },
          };
          var q = load();
          q.push(p);
          save(q);
          flush();
        } catch (e) {
          warn(e && e.message ? e.message : String(e));
        }
      },
      true,
    );
    w.addEventListener("online", flush);
    flush();
  } catch (e) {
    try {
      console.warn("ghl-bridge capture: " + (e && e.message ? e.message : e));
    } catch (_x) {
      /* nothing */
    }
  }
})();
