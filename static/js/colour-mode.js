// Dark mode follows the system setting (Bootstrap 5.3's colour modes). Loaded in <head>
// without `defer`, before the first paint, so a dark page never flashes white; it follows the
// setting when it changes while the page is open. PDFs are print and stay light.
(() => {
  const dark = window.matchMedia("(prefers-color-scheme: dark)");
  const apply = () => {
    document.documentElement.dataset.bsTheme = dark.matches ? "dark" : "light";
  };
  apply();
  dark.addEventListener("change", apply);
})();
