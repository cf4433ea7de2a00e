// Light or dark theme: the system's choice (prefers-color-scheme) until the candidate picks one with the toggle,
// which is remembered in localStorage. A classic script in <head>, so the theme is set before the page is painted.
(() => {
  const KEY = "rehearse.theme";
  const root = document.documentElement;
  const system = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function stored() {
    try {
      const value = localStorage.getItem(KEY);
      return value === "light" || value === "dark" ? value : null;
    } catch {
      return null; // storage blocked: follow the system
    }
  }

  let chosen = stored();

  function current() {
    return chosen || (system && system.matches ? "dark" : "light");
  }

  function apply() {
    const theme = current();
    root.dataset.theme = theme;
    const toggle = document.getElementById("theme-toggle");
    if (toggle) toggle.setAttribute("aria-pressed", theme === "dark" ? "true" : "false");
  }

  function toggle() {
    chosen = current() === "dark" ? "light" : "dark";
    try {
      localStorage.setItem(KEY, chosen);
    } catch {
      // not remembered, still applied on this page
    }
    apply();
  }

  apply();
  if (system && typeof system.addEventListener === "function") system.addEventListener("change", apply);
  document.addEventListener("DOMContentLoaded", () => {
    apply();
    const button = document.getElementById("theme-toggle");
    if (button) button.addEventListener("click", toggle);
  });
})();
