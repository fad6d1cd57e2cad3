// Small progressive enhancements; every page works without this file.
(function () {
  'use strict';
  function enhance(root) {
    var secret = root.querySelector && root.querySelector('pre.secret');
    if (secret && !secret.dataset.enhanced && navigator.clipboard) {
      secret.dataset.enhanced = '1';
      var btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'copy';
      btn.textContent = 'Copy';
      btn.addEventListener('click', function () {
        navigator.clipboard.writeText(secret.textContent.trim()).then(function () {
          btn.textContent = 'Copied';
        });
      });
      secret.after(btn);
    }
  }
  // Form parts marked data-show-if="field=a,b;other=c" are shown only while those controls have one
  // of the listed values (SNMPv3 fields for version 3, the custom schedule for "Custom"). Without
  // this file every part shows, with a hint saying when it applies.
  function applyShowIf(form) {
    var parts = form.querySelectorAll('[data-show-if]');
    for (var i = 0; i < parts.length; i++) {
      var conds = parts[i].getAttribute('data-show-if').split(';');
      var ok = conds.every(function (cond) {
        var eq = cond.indexOf('=');
        var control = form.elements.namedItem(cond.slice(0, eq));
        if (!control) return true;
        return (
          cond
            .slice(eq + 1)
            .split(',')
            .indexOf(control.value) >= 0
        );
      });
      parts[i].hidden = !ok;
    }
  }
  function bindShowIf(root) {
    if (!root.querySelectorAll) return;
    var parts = root.querySelectorAll('[data-show-if]');
    for (var i = 0; i < parts.length; i++) {
      var form = parts[i].closest('form');
      if (!form || form.dataset.showIfBound) continue;
      form.dataset.showIfBound = '1';
      form.addEventListener('change', applyShowIf.bind(null, form));
      applyShowIf(form);
    }
  }
  // On a phone the main navigation and the settings tabs are horizontal strips that scroll; bring
  // the current entry into view instead of leaving it cut off at the right edge.
  function revealCurrent(root) {
    if (!root.querySelectorAll) return;
    var current = root.querySelectorAll(
      '.sidenav a[aria-current="page"], .tabs a[aria-current="page"]',
    );
    for (var i = 0; i < current.length; i++) {
      var link = current[i];
      var strip = link.closest('ul, .tabs');
      if (!strip || strip.scrollWidth <= strip.clientWidth) continue;
      var left =
        link.getBoundingClientRect().left - strip.getBoundingClientRect().left + strip.scrollLeft;
      strip.scrollLeft = Math.max(0, left - (strip.clientWidth - link.offsetWidth) / 2);
    }
  }
  document.addEventListener('DOMContentLoaded', function () {
    enhance(document);
    bindShowIf(document);
    revealCurrent(document);
  });
  var pending = false;
  window.addEventListener('resize', function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      revealCurrent(document);
    });
  });
  document.addEventListener('htmx:load', function (e) {
    enhance(e.target);
    bindShowIf(e.target);
    revealCurrent(e.target);
  });
})();
