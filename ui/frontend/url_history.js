// Streamlit writes a page's new query string with history.pushState: one Back-button entry per slider move.
// Installed once per tab, this turns a push that only changes the query string of the page on screen into a
// replaceState, so the address bar follows the controls and Back leaves the page (or the view opened by a link)
// instead of undoing one slider move at a time. A push to another page (navigation) stays a push.
const INSTALLED = Symbol.for("descent-lab.replace-query-pushes");

export default function () {
  const history = window.history;
  if (history[INSTALLED]) return;
  const push = history.pushState.bind(history);
  history.pushState = (state, unused, url) => {
    const target = new URL(url ?? window.location.href, window.location.href);
    if (target.pathname === window.location.pathname) {
      history.replaceState(state, unused, url);
    } else {
      push(state, unused, url);
    }
  };
  history[INSTALLED] = true;
}
