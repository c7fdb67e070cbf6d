// Loads the wasm UI. Kept as a file (not an inline script) so the CSP needs no
// 'unsafe-inline' for scripts; 'wasm-unsafe-eval' lets the module compile.
import init from "./backstop_ui.js";

init().catch((err) => {
  document.body.textContent =
    "Backstop's interface failed to load: " + err + ". Reinstall the application or rebuild with scripts/build-ui.";
});
