// Charts: draws every Vega-Lite spec on the page (polku/web/charts.py) as SVG in the browser.
//
// Each chart is an empty container [data-chart-spec] labelled as one image (role="img", aria-label) and a
// <script type="application/json"> data block with its spec, written by Django's json_script. On a page with
// charts this loads the vendored Vega, Vega-Lite and vega-embed (static/web/vendor/vega/, our own origin) and
// draws each spec into its container. The Content-Security-Policy refuses eval and inline styles, so Vega parses
// expressions to syntax trees and vega-embed evaluates them with its bundled interpreter (ast: true), and
// vega-embed's injected stylesheet, tooltip handler (it injects a <style>) and action menu are off.
//
// Progressive enhancement: the figure is hidden until its chart is drawn (polku.css, .chart--drawn). Without
// JavaScript, or if drawing fails, the data table beside it carries the same figures.
(function () {
  "use strict";

  var script = document.currentScript;
  var VENDOR = ["vega.min.js", "vega-lite.min.js", "vega-embed.min.js"];

  var MONTHS = {
    fi: ["tammikuu", "helmikuu", "maaliskuu", "huhtikuu", "toukokuu", "kesäkuu", "heinäkuu", "elokuu", "syyskuu",
         "lokakuu", "marraskuu", "joulukuu"],
    sv: ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
         "november", "december"],
    en: ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
         "November", "December"]
  };
  // Number and date formats as the pages' tables print them (polku/formats): decimal comma in Finnish and
  // Swedish, a no-break space between thousands in all three languages (English as used in Finland).
  var LOCALES = {
    fi: {
      number: {decimal: ",", thousands: "\u00a0", grouping: [3], currency: ["", "\u00a0€"], minus: "\u2212"},
      time: {dateTime: "%A %-d.%-m.%Y klo %H.%M.%S", date: "%-d.%-m.%Y", time: "%H.%M.%S", periods: ["", ""],
             days: ["sunnuntai", "maanantai", "tiistai", "keskiviikko", "torstai", "perjantai", "lauantai"],
             shortDays: ["su", "ma", "ti", "ke", "to", "pe", "la"],
             months: MONTHS.fi,
             shortMonths: ["tammi", "helmi", "maalis", "huhti", "touko", "kesä", "heinä", "elo", "syys", "loka",
                           "marras", "joulu"]}
    },
    sv: {
      number: {decimal: ",", thousands: "\u00a0", grouping: [3], currency: ["", "\u00a0€"], minus: "\u2212"},
      time: {dateTime: "%A %-d.%-m.%Y kl. %H.%M.%S", date: "%-d.%-m.%Y", time: "%H.%M.%S", periods: ["fm", "em"],
             days: ["söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"],
             shortDays: ["sön", "mån", "tis", "ons", "tors", "fre", "lör"],
             months: MONTHS.sv,
             shortMonths: ["jan", "feb", "mars", "apr", "maj", "juni", "juli", "aug", "sep", "okt", "nov", "dec"]}
    },
    en: {
      number: {decimal: ".", thousands: "\u00a0", grouping: [3], currency: ["€", ""], minus: "\u2212"},
      time: {dateTime: "%a %-d.%-m.%Y %H:%M:%S", date: "%-d.%-m.%Y", time: "%H:%M:%S", periods: ["AM", "PM"],
             days: ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
             shortDays: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
             months: MONTHS.en,
             shortMonths: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]}
    }
  };

  function locale() {
    var language = (document.documentElement.lang || "fi").slice(0, 2).toLowerCase();
    return LOCALES[language] || LOCALES.fi;
  }

  // The three builds in order (async = false keeps the order of dynamically inserted scripts).
  function loadVendor(done) {
    var remaining = VENDOR.length;
    VENDOR.forEach(function (name) {
      var tag = document.createElement("script");
      tag.src = new URL("vendor/vega/" + name, script.src).href;
      tag.async = false;
      tag.addEventListener("load", function () {
        remaining -= 1;
        if (remaining === 0) {
          done();
        }
      });
      tag.addEventListener("error", function () {
        console.error("Polku: could not load " + tag.src + "; the figures are in the table beside each chart.");
      });
      document.head.appendChild(tag);
    });
  }

  function draw(container, language) {
    var data = document.getElementById(container.getAttribute("data-chart-spec"));
    if (!data) {
      return;
    }
    var options = {
      renderer: "svg",
      actions: false,
      ast: true,
      defaultStyle: false,
      tooltip: false,
      formatLocale: language.number,
      timeFormatLocale: language.time,
      // The container is the one labelled image: marks need no roles or labels of their own.
      config: {aria: false}
    };
    // Vega marks the element it draws in as a "graphics-document" named by the spec's description: an inner
    // element, hidden from assistive technology, keeps the container's role="img" and aria-label.
    var target = document.createElement("div");
    target.className = "chart-canvas__vega";
    target.setAttribute("aria-hidden", "true");
    container.appendChild(target);
    window.vegaEmbed(target, JSON.parse(data.textContent), options).then(function () {
      var svg = target.querySelector("svg");
      if (svg) {
        svg.setAttribute("focusable", "false");
      }
      (container.closest(".chart") || container).classList.add("chart--drawn");
    }).catch(function (error) {
      console.error("Polku: chart " + container.id + " could not be drawn:", error);
    });
  }

  function start() {
    var containers = document.querySelectorAll("[data-chart-spec]");
    if (containers.length === 0) {
      return;
    }
    loadVendor(function () {
      var language = locale();
      containers.forEach(function (container) {
        draw(container, language);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
