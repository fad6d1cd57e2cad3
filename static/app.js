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
  document.addEventListener('DOMContentLoaded', function () {
    enhance(document);
  });
  document.addEventListener('htmx:load', function (e) {
    enhance(e.target);
  });
})();
