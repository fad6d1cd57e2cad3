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
    revealCurrent(e.target);
  });
})();
