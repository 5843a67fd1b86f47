// The face map: a click places a pending point, asks the server which muscle and side lie
// there and which label warnings the visit would draw, and fills the point form. The form
// itself is plain HTML; without this script a point is added by choosing the muscle.
(function () {
  "use strict";
  var box = document.getElementById("map");
  var svg = document.getElementById("facemap");
  var form = document.getElementById("point-form");
  if (!box || !svg || !form || box.dataset.editable !== "true") { return; }
  var visit = box.dataset.visit;
  var x = document.getElementById("point-x");
  var y = document.getElementById("point-y");
  var muscle = document.getElementById("point-muscle");
  var side = document.getElementById("point-side");
  var units = document.getElementById("point-units");
  var hint = document.getElementById("point-hint");
  var warnings = document.getElementById("live-warnings");
  var ns = "http://www.w3.org/2000/svg";
  var pending = null;

  function show(data) {
    warnings.textContent = "";
    (data.errors || []).concat(data.warnings || []).forEach(function (text) {
      var p = document.createElement("p");
      p.className = "warning";
      p.textContent = text;
      warnings.appendChild(p);
    });
    var total = document.getElementById("overall-units");
    if (total && data.overall_units !== undefined) { total.textContent = data.overall_units + " U (with this point)"; }
  }

  function check(withClick) {
    var query = "units=" + encodeURIComponent(units.value);
    if (withClick && x.value !== "") {
      query += "&x=" + encodeURIComponent(x.value) + "&y=" + encodeURIComponent(y.value);
    } else {
      query += "&muscle=" + encodeURIComponent(muscle.value) + "&side=" + encodeURIComponent(side.value);
    }
    fetch("/visits/" + visit + "/check?" + query, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (withClick && data.muscle) {
          muscle.value = data.muscle;
          side.value = data.side;
          hint.textContent = "Point at " + data.muscle.replace(/_/g, " ") + ", " + data.side + " (change below if needed).";
        }
        show(data);
      })
      .catch(function () { hint.textContent = "The live check is unavailable; the point is still checked when added."; });
  }

  svg.addEventListener("click", function (event) {
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var local = point.matrixTransform(svg.getScreenCTM().inverse());
    x.value = local.x.toFixed(1);
    y.value = local.y.toFixed(1);
    if (!pending) {
      pending = document.createElementNS(ns, "g");
      pending.setAttribute("class", "pending");
      var circle = document.createElementNS(ns, "circle");
      circle.setAttribute("r", "7");
      pending.appendChild(circle);
      svg.querySelector(".markers").appendChild(pending);
    }
    pending.firstChild.setAttribute("cx", local.x);
    pending.firstChild.setAttribute("cy", local.y);
    check(true);
  });
  [muscle, side].forEach(function (el) { el.addEventListener("change", function () { check(false); }); });
  units.addEventListener("input", function () { check(false); });
})();
