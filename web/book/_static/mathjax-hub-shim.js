// The ipywidgets HTML manager calls MathJax 2's MathJax.Hub.Queue; the site serves MathJax 3,
// which has typesetPromise instead. Map the one call the manager makes.
(function () {
  function install() {
    if (window.MathJax && window.MathJax.typesetPromise) {
      if (!window.MathJax.Hub) {
        window.MathJax.Hub = { Queue: function () { return window.MathJax.typesetPromise(); } };
      }
    } else {
      setTimeout(install, 50);
    }
  }
  install();
})();
